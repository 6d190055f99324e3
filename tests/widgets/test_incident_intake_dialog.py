"""The intake dialog: required fields, the 4000-character limit, duplicates as they arrive, create and merge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.widgets.incident_fakes import HOSTILE, T0, Row
from widgets.i18n import set_language
from widgets.incident_intake_dialog import IncidentIntakeDialog
from widgets.incident_rows import IncidentDraftData


@dataclass
class Service:
    service_code: str
    service_name: str


SERVICES = [Service("road", "ถนนชำรุด"), Service("flood", "น้ำท่วม")]


@pytest.fixture(autouse=True)
def thai() -> None:
    set_language("th")
    yield
    set_language("th")


@pytest.fixture
def dialog(qtbot):  # type: ignore[no-untyped-def]
    dialog = IncidentIntakeDialog(SERVICES, lat=18.7883, lon=98.9853, district_code="5001",
                                  district_name="เมืองเชียงใหม่", now=T0)
    qtbot.addWidget(dialog)
    return dialog


def fill(dialog: IncidentIntakeDialog) -> None:
    dialog.category.setCurrentIndex(dialog.category.findData("flood"))
    dialog.description.setPlainText("น้ำท่วมขังหน้าตลาด")
    dialog.reporter_name.setText("สมศรี")
    dialog.reporter_contact.setText("089-111-2222")
    dialog.source.setCurrentIndex(dialog.source.findData("walk_in"))
    dialog.priority.setCurrentIndex(dialog.priority.findData("P2"))


def test_required_fields_and_length(dialog) -> None:  # type: ignore[no-untyped-def]
    assert dialog.district.text() == "เมืองเชียงใหม่"
    assert not dialog.create_button.isEnabled()
    assert "เลือกประเภท" in dialog.problems.text() and "เขียนรายละเอียด" in dialog.problems.text()
    fill(dialog)
    assert dialog.create_button.isEnabled() and dialog.problems.text() == ""
    dialog.description.setPlainText("ก" * 4001)
    assert not dialog.create_button.isEnabled() and "4000" in dialog.problems.text()
    assert dialog.char_count.text() == "4,001 / 4,000"
    dialog.description.setPlainText("ก" * 4000)
    assert dialog.create_button.isEnabled()
    dialog.lat.setText("north")
    assert not dialog.create_button.isEnabled() and "ตำแหน่ง" in dialog.problems.text()
    dialog.lat.setText("95")  # out of range
    assert not dialog.create_button.isEnabled()
    dialog.lat.setText("18.79")
    dialog.category.setCurrentIndex(0)
    assert not dialog.create_button.isEnabled()


def test_create_emits_the_draft_and_waits(dialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    fill(dialog)
    with qtbot.waitSignal(dialog.sig_create_requested) as blocker:
        dialog.create_button.click()
    assert blocker.args == [IncidentDraftData(
        category="flood", category_name="น้ำท่วม", priority="P2", description="น้ำท่วมขังหน้าตลาด",
        reporter_name="สมศรี", reporter_contact="089-111-2222", source="walk_in", lat=18.7883, lon=98.9853,
        district_code="5001", address="")]
    assert not dialog.create_button.isEnabled()  # busy until the console answers
    dialog.show_error(HOSTILE)
    assert dialog.problems.text() == HOSTILE and dialog.create_button.isEnabled()


def test_duplicates_requested_shown_and_merged(dialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.sig_duplicates_requested) as blocker:
        fill(dialog)
    assert blocker.args == ["flood", 18.7883, 98.9853]
    assert not dialog.merge_button.isEnabled()
    rows = [Row(id=31, server_id="CM-31", distance_m=120.4, source="citizen_app", state="acknowledged",
                requested_at=T0 - timedelta(hours=5)),
            Row(id=30, distance_m=40.0, requested_at=T0 - timedelta(hours=30))]
    dialog.set_duplicates(rows, category="flood", lat=18.7883, lon=98.9853)
    assert dialog.duplicates.rowCount() == 2
    assert [dialog.duplicates.item(r, 0).text() for r in range(2)] == ["#30", "#CM-31"]  # nearest first
    assert dialog.duplicates.item(1, 1).text() == "120 m" and dialog.duplicates.item(1, 4).text() == "5 ชม."
    assert dialog.duplicates.item(1, 3).text() == "แอปประชาชน"
    assert "2" in dialog.duplicates_label.text()
    dialog.duplicates.selectRow(1)
    assert dialog.merge_button.isEnabled()
    with qtbot.waitSignal(dialog.sig_merge_requested) as blocker:
        dialog.merge_button.click()
    assert blocker.args[0] == 31 and blocker.args[1].category == "flood"
    assert not dialog.merge_button.isEnabled() and not dialog.create_button.isEnabled()


def test_stale_duplicates_ignored_new_location_asks(dialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.sig_duplicates_requested):
        fill(dialog)
    with qtbot.waitSignal(dialog.sig_duplicates_requested) as blocker:
        dialog.lon.setText("98.99")
    assert blocker.args == ["flood", 18.7883, 98.99]
    dialog.set_duplicates([Row(id=1)], category="flood", lat=18.7883, lon=98.9853)  # the older question
    assert dialog.duplicates.rowCount() == 0
    with qtbot.waitSignal(dialog.sig_district_requested) as blocker:
        dialog.lon.editingFinished.emit()
    assert blocker.args == [18.7883, 98.99]
    dialog.set_district("5002", "จอมทอง")
    fill(dialog)
    with qtbot.waitSignal(dialog.sig_create_requested) as blocker:
        dialog.create_button.click()
    assert blocker.args[0].district_code == "5002"


def test_english(qtbot) -> None:  # type: ignore[no-untyped-def]
    set_language("en")
    dialog = IncidentIntakeDialog(SERVICES)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "New incident" and dialog.create_button.text() == "Create"
    assert dialog.district.text() == "(district unknown)"
    assert "choose a category" in dialog.problems.text()
