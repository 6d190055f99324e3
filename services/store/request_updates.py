"""Open311 ``servicerequestupdates`` into the incident timeline: one event per update, never twice."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Engine

from services.records import ServiceRequestUpdate
from services.store.database import write_transaction
from services.store.rows import IngestSummary
from services.store.schema import to_unix

_INSERT = (
    "INSERT INTO incident_events (incident_id, kind, actor, at, before_json, after_json, server_update_id) "
    "VALUES (?, 'server_update', NULL, ?, NULL, ?, ?) ON CONFLICT (server_update_id) DO NOTHING"
)


def ingest_request_updates(engine: Engine, records: Sequence[ServiceRequestUpdate]
                           ) -> tuple[IngestSummary, list[ServiceRequestUpdate]]:
    """Add each update to its incident's timeline (idempotent by ``update_id``).

    Returns the summary and the updates whose service request is not in the store (they are not stored: an event
    needs its incident; the next requests sync brings the incident and the update can be imported again).
    """
    if not records:
        return IngestSummary(0, 0, 0, 0), []
    with write_transaction(engine) as conn:
        server_ids = sorted({r.service_request_id for r in records})
        known: dict[str, int] = {}
        for start in range(0, len(server_ids), 500):
            chunk = server_ids[start:start + 500]
            known.update(conn.exec_driver_sql(
                f"SELECT server_id, id FROM incidents WHERE server_id IN ({','.join('?' * len(chunk))})",
                tuple(chunk)).all())
        rows, orphans = [], []
        for r in records:
            incident_id = known.get(r.service_request_id)
            if incident_id is None or r.updated_at is None:
                orphans.append(r)
                continue
            after = json.dumps({"status": r.status, "description": r.description}, ensure_ascii=False)
            rows.append((incident_id, to_unix(r.updated_at), after, r.update_id))
        inserted = conn.exec_driver_sql(_INSERT, rows).rowcount if rows else 0
    return IngestSummary(len(rows), inserted, 0, len(rows) - inserted), orphans
