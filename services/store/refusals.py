"""Edits the server refused for good (outbox state 'failed'): listed for a person, who acknowledges each once seen.

The refusal itself is recorded when it happens (``services.store.outbox.outbox_mark_failed``: a "sync_refused" event
with what was refused and why). Acknowledging only takes the entry off the list and the status bar's count, with a
"refusal_acknowledged" event naming who saw it; nothing is deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from services.store.database import write_transaction
from services.store.local_edits import add_event
from services.store.schema import from_unix, to_unix


@dataclass(frozen=True, slots=True)
class RefusedEdit:
    """One refused edit: which incident, what kind of change (create, update, comment, attachment), who made it,
    the server's reason and when it refused."""

    outbox_id: int
    incident_id: int
    server_id: str | None
    op: str
    fields: dict[str, Any]
    reason: str | None
    actor: str | None
    made_at: datetime | None
    refused_at: datetime | None
    description: str | None


def refused_edits(engine: Engine) -> list[RefusedEdit]:
    """Refused edits not yet acknowledged, oldest first."""
    sql = ("SELECT o.id, o.incident_id, i.server_id, o.op, o.fields_json, o.last_error, o.actor, o.created_at, "
           "o.last_attempt_at, i.description FROM outbox AS o JOIN incidents AS i ON i.id = o.incident_id "
           "WHERE o.state = 'failed' AND o.acknowledged_at IS NULL ORDER BY o.id")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql).all()
    return [RefusedEdit(r[0], r[1], r[2], r[3], json.loads(r[4]) if r[4] else {}, r[5], r[6], from_unix(r[7]),
                        from_unix(r[8]), r[9]) for r in rows]


def acknowledge_refusal(engine: Engine, outbox_id: int, actor: str, now: datetime | None = None) -> None:
    """``actor`` has seen why the server refused entry ``outbox_id``; a second acknowledgement changes nothing."""
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        row = conn.exec_driver_sql("SELECT incident_id, state, acknowledged_at, op, last_error FROM outbox "
                                   "WHERE id = ?", (outbox_id,)).first()
        if row is None or row[1] != "failed":
            raise LookupError(f"outbox entry {outbox_id} is not a refused edit")
        if row[2] is not None:
            return
        conn.exec_driver_sql("UPDATE outbox SET acknowledged_at = ? WHERE id = ?", (to_unix(when), outbox_id))
        add_event(conn, row[0], "refusal_acknowledged", actor, when, None,
                  {"outbox_id": outbox_id, "op": row[3], "reason": row[4]})
