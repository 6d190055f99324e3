"""An empty list says so and what to do: the queue (no matches / nothing yet), the timeline, attachments, links,
conflicts and the intake's duplicates. The words stand over the empty view and go as soon as it lists something."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.widgets.incident_fakes import T0, Attachment, Detail, Event, FakeFetcher, Link, Row
from tests.widgets.record_fakes import Conflict
from tests.widgets.record_fakes import ConflictField as Field
from tests.widgets.record_fakes import Service
from widgets.conflicts_panel import ConflictsPanel
from widgets.i18n import set_language
from widgets.incident_detail_panel import IncidentDetailPanel
from widgets.incident_intake_dialog import IncidentIntakeDialog
from widgets.incident_queue_model import IncidentQueueModel
from widgets.incident_queue_panel import IncidentQueuePanel


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")
    yield
    set_language("th")


def test_the_detail_panels_lists_say_when_they_are_empty(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = IncidentDetailPanel(clock=lambda: T0)
    qtbot.addWidget(panel)
    assert panel.timeline_empty.showing and "Select an incident" in panel.timeline_empty.text()
    panel.show_incident(Detail(id=1), {"comment"})
    assert panel.timeline_empty.showing and "Nothing on the timeline yet" in panel.timeline_empty.text()
    assert panel.attachments_empty.showing and "Attach photo…" in panel.attachments_empty.text()
    assert panel.links_box.links_empty.showing and "No linked incidents" in panel.links_box.links_empty.text()
    assert panel.tabs.tabText(1) == "Timeline (0)" and panel.tabs.tabText(2) == "Attachments (0)"
    panel.show_incident(Detail(id=1, events=[Event(1, "created", "hotline", T0)],
                               attachments=[Attachment(2, "photo", "a.png")], links=[Link(3, "related")]),
                        {"comment"})
    assert not panel.timeline_empty.showing and not panel.attachments_empty.showing
    assert not panel.links_box.links_empty.showing
    assert panel.tabs.tabText(1) == "Timeline (1)" and panel.tabs.tabText(3) == "Links (1)"
    set_language("th")
    panel.show_incident(Detail(id=2), {"comment"})
    panel.retranslate()
    assert "ยังไม่มีไฟล์แนบ" in panel.attachments_empty.text()


def test_the_queue_says_whether_nothing_matches_or_nothing_is_there(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = IncidentQueueModel(FakeFetcher(immediate=True))
    panel = IncidentQueuePanel(model)
    qtbot.addWidget(panel)
    panel.show()
    empty = panel.empty_state
    model.set_ids([], first_rows=[])
    assert empty.isVisible() and "No incidents under “Open”" in empty.text()
    panel.search.setText("ไม่มีคำนี้")
    model.set_ids([], first_rows=[])
    assert "No incidents match: clear the search" in empty.text()
    panel.search.clear()
    panel.preset.setCurrentIndex(panel.preset.findData("all"))
    model.set_ids([], first_rows=[])
    assert "No incidents yet" in empty.text() and "Ctrl+N" in empty.text()
    model.set_ids([1, 2], first_rows=[Row(id=1), Row(id=2)])
    assert not empty.isVisible()
    assert empty.geometry().intersects(panel.table.viewport().rect())  # it stands over the table, not elsewhere


def test_conflicts_say_there_is_nothing_to_decide(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ConflictsPanel()
    qtbot.addWidget(panel)
    panel.set_conflicts([])
    assert panel.list_empty.showing and "No conflicts" in panel.list_empty.text()
    assert panel.table_empty.showing
    at = datetime(2026, 3, 1, tzinfo=UTC)
    panel.set_conflicts([Conflict(7, 1, "5001", (Field("priority", "P3", "P2", "P1", "both"),), "stale", at)])
    assert not panel.list_empty.showing and not panel.table_empty.showing


def test_intake_says_whether_duplicates_were_looked_for(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = IncidentIntakeDialog([Service("road", "ถนน (Road)", ())], lat=18.8, lon=98.98,
                                  now=T0 + timedelta(hours=1))
    qtbot.addWidget(dialog)
    assert dialog.duplicates_empty.showing and "Choose a category" in dialog.duplicates_empty.text()
    dialog.set_duplicates([])
    assert dialog.duplicates_empty.showing and "No possible duplicates" in dialog.duplicates_empty.text()
    dialog.set_duplicates([Row(id=4, requested_at=T0)])
    assert not dialog.duplicates_empty.showing
