"""Refused local edits in the store: a clean merge is re-queued on the server's version, anything else is an open
conflict with base / mine / theirs; keep mine, keep theirs and edit each commit with a timeline event."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from services.records import ServiceRequest
from services.store import Store

NOW = datetime(2026, 3, 1, 5, tzinfo=UTC)


def record(version: int, **values: object) -> ServiceRequest:
    fields: dict[str, object] = {
        "status": "open", "service_code": "flooding", "description": "น้ำท่วมขัง", "lat": 18.79, "lon": 98.99,
        "requested_at": NOW - timedelta(hours=3), "updated_at": NOW, "status_detail": "acknowledged",
        "priority": "P3", "assignee": None,
    }
    fields.update(values)
    return ServiceRequest(id="5001", version=version, **fields)  # type: ignore[arg-type]


@pytest.fixture
def incident(store: Store) -> int:
    store.ingest_service_requests([record(3)])
    found = store.incident_id_for_server_id("5001")
    assert found is not None
    return found


def _row(store: Store, incident_id: int) -> dict:
    with store.edit_engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT workflow_state, priority, assignee, version, local_changes FROM incidents "
                                   "WHERE id = ?", (incident_id,)).one()
    return dict(zip(("workflow_state", "priority", "assignee", "version", "local_changes"), row, strict=True))


def _outbox(store: Store, outbox_id: int) -> tuple[str, int | None, dict]:
    with store.edit_engine.connect() as conn:
        state, base, fields = conn.exec_driver_sql(
            "SELECT state, base_version, fields_json FROM outbox WHERE id = ?", (outbox_id,)).one()
    return state, base, json.loads(fields)


def _events(store: Store, incident_id: int, kind: str) -> list:
    return [e for e in store.incident_detail(incident_id).events if e.kind == kind]


def test_edits_to_different_fields_merge_and_are_requeued_on_the_servers_version(store: Store, incident: int) -> None:
    store.apply_action_local(incident, {"assignee": "ทีม 1"}, "op", NOW, "ไปแล้ว", action="assign")
    [entry] = store.outbox_pending()
    assert entry.base_version == 3
    kind = store.merge_or_conflict(entry.id, record(4, priority="P1"), "stale", role="operator", now=NOW)
    assert kind == "merged"
    assert _outbox(store, entry.id) == ("pending", 4, {"assignee": "ทีม 1", "note": "ไปแล้ว", "action": "assign"})
    # The local row shows both changes and is based on the server's version; the edit still counts as unsent.
    assert _row(store, incident) == {"workflow_state": "acknowledged", "priority": "P1", "assignee": "ทีม 1",
                                     "version": 4, "local_changes": 1}
    [merged] = _events(store, incident, "sync_merged")
    assert merged.after["sent"] == {"assignee": "ทีม 1", "note": "ไปแล้ว", "action": "assign"}
    assert merged.after["taken"]["priority"] == "P1" and merged.after["base"] == {"assignee": None}
    assert store.open_conflicts() == []


def test_the_same_field_changed_differently_is_an_open_conflict(store: Store, incident: int) -> None:
    store.apply_action_local(incident, {"priority": "P2"}, "op", NOW, action="set_priority")
    [entry] = store.outbox_pending()
    assert store.merge_or_conflict(entry.id, record(4, priority="P1"), "stale", now=NOW) == "conflict"
    assert _outbox(store, entry.id)[0] == "conflict"
    assert store.outbox_pending() == []  # the drain goes past it
    [view] = store.open_conflicts()
    assert (view.outbox_id, view.incident_id, view.server_id, view.server_version, view.action) == (
        entry.id, incident, "5001", 4, "set_priority")
    assert view.conflicting == ("priority",)
    [field] = view.fields
    assert (field.field, field.base, field.mine, field.theirs) == ("priority", "P3", "P2", "P1")
    [event] = _events(store, incident, "conflict")
    assert event.after["mine"] == {"priority": "P2"} and event.after["theirs"]["priority"] == "P1"
    assert event.after["base"] == {"priority": "P3"}
    assert _row(store, incident)["priority"] == "P2"  # nothing overwritten while undecided


def test_a_refusal_on_the_same_version_is_never_merged(store: Store, incident: int) -> None:
    # A 409 (the server judged the change itself): sending it again would be refused again, forever.
    store.apply_action_local(incident, {"assignee": "ทีม 1"}, "op", NOW, action="assign")
    [entry] = store.outbox_pending()
    assert store.merge_or_conflict(entry.id, record(3), "cannot assign", now=NOW) == "conflict"
    [view] = store.open_conflicts()
    assert view.conflicting == ("assignee",) and view.fields[0].reason == "cannot assign"


def _conflict(store: Store, incident: int) -> int:
    store.apply_action_local(incident, {"priority": "P2", "assignee": "ทีม 1"}, "op", NOW, action="update")
    [entry] = store.outbox_pending()
    assert store.merge_or_conflict(entry.id, record(4, priority="P1"), "stale", now=NOW) == "conflict"
    return entry.id


def test_keep_mine_requeues_the_whole_change_on_the_servers_version(store: Store, incident: int) -> None:
    outbox_id = _conflict(store, incident)
    store.resolve_keep_mine(outbox_id, 4, "หัวหน้าเวร (supervisor)", NOW)
    [entry] = store.outbox_pending()
    assert (entry.id, entry.base_version, entry.fields["priority"], entry.fields["assignee"]) == (
        outbox_id, 4, "P2", "ทีม 1")
    [event] = _events(store, incident, "conflict_resolved")
    assert (event.actor, event.after["decision"], event.before["priority"]) == (
        "หัวหน้าเวร (supervisor)", "keep_mine", "P1")
    assert store.open_conflicts() == []
    with pytest.raises(ValueError, match="not an open conflict"):
        store.resolve_keep_mine(outbox_id, 4, "x", NOW)
    # Rebased: if the server moves again, the base is now the server's values at the decision.
    assert store.merge_or_conflict(outbox_id, record(5, priority="P1", description="อัปเดต"), "stale",
                                   now=NOW) == "merged"


def test_keep_theirs_drops_my_change_visibly_and_takes_the_servers_values(store: Store, incident: int) -> None:
    outbox_id = _conflict(store, incident)
    store.resolve_keep_theirs(outbox_id, None, "sup", NOW)
    assert _outbox(store, outbox_id)[0] == "sent" and store.outbox_pending() == []
    assert _row(store, incident) == {"workflow_state": "acknowledged", "priority": "P1", "assignee": None,
                                     "version": 4, "local_changes": 0}
    [event] = _events(store, incident, "conflict_resolved")
    assert event.after["decision"] == "keep_theirs"
    assert event.after["dropped"] == {"priority": "P2", "assignee": "ทีม 1"}  # kept in the timeline
    # Now idle, the incident follows the server again.
    store.ingest_service_requests([record(5, priority="P1", assignee="ทีม 9")])
    assert _row(store, incident)["assignee"] == "ทีม 9"


def test_keep_theirs_with_a_fresh_record(store: Store, incident: int) -> None:
    outbox_id = _conflict(store, incident)
    store.resolve_keep_theirs(outbox_id, record(6, priority="P4", assignee="ทีม 2"), "sup", NOW)
    assert _row(store, incident) == {"workflow_state": "acknowledged", "priority": "P4", "assignee": "ทีม 2",
                                     "version": 6, "local_changes": 0}


def test_edit_sends_the_persons_values_with_the_rest_of_my_change(store: Store, incident: int) -> None:
    outbox_id = _conflict(store, incident)
    with pytest.raises(ValueError, match="not mergeable"):
        store.resolve_edit(outbox_id, {"local_changes": 0}, 4, "sup", NOW)
    store.resolve_edit(outbox_id, {"priority": "P1"}, 4, "sup", NOW)
    [entry] = store.outbox_pending()
    assert (entry.base_version, entry.fields["priority"], entry.fields["assignee"]) == (4, "P1", "ทีม 1")
    assert _row(store, incident)["priority"] == "P1"
    [event] = _events(store, incident, "conflict_resolved")
    assert (event.after["decision"], event.after["priority"], event.actor) == ("edit", "P1", "sup")


def test_a_conflict_recorded_by_the_plain_mark_is_listed_too(store: Store, incident: int) -> None:
    store.apply_action_local(incident, {"priority": "P2"}, "op", NOW, action="set_priority")
    [entry] = store.outbox_pending()
    store.outbox_mark_conflict(entry.id, record(4, priority="P1"), "changed on the server", NOW)
    [view] = store.open_conflicts()
    assert view.server_version == 4 and view.conflicting == ("priority",)
    assert (view.fields[0].base, view.fields[0].mine, view.fields[0].theirs) == ("P3", "P2", "P1")


def test_a_second_edit_waiting_behind_keeps_its_fields_when_the_first_merges(store: Store, incident: int) -> None:
    store.apply_action_local(incident, {"assignee": "ทีม 1"}, "op", NOW, action="assign")
    store.apply_action_local(incident, {"priority": "P2"}, "op", NOW + timedelta(seconds=1), action="set_priority")
    first, second = store.outbox_pending()
    assert store.merge_or_conflict(first.id, record(4, priority="P1"), "stale", now=NOW) == "merged"
    assert _row(store, incident)["priority"] == "P2"  # the later unsent edit is not overwritten by theirs
    # The second meets the server's P1 with its own base P3: a conflict, not a silent overwrite.
    assert store.merge_or_conflict(second.id, record(5, priority="P1", assignee="ทีม 1"), "stale",
                                   now=NOW) == "conflict"
