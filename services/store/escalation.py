"""SLA escalation: an open incident past its SLA target is escalated to the shift supervisor once, on its timeline.

The escalation is a local timeline event (actor "system"): every console sees breaches in its own queue ("breaching"
preset), and the event records when the supervisor was alerted. A reopened incident that breaches again is escalated
again (once per breach, not once per check).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from services.store.database import write_transaction
from services.store.incident_rows import SLA_STOPPED_STATES
from services.store.local_edits import add_event
from services.store.schema import to_unix

ESCALATED = "escalated"

_BREACHED_NOT_ESCALATED = (
    "SELECT i.id, i.priority, i.expected_at FROM incidents AS i "
    "WHERE i.merged_into IS NULL AND i.status = 'open' AND i.expected_at < ? AND i.sla_paused_since IS NULL "
    "AND coalesce(i.workflow_state, '') NOT IN ({stopped}) "
    "AND NOT EXISTS (SELECT 1 FROM incident_events AS e WHERE e.incident_id = i.id AND e.kind = '" + ESCALATED + "' "
    "AND e.at >= i.expected_at) ORDER BY i.expected_at LIMIT ?"
)


def escalate_breaches(engine: Engine, now: datetime, *, to: str = "shift supervisor", limit: int = 500) -> list[int]:
    """Escalate every newly breached incident (one event each); returns their ids, oldest breach first."""
    sql = _BREACHED_NOT_ESCALATED.format(stopped=",".join("?" * len(SLA_STOPPED_STATES)))
    with write_transaction(engine) as conn:
        rows = conn.exec_driver_sql(sql, (to_unix(now), *SLA_STOPPED_STATES, int(limit))).all()
        for incident_id, priority, expected_at in rows:
            target = datetime.fromtimestamp(expected_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            add_event(conn, int(incident_id), ESCALATED, "system", now, None,
                      {"to": to, "priority": priority, "sla_target": target})
    return [int(r[0]) for r in rows]
