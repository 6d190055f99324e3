"""One incident in full: its row, the reporters, events, attachments and links of it and of everything merged into it
(each link with the other incident's server id and state, so a major incident's open children can be counted).

Merging moves nothing (see :mod:`services.store.local_edits`), so "everything of the merged ones" is a read over
``incident_id IN (the incident, the incidents merged into it)``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Engine

from services.store.incident_queue import ROW_SELECT, row_from_tuple
from services.store.incident_rows import AttachmentMeta, IncidentDetail, IncidentEvent, IncidentLink, Reporter
from services.store.local_edits import IncidentNotFoundError

_fromts = datetime.fromtimestamp


def incident_detail(engine: Engine, incident_id: int) -> IncidentDetail:
    """Everything about ``incident_id``; raises :class:`IncidentNotFoundError` when it does not exist."""
    with engine.connect() as conn:
        row = conn.exec_driver_sql(f"{ROW_SELECT} WHERE id = ?", (incident_id,)).first()
        if row is None:
            raise IncidentNotFoundError(f"no incident with id {incident_id}")
        extra = conn.exec_driver_sql(
            "SELECT description, address, agency, media_url, reporter_name, reporter_contact, version, "
            "local_changes, updated_at, merged_into, major_incident FROM incidents WHERE id = ?", (incident_id,)
        ).one()
        members = [incident_id, *(r[0] for r in conn.exec_driver_sql(
            "SELECT id FROM incidents WHERE merged_into = ? ORDER BY id", (incident_id,)))]
        marks = ",".join("?" * len(members))
        reporters = tuple(Reporter(*r) for r in conn.exec_driver_sql(
            f"SELECT id, reporter_name, reporter_contact, source FROM incidents WHERE id IN ({marks}) ORDER BY id",
            tuple(members)) if r[1] is not None or r[2] is not None)
        events = tuple(
            IncidentEvent(r[0], r[1], r[2], r[3], _fromts(r[4], UTC), json.loads(r[5]) if r[5] else None,
                          json.loads(r[6]) if r[6] else None)
            for r in conn.exec_driver_sql(
                "SELECT id, incident_id, kind, actor, at, before_json, after_json FROM incident_events "
                f"WHERE incident_id IN ({marks}) ORDER BY at, id", tuple(members))
        )
        attachments = tuple(
            AttachmentMeta(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], _fromts(r[8], UTC), r[9], r[10],
                           bool(r[11]))
            for r in conn.exec_driver_sql(
                "SELECT id, incident_id, kind, filename, media_type, sha256, size, thumbnail, created_at, actor, "
                f"server_url, synced FROM attachments WHERE incident_id IN ({marks}) ORDER BY created_at, id",
                tuple(members))
        )
        links = tuple(
            IncidentLink(r[0], r[1], r[2], _fromts(r[3], UTC), r[4], r[5])
            for r in conn.exec_driver_sql(
                "SELECT l.other_id, l.kind, l.direction, l.created_at, i.server_id, i.workflow_state FROM ("
                "SELECT other_id, kind, 'from' AS direction, created_at FROM incident_links WHERE incident_id = ? "
                "UNION ALL SELECT incident_id, kind, 'into', created_at FROM incident_links WHERE other_id = ?"
                ") AS l JOIN incidents AS i ON i.id = l.other_id ORDER BY 4, 1", (incident_id, incident_id))
        )
    return IncidentDetail(
        row=row_from_tuple(row), description=extra[0], address=extra[1], agency=extra[2], media_url=extra[3],
        reporter_name=extra[4], reporter_contact=extra[5], version=extra[6], local_changes=extra[7],
        updated_at=_fromts(extra[8], UTC), merged_into=extra[9], reporters=reporters, events=events,
        attachments=attachments, links=links, major=bool(extra[10]),
    )


def attachment_data(engine: Engine, attachment_id: int) -> bytes:
    """The stored bytes of one attachment."""
    with engine.connect() as conn:
        data = conn.exec_driver_sql("SELECT data FROM attachments WHERE id = ?", (attachment_id,)).scalar()
    if data is None:
        raise LookupError(f"no attachment {attachment_id}")
    return bytes(data)
