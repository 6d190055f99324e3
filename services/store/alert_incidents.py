"""The link between an alert and the incident it opened or updated (services.alerts.incident_link decides; these
read and write).

The alert keeps the incident's id (``alerts.incident_id``) and a line in its history; the incident side of the link
is a comment on the incident (written by the caller through the store's local-edit path, so it reaches the backend
with the outbox like any other comment).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from services.store.alerts import add_actions
from services.store.database import write_transaction
from services.workflow import OPEN311_STATUS

CLOSED_STATES = tuple(state for state, status in OPEN311_STATUS.items() if status == "closed")
# An incident still open, not merged into another (the alias of the incidents table given).
_OPEN = ("{i}.status = 'open' AND {i}.merged_into IS NULL AND COALESCE({i}.workflow_state, 'new') NOT IN ("
         + ", ".join("?" * len(CLOSED_STATES)) + ")")


def open_incident_in_district(engine: Engine, category: str, district_code: str | None) -> int | None:
    """The newest open incident of ``category`` in the district (not merged into another), None without one."""
    if district_code is None:
        return None
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT i.id FROM incidents AS i WHERE i.service_code = ? AND i.district_code = ? AND "
            + _OPEN.format(i="i") + " ORDER BY i.requested_at DESC, i.id DESC LIMIT 1",
            (category, district_code, *CLOSED_STATES)).first()
    return None if row is None else int(row[0])


def open_major_incident_in_district(engine: Engine, district_code: str | None) -> int | None:
    """The newest open major incident of the district, any category: taken in there, or with a child there. None
    without one."""
    if district_code is None:
        return None
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT m.id FROM incidents AS m WHERE m.major_incident = 1 AND " + _OPEN.format(i="m")
            + " AND (m.district_code = ? OR EXISTS (SELECT 1 FROM incident_links AS l JOIN incidents AS c "
            "ON c.id = l.other_id WHERE l.incident_id = m.id AND l.kind = 'parent' AND c.district_code = ?)) "
            "ORDER BY m.requested_at DESC, m.id DESC LIMIT 1",
            (*CLOSED_STATES, district_code, district_code)).first()
    return None if row is None else int(row[0])


def incident_is_open(engine: Engine, incident_id: int) -> bool:
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT 1 FROM incidents AS i WHERE i.id = ? AND " + _OPEN.format(i="i"),
            (incident_id, *CLOSED_STATES)).first()
    return row is not None


def link(engine: Engine, alert_id: int, incident_id: int, action: str, actor: str, role: str, at: int,
         comment: str | None) -> None:
    """Record that the alert opened (``incident_opened``) or updated (``incident_linked``) the incident."""
    with write_transaction(engine) as conn:
        _require(conn, "alerts", alert_id)
        _require(conn, "incidents", incident_id)
        conn.exec_driver_sql("UPDATE alerts SET incident_id = ?, updated_at = ? WHERE id = ?",
                             (incident_id, at, alert_id))
        add_actions(conn, [(alert_id, action, actor, role, at, comment)])


def _require(conn: Connection, table: str, row_id: int) -> None:
    if conn.exec_driver_sql(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).first() is None:  # noqa: S608
        raise LookupError(f"no {table[:-1]} {row_id}")
