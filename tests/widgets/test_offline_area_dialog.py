"""OfflineAreaDialog: the province with the city and flood-prone districts in detail by default; estimate first, then
Start; progress; cancel; finished; the limits; Thai and English text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from services.tiles.offline_areas import AreaPart
from widgets import i18n
from widgets.offline_area_dialog import CHIANG_MAI_BBOX, OfflineAreaDialog, describe_area, format_bytes

VIEW = (98.9, 18.7, 99.1, 18.9)
DETAIL = (AreaPart(CHIANG_MAI_BBOX, 8, 12, "Chiang Mai province", "จังหวัดเชียงใหม่"),
          AreaPart((98.90, 18.70, 99.05, 18.87), 13, 16, "Mueang Chiang Mai", "เมืองเชียงใหม่"),
          AreaPart((98.97, 18.64, 99.09, 18.75), 13, 16, "Saraphi", "สารภี"))


@pytest.fixture
def dialog(qtbot) -> Iterator[OfflineAreaDialog]:  # type: ignore[no-untyped-def]
    i18n.set_language("en")
    d = OfflineAreaDialog(VIEW, zmin=10, zmax=12)
    qtbot.addWidget(d)
    d.show()
    yield d
    i18n.set_language("th")


def test_first_estimate_is_requested_for_the_current_view(qtbot) -> None:  # type: ignore[no-untyped-def]
    d = OfflineAreaDialog(VIEW, zmin=10, zmax=12)
    qtbot.addWidget(d)
    with qtbot.waitSignal(d.sig_estimate_requested, timeout=2000) as blocker:
        d.show()
    assert blocker.args == [(AreaPart(VIEW, 10, 12),)]
    assert not d.start_button.isEnabled()  # nothing to start until the size is known


def test_estimate_then_start_then_progress_then_finish(dialog: OfflineAreaDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog.request_estimate()
    dialog.set_estimate(1200, 1200 * 15 * 1024, 200)
    assert "1,200 tiles" in dialog.estimate_label.text() and "1,000 to download" in dialog.estimate_label.text()
    assert "17.6 MB" in dialog.estimate_label.text()
    assert dialog.start_button.isEnabled()

    with qtbot.waitSignal(dialog.sig_prefetch_requested, timeout=1000) as blocker:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [(AreaPart(VIEW, 10, 12),)]
    assert dialog.running and dialog.progress.isVisible() and dialog.cancel_button.isVisible()
    assert not dialog.zmin_spin.isEnabled() and not dialog.start_button.isVisible()

    dialog.set_progress(600, 1200)
    assert (dialog.progress.value(), dialog.progress.maximum()) == (600, 1200)
    assert "600 of 1,200" in dialog.status_label.text()

    with qtbot.waitSignal(dialog.sig_cancel_requested, timeout=1000):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.sig_estimate_requested, timeout=1000):  # re-plans: the cache has grown
        dialog.set_finished(400, 3, True)
    assert not dialog.running and dialog.zmin_spin.isEnabled()
    assert "Cancelled: 400 tiles saved" in dialog.status_label.text() and "3 failed" in dialog.status_label.text()


def test_changing_the_selection_requests_a_new_estimate_and_ignores_late_answers(
        dialog: OfflineAreaDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog.request_estimate()
    with qtbot.waitSignal(dialog.sig_estimate_requested, timeout=2000) as blocker:
        dialog.province_choice.setChecked(True)
        dialog.zmax_spin.setValue(11)
    assert blocker.args == [(AreaPart(CHIANG_MAI_BBOX, 10, 11),)]
    dialog.zmax_spin.setValue(14)
    dialog.set_estimate(50, 1000, 0)  # the answer for 10..11, arriving after the operator picked 10..14
    assert not dialog.start_button.isEnabled()


def test_zoom_limits_and_order(dialog: OfflineAreaDialog) -> None:
    assert dialog.zmax_spin.maximum() == 16
    dialog.zmax_spin.setValue(30)
    assert dialog.zmax_spin.value() == 16
    dialog.zmin_spin.setValue(15)
    dialog.zmax_spin.setValue(12)
    assert dialog.zmin_spin.value() <= dialog.zmax_spin.value()


def test_too_many_tiles_or_nothing_to_do_disables_start(dialog: OfflineAreaDialog) -> None:
    dialog.request_estimate()
    dialog.set_estimate(25_000, 25_000 * 15 * 1024, 0)
    assert not dialog.start_button.isEnabled() and "10,000" in dialog.estimate_label.text()
    dialog.set_estimate(300, 0, 300)
    assert not dialog.start_button.isEnabled() and "already saved" in dialog.estimate_label.text()


def test_closing_while_running_cancels(dialog: OfflineAreaDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog.request_estimate()
    dialog.set_estimate(10, 1000, 0)
    dialog.start_button.click()
    with qtbot.waitSignal(dialog.sig_cancel_requested, timeout=1000):
        dialog.close()
    assert not dialog.isVisible()


def test_failed_shows_the_message(dialog: OfflineAreaDialog) -> None:
    dialog.request_estimate()
    dialog.set_estimate(10, 1000, 0)
    dialog.start_button.click()
    dialog.set_failed("tile server unreachable")
    assert not dialog.running and dialog.status_label.text() == "tile server unreachable"


def test_no_view_bbox_offers_the_province_only(qtbot) -> None:  # type: ignore[no-untyped-def]
    d = OfflineAreaDialog(None)
    qtbot.addWidget(d)
    assert not d.view_choice.isEnabled() and d.province_choice.isChecked()
    assert d.selection() == (AreaPart(CHIANG_MAI_BBOX, 10, 13),)
    assert not d.detail_choice.isVisible()


def test_the_detailed_area_is_offered_first_and_chosen_by_default(qtbot, english) -> None:  # type: ignore[no-untyped-def]
    d = OfflineAreaDialog(VIEW, detail_area=DETAIL)
    qtbot.addWidget(d)
    with qtbot.waitSignal(d.sig_estimate_requested, timeout=2000) as blocker:
        d.show()
    assert d.detail_choice.isChecked() and blocker.args == [DETAIL]
    assert "zoom 12" in d.detail_choice.text() and "zoom 16" in d.detail_choice.text()
    assert "Zoom 8–12: Chiang Mai province" in d.area_label.text()
    assert "Zoom 13–16: Mueang Chiang Mai, Saraphi" in d.area_label.text()
    assert not d.zmin_spin.isEnabled() and not d.zmax_spin.isEnabled()  # the detailed area has its own zooms
    d.set_estimate(5200, 5200 * 15 * 1024, 0)
    assert "5,200 tiles" in d.estimate_label.text() and "76.2 MB" in d.estimate_label.text()
    with qtbot.waitSignal(d.sig_prefetch_requested, timeout=1000) as started:
        d.start_button.click()
    assert started.args == [DETAIL]
    assert not d.detail_choice.isEnabled() and not d.province_choice.isEnabled()
    d.set_finished(5200, 0, False)
    with qtbot.waitSignal(d.sig_estimate_requested, timeout=2000) as blocker:
        d.province_choice.setChecked(True)
    assert blocker.args == [(AreaPart(CHIANG_MAI_BBOX, 10, 13),)] and d.zmin_spin.isEnabled()
    with qtbot.waitSignal(d.sig_estimate_requested, timeout=2000) as blocker:
        d.detail_choice.setChecked(True)
    assert blocker.args == [DETAIL] and not d.zmax_spin.isEnabled()


def test_the_detailed_area_in_thai(qtbot) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("th")
    d = OfflineAreaDialog(None, detail_area=DETAIL)
    qtbot.addWidget(d)
    assert d.detail_choice.isChecked()
    assert "ซูม 13–16: เมืองเชียงใหม่, สารภี" in d.area_label.text()
    assert describe_area(DETAIL).startswith("ซูม 8–12: จังหวัดเชียงใหม่")
    assert "แนะนำ" in d.detail_choice.text()


def test_thai_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("th")
    d = OfflineAreaDialog(VIEW)
    qtbot.addWidget(d)
    assert d.windowTitle() == "บันทึกพื้นที่สำหรับใช้งานออฟไลน์"
    d.request_estimate()
    d.set_estimate(100, 2 * 1024 * 1024, 10)
    assert "ไทล์" in d.estimate_label.text() and "2.0 MB" in d.estimate_label.text()
    i18n.set_language("en")
    d.retranslate()
    assert d.windowTitle() == "Save area for offline use" and "100 tiles" in d.estimate_label.text()
    i18n.set_language("th")


def test_format_bytes() -> None:
    assert format_bytes(850 * 1024) == "850 KB"
    assert format_bytes(int(12.4 * 1024 ** 2)) == "12.4 MB"
    assert format_bytes(3 * 1024 ** 3) == "3.00 GB"
