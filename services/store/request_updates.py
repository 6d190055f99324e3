"""Open311 ``servicerequestupdates`` into the incident timeline: one event per update, never twice, with its source.

An update is a change the backend recorded: made by another console, an app, the backend itself, or this store's
own outbox. The first three become ``server_update`` events, with who made it (``actor``, as the backend reports it)
and what it says. This store's own writes already have their events (made when the operator acted): the backend names
the ``Idempotency-Key`` of the write behind each update, and an update whose key is one of this outbox's is not
stored again, whichever arrives first, the update or the write's answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, Engine

from services.records import ServiceRequestUpdate
from services.store.database import write_transaction
from services.store.rows import IngestSummary
from services.store.schema import to_unix

#: The timeline event kind of a change made elsewhere.
SERVER_UPDATE = "server_update"

_INSERT = (
    "INSERT INTO incident_events (incident_id, kind, actor, at, before_json, after_json, server_update_id) "
    f"VALUES (?, '{SERVER_UPDATE}', ?, ?, NULL, ?, ?) ON CONFLICT (server_update_id) DO NOTHING"
)
_CHUNK = 500  # bound parameters per IN (...) query, well under SQLite's limit


def _lookup(conn: Connection, sql: str, values: Sequence[str]) -> dict[str, int]:
    """``sql`` (with ``{marks}`` for the IN list) over ``values`` in chunks, as a dict of its two columns."""
    found: dict[str, int] = {}
    ordered = sorted(set(values))
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        found.update(conn.exec_driver_sql(sql.format(marks=",".join("?" * len(chunk))), tuple(chunk)).all())
    return found


def _event_after(update: ServiceRequestUpdate) -> str:
    """The event's ``after``: what the update says, the fields it carried (none of them stands for another)."""
    fields = {"status": update.status, "state": update.state, "description": update.description,
              "author": update.author, "version": update.version, "media_url": update.media_url}
    return json.dumps({k: v for k, v in fields.items() if v is not None}, ensure_ascii=False, sort_keys=True)


def ingest_request_updates(engine: Engine, records: Sequence[ServiceRequestUpdate]
                           ) -> tuple[IngestSummary, list[ServiceRequestUpdate]]:
    """Add each update made elsewhere to its incident's timeline (idempotent by ``update_id``).

    Updates made by this store's own writes (``client_key`` in the outbox) are counted unchanged and not stored.
    Returns the summary (``accepted`` = updates placed: ``inserted`` new events, ``unchanged`` ones already on the
    timeline or our own) and the updates that could not be placed: their service request is not in the store, or
    they carry no time. Those are not stored (an event needs its incident and its time); the caller decides whether
    to ask for them again (the sync holds its cursor back until the incidents poll has brought them) or to report
    them (the import command).
    """
    if not records:
        return IngestSummary(0, 0, 0, 0), []
    with write_transaction(engine) as conn:
        known = _lookup(conn, "SELECT server_id, id FROM incidents WHERE server_id IN ({marks})",
                        [r.service_request_id for r in records])
        ours = _lookup(conn, "SELECT idempotency_key, id FROM outbox WHERE idempotency_key IN ({marks})",
                       [r.client_key for r in records if r.client_key])
        rows, orphans, own = [], [], 0
        for r in records:
            if r.client_key is not None and r.client_key in ours:
                own += 1
                continue
            incident_id = known.get(r.service_request_id)
            if incident_id is None or r.updated_at is None:
                orphans.append(r)
                continue
            rows.append((incident_id, r.author, to_unix(r.updated_at), _event_after(r), r.update_id))
        inserted = conn.exec_driver_sql(_INSERT, rows).rowcount if rows else 0
    return IngestSummary(len(rows) + own, inserted, 0, len(rows) - inserted + own), orphans
