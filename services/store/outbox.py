"""The outbox read and marked by the sender: pending local changes in send order, and what became of each.

- ``sent``: the server accepted; the incident takes the server's id, version and fields (the fields only when no
  other local change is still waiting, so a later unsent edit is never overwritten) and ``local_changes`` drops by 1.
- ``failed`` with ``retry=True``: stays pending with the error and one more attempt; without retry it stops (state
  'failed') and keeps counting in ``local_changes`` so the server cannot silently overwrite the local value.
- ``conflict``: the server refused the base version; the entry is kept (state 'conflict') for a person to resolve.
All marks run on the edit engine, one transaction each.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Engine

from services.records import ServiceRequest
from services.store.database import write_transaction
from services.store.incident_rows import OutboxEntry
from services.store.local_edits import add_event
from services.store.schema import to_unix


def outbox_pending(engine: Engine, limit: int = 100) -> list[OutboxEntry]:
    """Pending entries in send order (oldest first), with the incident's current server id."""
    sql = ("SELECT o.id, o.idempotency_key, o.incident_id, i.server_id, o.op, o.base_version, o.fields_json, "
           "o.attempts, o.last_error FROM outbox AS o JOIN incidents AS i ON i.id = o.incident_id "
           "WHERE o.state = 'pending' ORDER BY o.id LIMIT ?")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql, (int(limit),)).all()
    return [OutboxEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else {}, r[7], r[8])
            for r in rows]


def _entry(conn, outbox_id: int) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    row = conn.exec_driver_sql("SELECT incident_id, state FROM outbox WHERE id = ?", (outbox_id,)).first()
    if row is None:
        raise LookupError(f"no outbox entry {outbox_id}")
    return int(row[0]), row[1]


def outbox_mark_sent(engine: Engine, outbox_id: int, server_record: ServiceRequest | None,
                     now: datetime | None = None) -> None:
    """The backend accepted entry ``outbox_id``; ``server_record`` is the incident as the server now has it."""
    at = to_unix(now or datetime.now(UTC))
    with write_transaction(engine) as conn:
        incident_id, state = _entry(conn, outbox_id)
        if state == "sent":
            return  # marked twice (a retried callback): the count must drop only once
        conn.exec_driver_sql("UPDATE outbox SET state = 'sent', last_attempt_at = ?, attempts = attempts + 1, "
                             "last_error = NULL WHERE id = ?", (at, outbox_id))
        conn.exec_driver_sql("UPDATE incidents SET local_changes = max(local_changes - 1, 0) WHERE id = ?",
                             (incident_id,))
        if server_record is None:
            return
        r = server_record
        conn.exec_driver_sql("UPDATE incidents SET server_id = coalesce(server_id, ?), version = ? WHERE id = ?",
                             (r.id, r.version, incident_id))
        # Later edits queued on top of this one were made on the same local state, so their base is now the
        # version our own write produced: rebase them, or each would conflict with its predecessor.
        base = conn.exec_driver_sql("SELECT base_version FROM outbox WHERE id = ?", (outbox_id,)).scalar()
        conn.exec_driver_sql(
            "UPDATE outbox SET base_version = ? WHERE incident_id = ? AND state = 'pending' AND id > ? "
            "AND (base_version IS ? OR base_version IS NULL)", (r.version, incident_id, outbox_id, base))
        # Server fields only when nothing else local is waiting: a later unsent edit must not be overwritten.
        conn.exec_driver_sql(
            "UPDATE incidents SET status = ?, workflow_state = coalesce(?, workflow_state), "
            "priority = coalesce(?, priority), assignee = ?, expected_at = coalesce(?, expected_at), "
            "updated_at = coalesce(?, updated_at) WHERE id = ? AND local_changes = 0",
            (r.status, r.status_detail, r.priority, r.assignee, to_unix(r.expected_at), to_unix(r.updated_at),
             incident_id),
        )


def outbox_mark_failed(engine: Engine, outbox_id: int, error: str, retry: bool, now: datetime | None = None) -> None:
    """Sending failed: keep it pending for another try (``retry``) or stop it as 'failed'."""
    at = to_unix(now or datetime.now(UTC))
    with write_transaction(engine) as conn:
        _entry(conn, outbox_id)
        conn.exec_driver_sql(
            "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?, last_attempt_at = ? WHERE id = ?",
            ("pending" if retry else "failed", error, at, outbox_id),
        )


def outbox_mark_conflict(engine: Engine, outbox_id: int, server_record: ServiceRequest | None, reason: str,
                         now: datetime | None = None) -> None:
    """The backend refused the change (its version moved on); keep the entry and say so on the timeline."""
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        incident_id, _state = _entry(conn, outbox_id)
        conn.exec_driver_sql(
            "UPDATE outbox SET state = 'conflict', attempts = attempts + 1, last_error = ?, last_attempt_at = ? "
            "WHERE id = ?", (reason, to_unix(when), outbox_id),
        )
        server = None if server_record is None else {
            "server_id": server_record.id, "version": server_record.version, "status": server_record.status,
            "state": server_record.status_detail, "priority": server_record.priority,
            "assignee": server_record.assignee,
        }
        add_event(conn, incident_id, "conflict", "sync", when, None,
                  {"outbox_id": outbox_id, "reason": reason, "server": server})
