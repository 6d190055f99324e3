"""The timeline model: a change made elsewhere says where it came from (never reads as this console's own edit) and
what the backend said of it; the same events again leave the view as it was (a reload every poll does not reset it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from services.store.incident_rows import IncidentEvent
from widgets.display_format import plain_tooltip
from widgets.incident_timeline import IncidentTimelineModel

AT = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


def _event(event_id: int, kind: str, actor: str | None, after: dict | None) -> IncidentEvent:
    return IncidentEvent(event_id, 7, kind, actor, AT + timedelta(minutes=event_id), None, after)


EVENTS = [
    _event(1, "comment", "nida (operator)", {"text": "รับแจ้งแล้ว"}),
    _event(2, "server_update", "operator", {"description": "comment: ทีมถึงแล้ว", "state": "new", "status": "open"}),
    _event(3, "server_update", "system", {"description": "workflow_state: new → acknowledged",
                                          "state": "acknowledged"}),
    _event(4, "server_update", "api", {"description": "Request received", "status": "open"}),
    _event(5, "server_update", None, {"description": "closed by the city's CRM", "status": "closed"}),
    _event(6, "server_update", "Traffy Fondue", {}),
]


def _column(model: IncidentTimelineModel, column: int) -> list[str]:
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def test_changes_made_elsewhere_say_where_they_came_from(qtmodeltester, english) -> None:  # type: ignore[no-untyped-def]
    model = IncidentTimelineModel()
    model.set_events(EVENTS)
    qtmodeltester.check(model)
    assert _column(model, 1) == ["nida (operator)", "an operator at another console", "the backend itself",
                                 "an app or another system (API)", "not stated (from the backend)",
                                 "Traffy Fondue (via the backend)"]
    assert _column(model, 2) == ["comment"] + ["change made elsewhere"] * 5
    assert _column(model, 3) == ["รับแจ้งแล้ว", "comment: ทีมถึงแล้ว [new]",
                                 "workflow_state: new → acknowledged [acknowledged]", "Request received [open]",
                                 "closed by the city's CRM [closed]", ""]
    tooltip = model.data(model.index(5, 1), Qt.ItemDataRole.ToolTipRole)  # the backend's own word for who
    assert tooltip == plain_tooltip("the backend names who made it: Traffy Fondue")  # shown as plain text


def test_the_same_events_again_leave_the_view_as_it_was(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = IncidentTimelineModel()
    model.set_events(EVENTS)
    with qtbot.assertNotEmitted(model.modelReset):
        model.set_events(list(reversed(EVENTS)))  # as a reload brings them: the same events
    newer = _event(8, "server_update", "supervisor", {"description": "comment: ปิดถนนแล้ว"})
    with qtbot.waitSignal(model.modelReset, timeout=1000):
        model.set_events([*EVENTS, newer])
    assert model.rowCount() == len(EVENTS) + 1 and model.event_at(len(EVENTS)) == newer
