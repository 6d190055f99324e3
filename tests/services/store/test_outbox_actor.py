"""Who made each queued change: the outbox keeps it (0007) and the writer sends the change with that role's token.
Also the upgrades that bring older stores along: authors taken from the timeline, and attachments that were marked
done before the backend could take them queued again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command

from services.incident_writer import IncidentWriter
from services.store.database import alembic_config, make_engine, open_store
from services.store.incident_rows import OutboxEntry
from services.store.store import Store
from services.workflow import actor_label, role_of_actor

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(("actor", "role"), [
    ("somchai (supervisor)", "supervisor"), ("นิดา ใจดี (operator)", "operator"), ("a (b) (viewer)", "viewer"),
    ("sync", None), ("system", None), (None, None), ("mallory (admin)", None), ("x (operator", None),
])
def test_role_of_actor(actor: str | None, role: str | None) -> None:
    assert role_of_actor(actor) == role
    if role is not None:
        assert role_of_actor(actor_label("anyone", role)) == role


def test_each_entry_is_sent_with_its_authors_token() -> None:
    writer = IncidentWriter("http://127.0.0.1:9/open311/v2", "acting",
                            role_tokens={"operator": "op-token", "supervisor": "sup-token"})
    try:
        def entry(actor: str | None) -> OutboxEntry:
            return OutboxEntry(1, "k", 1, "CM-1", "update", 1, {}, actor=actor)
        assert writer._headers(entry("somchai (supervisor)"))["Authorization"] == "Bearer sup-token"
        assert writer._headers(entry("nida (operator)"))["Authorization"] == "Bearer op-token"
        assert writer._headers(entry(None))["Authorization"] == "Bearer acting"  # queued before 0007
        assert writer._headers(entry("v (viewer)"))["Authorization"] == "Bearer acting"  # no such token here
    finally:
        writer.close()


def test_local_edits_record_their_author(store: Store) -> None:
    from services.store.incident_rows import IncidentDraft

    incident = store.create_incident_local(IncidentDraft(category="tree", priority="P3", description="tree down",
                                                         lat=18.79, lon=98.98, source="hotline"),
                                           "nida (operator)", NOW)
    store.apply_action_local(incident, {"priority": "P2"}, "somchai (supervisor)", NOW, action="set_priority")
    store.add_comment_local(incident, "on it", "nida (operator)", NOW)
    assert [e.actor for e in store.outbox_pending()] == ["nida (operator)", "somchai (supervisor)", "nida (operator)"]


def test_upgrades_take_authors_from_the_timeline_and_requeue_unsent_attachments(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    engine = make_engine(path, synchronous="FULL")
    at = int(NOW.timestamp())
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0005_incident_workflow")
        conn.exec_driver_sql("INSERT INTO incidents (id, server_id, status, updated_at, version, local_changes) "
                             "VALUES (1, 'CM-1', 'open', 0, 3, 1)")
        conn.exec_driver_sql("INSERT INTO incident_events (incident_id, kind, actor, at) "
                             "VALUES (1, 'assign', 'somchai (supervisor)', ?)", (at,))
        conn.exec_driver_sql("INSERT INTO outbox (idempotency_key, incident_id, op, base_version, fields_json, "
                             "created_at, state) VALUES ('k-update', 1, 'update', 3, '{}', ?, 'pending')", (at,))
        conn.exec_driver_sql("INSERT INTO attachments (id, incident_id, kind, filename, sha256, size, data, "
                             "created_at) VALUES (7, 1, 'photo', 'old.png', 'abc', 3, x'010203', ?)", (at + 5,))
        conn.exec_driver_sql("INSERT INTO outbox (idempotency_key, incident_id, op, base_version, fields_json, "
                             "created_at, state) VALUES ('k-photo', 1, 'attachment', 3, '{\"attachment_id\": 7}', ?, "
                             "'sent')", (at + 5,))
    engine.dispose()

    with open_store(path) as store:  # upgrades to the head
        pending = {e.idempotency_key: e for e in store.outbox_pending()}
        assert pending["k-update"].actor == "somchai (supervisor)"
        assert pending["k-photo"].actor is None and pending["k-photo"].data == b"\x01\x02\x03"
        with store.edit_engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT local_changes FROM incidents WHERE id = 1").scalar() == 2
