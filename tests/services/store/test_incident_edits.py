"""Local incident edits (one FULL-synchronous transaction each), the outbox marks, merge/split, duplicates and
attachments."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import event

from services.records import ServiceRequest
from services.store import QueueFilter, QueueSort, Store, open_store

from tests.services.store.test_incident_queue import NOW, draft


def _counts(store: Store, incident_id: int) -> tuple[int, int, int]:
    with store.edit_engine.connect() as conn:
        return (
            conn.exec_driver_sql("SELECT count(*) FROM incident_events WHERE incident_id = ?", (incident_id,)).scalar(),
            conn.exec_driver_sql("SELECT count(*) FROM outbox WHERE incident_id = ?", (incident_id,)).scalar(),
            conn.exec_driver_sql("SELECT local_changes FROM incidents WHERE id = ?", (incident_id,)).scalar(),
        )


def test_edits_are_one_full_sync_transaction_and_survive_a_reopen(store: Store, store_path: Path) -> None:
    with store.edit_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    commits: list[str] = []
    event.listen(store.edit_engine, "commit", lambda conn: commits.append("commit"))
    incident = store.create_incident_local(draft(reporter_name="นางแดง"), "op1", NOW)
    store.apply_action_local(incident, {"workflow_state": "acknowledged", "assignee": "op1"}, "op1",
                             NOW + timedelta(minutes=1), "รับเรื่องแล้ว", action="acknowledge")
    store.add_comment_local(incident, "on the way", "op1", NOW + timedelta(minutes=2))
    assert commits == ["commit"] * 3
    assert _counts(store, incident) == (3, 3, 3)
    with pytest.raises(ValueError, match="not editable"):  # refused before anything is written
        store.apply_action_local(incident, {"local_changes": 0}, "op1", NOW)
    store.close()

    with open_store(store_path) as again:
        detail = again.incident_detail(incident)
        assert (detail.row.state, detail.row.assignee, detail.row.pending, detail.server_id) == (
            "acknowledged", "op1", True, None)
        ack = detail.events[1]
        assert (ack.kind, ack.actor, ack.at) == ("acknowledge", "op1", NOW + timedelta(minutes=1))
        assert ack.before == {"workflow_state": "new", "assignee": None}
        assert ack.after == {"workflow_state": "acknowledged", "assignee": "op1", "note": "รับเรื่องแล้ว"}
        pending = again.outbox_pending()
        assert [e.op for e in pending] == ["create", "update", "comment"]
        assert pending[0].fields["reporter_name"] == "นางแดง" and pending[0].server_id is None
        assert len({e.idempotency_key for e in pending}) == 3


def test_transition_objects_are_stored_as_given(store: Store) -> None:
    class Transition:  # duck-typed like services.workflow.Transition
        state_before, state_after, sla_paused_s, resumed_state = "dispatched", "on_hold", 120, "dispatched"
        sla_paused_since = NOW

    incident = store.create_incident_local(draft(), "op", NOW)
    store.apply_action_local(incident, Transition(), "op", NOW, action="hold")
    row = store.incident_rows([incident])[0]
    assert (row.state, row.sla_paused_s, row.sla_paused_since, row.resumed_state) == ("on_hold", 120, NOW,
                                                                                      "dispatched")


def _server(server_id: str, version: int, **kw: object) -> ServiceRequest:
    values: dict[str, object] = {"status": "open", "service_code": "road", "description": "pothole", "lat": 18.79,
                                 "lon": 98.98, "requested_at": NOW, "updated_at": NOW + timedelta(minutes=5)}
    values.update(kw)
    return ServiceRequest(id=server_id, version=version, **values)  # type: ignore[arg-type]


def test_outbox_marks(store: Store) -> None:
    incident = store.create_incident_local(draft(), "op", NOW)
    store.apply_action_local(incident, {"priority": "P1"}, "op", NOW, action="set_priority")
    create, update = store.outbox_pending()
    store.outbox_mark_failed(create.id, "connection refused", retry=True)
    again = store.outbox_pending()[0]
    assert (again.id, again.attempts, again.last_error) == (create.id, 1, "connection refused")

    store.outbox_mark_sent(create.id, _server("CM-1", 1, priority="P3", status_detail="new"))
    store.outbox_mark_sent(create.id, _server("CM-1", 1))  # marked twice: counted once
    row = store.incident_rows([incident])[0]
    assert (row.server_id, row.priority, row.pending) == ("CM-1", "P1", True)  # the unsent P1 is not overwritten
    # The queued update was made on the same local state as the create: it is rebased onto the version the create
    # produced on the server, so it does not conflict with its own predecessor.
    assert store.outbox_pending()[0].server_id == "CM-1" and store.outbox_pending()[0].base_version == 1

    store.outbox_mark_conflict(update.id, _server("CM-1", 3, priority="P2"), "version moved on",
                               now=NOW + timedelta(minutes=9))
    assert store.outbox_pending() == []
    assert _counts(store, incident)[2] == 1  # a conflict keeps the local value protected
    detail = store.incident_detail(incident)
    assert detail.events[-1].kind == "conflict" and detail.events[-1].after["server"]["version"] == 3
    with store.edit_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT state FROM outbox ORDER BY id").scalars().all() == ["sent", "conflict"]

    store.add_comment_local(incident, "x", "op", NOW)
    comment = store.outbox_pending()[0]
    store.outbox_mark_failed(comment.id, "400 bad request", retry=False)
    assert store.outbox_pending() == []


def test_sent_with_nothing_else_waiting_takes_the_server_fields(store: Store) -> None:
    incident = store.create_incident_local(draft(), "op", NOW)
    store.outbox_mark_sent(store.outbox_pending()[0].id, _server("CM-9", 4, status_detail="acknowledged",
                                                                 assignee="op2"))
    row = store.incident_rows([incident])[0]
    assert (row.server_id, row.state, row.assignee, row.pending) == ("CM-9", "acknowledged", "op2", False)
    assert store.incident_detail(incident).version == 4


def _png(color: str, size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()


def test_attachments_round_trip_with_thumbnail(store: Store) -> None:
    incident = store.create_incident_local(draft(), "op", NOW)
    photo = _png("red")
    photo_id = store.add_attachment_local(incident, "after_photo", "after.jpg", photo, "op", NOW)
    file_id = store.add_attachment_local(incident, "file", "note.txt", b"plain text", "op", NOW)
    assert store.attachment_data(photo_id) == photo and store.attachment_data(file_id) == b"plain text"
    meta = {a.id: a for a in store.incident_detail(incident).attachments}
    assert (meta[photo_id].kind, meta[photo_id].media_type, meta[photo_id].size) == ("after_photo", "image/jpeg",
                                                                                      len(photo))
    with Image.open(io.BytesIO(meta[photo_id].thumbnail)) as thumb:
        assert (thumb.format, thumb.size) == ("PNG", (160, 120))
    assert meta[file_id].thumbnail is None
    assert [e.op for e in store.outbox_pending()][-2:] == ["attachment", "attachment"]
    with pytest.raises(LookupError):
        store.attachment_data(12345)


def test_merge_keeps_everything_and_split_restores(store: Store) -> None:
    keep = store.create_incident_local(draft(reporter_name="ก", source="hotline"), "op", NOW)
    other = store.create_incident_local(draft(reporter_name="ข", reporter_contact="081", source="citizen app"),
                                        "op", NOW)
    third = store.create_incident_local(draft(reporter_name="ค", source="patrol"), "op", NOW)
    store.add_comment_local(other, "ถ่ายรูปไว้แล้ว", "op", NOW)
    store.add_attachment_local(other, "photo", "a.jpg", _png("blue"), "op", NOW)
    before = store.incident_detail(other)
    store.merge_incidents_local(third, [other], "op", NOW)
    store.merge_incidents_local(keep, [third], "sup", NOW + timedelta(minutes=1))  # other moves up with third

    merged = store.incident_detail(keep)
    assert [r.name for r in merged.reporters] == ["ก", "ข", "ค"]
    assert {a.incident_id for a in merged.attachments} == {other}
    assert {e.incident_id for e in merged.events} == {keep, other, third}
    assert {(link.other_id, link.direction) for link in merged.links} == {(other, "from"), (third, "from")}
    assert store.incident_queue_ids(QueueFilter(), QueueSort()).tolist() == [keep]
    assert store.incident_detail(other).merged_into == keep
    with pytest.raises(ValueError):
        store.merge_incidents_local(other, [keep], "op", NOW)

    assert store.split_incident_local(other, "sup", NOW + timedelta(minutes=2)) == keep
    restored = store.incident_detail(other)
    assert restored.merged_into is None and restored.attachments == before.attachments
    assert [e.kind for e in restored.events] == [e.kind for e in before.events] + ["merged_into", "merged_into",
                                                                                   "split"]
    assert sorted(store.incident_queue_ids(QueueFilter(), QueueSort()).tolist()) == [keep, other]
    assert [r.name for r in store.incident_detail(keep).reporters] == ["ก", "ค"]
    assert "split" in [e.kind for e in store.incident_detail(keep).events]


def test_duplicates_within_300_m_and_48_h_same_category_across_sources(store: Store) -> None:
    lat, lon = 18.7883, 98.9853
    near = store.create_incident_local(draft(lat=lat + 0.002, lon=lon, source="citizen app",
                                             requested_at=NOW - timedelta(hours=47)), "op", NOW)  # ~222 m
    store.create_incident_local(draft(lat=lat + 0.0035, lon=lon), "op", NOW)  # ~389 m: too far
    store.create_incident_local(draft(lat=lat, lon=lon, requested_at=NOW - timedelta(hours=49)), "op", NOW)
    store.create_incident_local(draft(lat=lat, lon=lon, category="waste"), "op", NOW)
    same = store.create_incident_local(draft(lat=lat, lon=lon + 0.001, source="sensor"), "op", NOW)  # ~105 m
    found = store.duplicate_candidates("road", lat, lon, NOW)
    assert [r.id for r in found] == [same, near]
    assert 100 < found[0].distance_m < 110 and 215 < found[1].distance_m < 230
    assert [r.id for r in store.duplicate_candidates("road", lat, lon, NOW, exclude_id=same)] == [near]
    store.merge_incidents_local(same, [near], "op", NOW)
    assert [r.id for r in store.duplicate_candidates("road", lat, lon, NOW)] == [same]
