"""Export the edits a store has not sent (pending or in conflict) to one JSON file: the way out of a store that cannot
be used with the backend at hand, and a record a person can act on.

Each edit keeps everything needed to make it again or send it by other means: its idempotency key (a backend that
already has it will recognise it), the operation and fields, who made it and when, the version it was made on, the
incident it belongs to as this store last knew it, and for an attachment the file itself (base64). Reading the
store only; the file is written atomically.

The alert outbox's unsent (pending) entries are listed apart, in ``alert_edits`` (format version 2): their ids
overlap the incident outbox's, they name no incident, and they go to the backend's alerts extension
(services.alert_writer). Each carries its idempotency key, op and fields (the snapshot, acknowledgement or silence
as queued), who made it and when, the backend it was made for, the uid it would be sent under, and the alert (uid,
rule, scope, first data time) or silence (uid, rule, scope, window, reason) it belongs to. Version 1 files (no
``alert_edits``) are what earlier builds wrote; nothing here reads them back.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from services.atomic_file import write_text_atomically
from services.records import iso_utc
from services.store.binding import ALERT_UNSENT_STATES, UNSENT_STATES, read_binding_in
from services.store.schema import from_unix

FORMAT = "pao-console-unsent-edits"
FORMAT_VERSION = 2  # 2: the alert outbox's entries in "alert_edits"

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
        alert_edits = _alert_edits(conn)
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "exported_at": iso_utc(now or datetime.now(UTC)),
        "store_backend": None if bound is None else bound.key,
        "store_backend_description": None if bound is None else bound.describe(),
        "edits": edits, "incidents": [incidents[k] for k in sorted(incidents)], "alert_edits": alert_edits,
    }


def export_unsent(engine: Engine, target: Path, now: datetime | None = None) -> int:
    """Write the unsent edits to ``target``; returns how many there were (incident and alert entries)."""
    document = unsent_document(engine, now)
    write_text_atomically(Path(target), json.dumps(document, ensure_ascii=False, indent=1))
    return len(document["edits"]) + len(document["alert_edits"])


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


_ALERT_COLUMNS = ("uid", "rule_id", "kind", "severity", "scope_kind", "scope_key", "scope_name_th", "scope_name_en",
                  "rule_name_th", "rule_name_en", "first_at")
_SILENCE_COLUMNS = ("uid", "rule_id", "scope_key", "starts_at", "until", "reason", "actor", "role")
_ALERT_TIMES = {"first_at", "starts_at", "until"}


def _alert_edits(conn: Connection) -> list[dict[str, Any]]:
    """The alert outbox's unsent entries, in send order, each with its alert or silence as the store has it now."""
    marks = ", ".join("?" * len(ALERT_UNSENT_STATES))
    rows = conn.exec_driver_sql(
        "SELECT o.id, o.idempotency_key, o.op, o.alert_id, o.silence_id, o.fields_json, o.created_at, o.state, "
        "o.attempts, o.last_error, o.actor, o.backend, coalesce(a.uid, s.uid) FROM alert_outbox AS o "
        "LEFT JOIN alerts AS a ON a.id = o.alert_id LEFT JOIN alert_silences AS s ON s.id = o.silence_id "
        f"WHERE o.state IN ({marks}) ORDER BY o.id", ALERT_UNSENT_STATES).all()
    edits = []
    for r in rows:
        edit: dict[str, Any] = {
            "alert_outbox_id": r[0], "idempotency_key": r[1], "op": r[2], "fields": json.loads(r[5]) if r[5] else {},
            "made_at": _iso(r[6]), "state": r[7], "attempts": r[8], "last_error": r[9], "actor": r[10],
            "backend": r[11], "uid": r[12],  # the uid the drain would send it under (the alert's or silence's now)
        }
        if r[3] is not None:
            edit["alert"] = _row(conn, "alerts", _ALERT_COLUMNS, r[3])
        if r[4] is not None:
            edit["silence"] = _row(conn, "alert_silences", _SILENCE_COLUMNS, r[4])
        edits.append(edit)
    return edits


def _row(conn: Connection, table: str, columns: tuple[str, ...], row_id: int) -> dict[str, Any] | None:
    row = conn.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {table} WHERE id = ?", (row_id,)).first()
    if row is None:
        return None
    return {c: (_iso(v) if c in _ALERT_TIMES else v) for c, v in zip(columns, row, strict=True)}
