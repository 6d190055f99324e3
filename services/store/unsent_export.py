"""Export the edits a store has not sent (pending or in conflict) to one JSON file: the way out of a store that cannot
be used with the backend at hand, and a record a person can act on.

Each edit keeps everything needed to make it again or send it by other means: its idempotency key (a backend that
already has it will recognise it), the operation and fields, who made it and when, the version it was made on, the
incident it belongs to as this store last knew it, and for an attachment the file itself (base64). Reading the
store only; the file is written atomically.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from services.atomic_file import write_text_atomically
from services.records import iso_utc
from services.store.binding import UNSENT_STATES, read_binding_in
from services.store.schema import from_unix

FORMAT = "pao-console-unsent-edits"
FORMAT_VERSION = 1

_INCIDENT_COLUMNS = ("id", "server_id", "service_code", "service_name", "status", "workflow_state", "priority",
                     "description", "lat", "lon", "address", "district_code", "requested_at", "agency", "assignee",
                     "source", "version", "reporter_name", "reporter_contact")
_TIME_COLUMNS = {"requested_at"}


def unsent_document(engine: Engine, now: datetime | None = None) -> dict[str, Any]:
    """The export as a JSON-ready dict (see the module text)."""
    edits: list[dict[str, Any]] = []
    incidents: dict[int, dict[str, Any]] = {}
    with engine.connect() as conn:  # one read transaction: edits, incidents and files agree
        bound = read_binding_in(conn)
        marks = ", ".join("?" * len(UNSENT_STATES))
        rows = conn.exec_driver_sql(
            "SELECT id, idempotency_key, incident_id, op, base_version, fields_json, created_at, state, attempts, "
            f"last_error, actor, backend FROM outbox WHERE state IN ({marks}) ORDER BY id", UNSENT_STATES).all()
        for r in rows:
            fields = json.loads(r[5]) if r[5] else {}
            edit: dict[str, Any] = {
                "outbox_id": r[0], "idempotency_key": r[1], "incident_id": r[2], "op": r[3], "base_version": r[4],
                "fields": fields, "made_at": _iso(r[6]), "state": r[7], "attempts": r[8], "last_error": r[9],
                "actor": r[10], "backend": r[11],
            }
            if r[3] == "attachment":
                edit["file"] = _attachment(conn, fields.get("attachment_id"))
            edits.append(edit)
            if r[2] not in incidents:
                incidents[r[2]] = _incident(conn, r[2])
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "exported_at": iso_utc(now or datetime.now(UTC)),
        "store_backend": None if bound is None else bound.key,
        "store_backend_description": None if bound is None else bound.describe(),
        "edits": edits, "incidents": [incidents[k] for k in sorted(incidents)],
    }


def export_unsent(engine: Engine, target: Path, now: datetime | None = None) -> int:
    """Write the unsent edits to ``target``; returns how many there were."""
    document = unsent_document(engine, now)
    write_text_atomically(Path(target), json.dumps(document, ensure_ascii=False, indent=1))
    return len(document["edits"])


def _iso(unix: int | None) -> str | None:
    value = from_unix(unix)
    return None if value is None else iso_utc(value)


def _incident(conn, incident_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    row = conn.exec_driver_sql(f"SELECT {', '.join(_INCIDENT_COLUMNS)} FROM incidents WHERE id = ?",
                               (incident_id,)).first()
    if row is None:
        return {"id": incident_id}
    return {c: (_iso(v) if c in _TIME_COLUMNS else v) for c, v in zip(_INCIDENT_COLUMNS, row, strict=True)}


def _attachment(conn, attachment_id: Any) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    row = conn.exec_driver_sql("SELECT filename, media_type, kind, data FROM attachments WHERE id = ?",
                               (attachment_id,)).first()
    if row is None:
        return None
    data = bytes(row[3]) if row[3] is not None else b""
    return {"filename": row[0], "media_type": row[1], "kind": row[2], "size": len(data),
            "data_base64": base64.b64encode(data).decode("ascii")}
