"""Local edits of incidents: every change is the row, its event and its outbox entry in ONE transaction.

All of it runs on the edit engine (``synchronous=FULL``), and each function commits before it returns: once the UI
says "saved" the change survives a power cut. The store does not judge a change (services.workflow does); it stores
what it is given, records before/after in the timeline and queues the change for the backend.

Outbox ops: ``create`` (fields = the new incident), ``update`` (the changed fields, with ``base_version``),
``comment`` ({"text"}), ``attachment`` ({"attachment_id", "kind", "filename", "media_type", "sha256"}), and the
link ops (services.store.link_edits). Each op raises ``local_changes`` by one, on every incident it names
(``other_ids``: a link op's others, or the children a major incident's close takes with it); the outbox marks lower
it again.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from services.store.database import write_transaction
from services.store.incident_rows import IncidentDraft
from services.store.schema import to_unix

#: Incident columns a local change may set, and which of them hold times (unix seconds in the row).
EDITABLE = frozenset({
    "service_code", "service_name", "status", "workflow_state", "priority", "description", "lat", "lon", "address",
    "district_code", "requested_at", "expected_at", "agency", "assignee", "media_url", "source", "reporter_name",
    "reporter_contact", "sla_paused_s", "sla_paused_since", "resumed_state",
})
TIME_COLUMNS = frozenset({"requested_at", "expected_at", "sla_paused_since", "updated_at"})
#: Names a workflow Transition uses -> incident columns.
_TRANSITION_FIELDS = {"state_after": "workflow_state", "sla_paused_s": "sla_paused_s",
                      "sla_paused_since": "sla_paused_since", "resumed_state": "resumed_state"}
THUMBNAIL_PX = 160


class IncidentNotFoundError(LookupError):
    """The incident id is not in the store."""


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_unix(value)
    return value


def _column_value(column: str, value: Any) -> Any:
    if column in TIME_COLUMNS and isinstance(value, datetime):
        return to_unix(value)
    return value


def add_event(conn: Connection, incident_id: int, kind: str, actor: str | None, now: datetime,
              before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> int:
    """Append one timeline event; returns its id."""
    dump = (lambda d: None if d is None else json.dumps({k: _json_value(v) for k, v in d.items()},
                                                        ensure_ascii=False, sort_keys=True))
    cursor = conn.exec_driver_sql(
        "INSERT INTO incident_events (incident_id, kind, actor, at, before_json, after_json) VALUES (?,?,?,?,?,?)",
        (incident_id, kind, actor, to_unix(now), dump(before), dump(after)),
    )
    return int(cursor.lastrowid)


def add_outbox(conn: Connection, incident_id: int, op: str, base_version: int | None, fields: Mapping[str, Any],
               now: datetime, actor: str | None = None) -> str:
    """Queue one op for the backend and count it in ``local_changes``; returns its idempotency key. ``actor`` is who
    made the change: it is sent with that role's credentials, whoever is at the console when the outbox drains."""
    key = str(uuid.uuid4())
    conn.exec_driver_sql(
        "INSERT INTO outbox (idempotency_key, incident_id, op, base_version, fields_json, created_at, actor, backend) "
        "VALUES (?,?,?,?,?,?,?, (SELECT key FROM backend_binding WHERE id = 1))",
        (key, incident_id, op, base_version,
         json.dumps({k: _json_value(v) for k, v in fields.items()}, ensure_ascii=False, sort_keys=True),
         to_unix(now), actor),
    )
    conn.exec_driver_sql("UPDATE incidents SET local_changes = local_changes + 1 WHERE id = ?", (incident_id,))
    return key


def _current(conn: Connection, incident_id: int, columns: Sequence[str]) -> dict[str, Any]:
    row = conn.exec_driver_sql(
        f"SELECT {', '.join(['version', *columns])} FROM incidents WHERE id = ?", (incident_id,)
    ).first()
    if row is None:
        raise IncidentNotFoundError(f"no incident with id {incident_id}")
    return dict(zip(["version", *columns], row, strict=True))


def create_incident_local(engine: Engine, draft: IncidentDraft, actor: str, now: datetime) -> int:
    """Insert a new incident (server_id NULL), its "created" event and an outbox "create"; returns its id.

    The draft's Open311 attributes are no incident column: they travel in the event and the outbox fields
    (``"attributes"``), which is what the writer sends."""
    fields: dict[str, Any] = {
        "service_code": draft.category, "service_name": draft.service_name, "status": draft.status,
        "workflow_state": draft.state, "priority": draft.priority, "description": draft.description,
        "lat": draft.lat, "lon": draft.lon, "address": draft.address, "district_code": draft.district_code,
        "requested_at": draft.requested_at or now, "expected_at": draft.expected_at, "agency": draft.agency,
        "assignee": draft.assignee, "source": draft.source, "reporter_name": draft.reporter_name,
        "reporter_contact": draft.reporter_contact,
    }
    columns = [*fields, "updated_at"]
    values = [_column_value(c, v) for c, v in fields.items()] + [to_unix(now)]
    with write_transaction(engine) as conn:
        cursor = conn.exec_driver_sql(
            f"INSERT INTO incidents ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})", tuple(values)
        )
        incident_id = int(cursor.lastrowid)
        sent = {**fields, "attributes": _attribute_answers(draft.attributes)} if draft.attributes else fields
        add_event(conn, incident_id, "created", actor, now, None, sent)
        add_outbox(conn, incident_id, "create", None, sent, now, actor)
    return incident_id


def _attribute_answers(attributes: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """Attribute answers as plain JSON: text, or a list of texts; empty answers dropped."""
    answers: dict[str, str | list[str]] = {}
    for code, value in attributes.items():
        if isinstance(value, list | tuple):
            keys = [str(v) for v in value if v not in (None, "")]
            if keys:
                answers[str(code)] = keys
        elif value not in (None, ""):
            answers[str(code)] = str(value)
    return answers


def _changes_from(changes: Mapping[str, Any] | Any) -> dict[str, Any]:
    """A dict of column -> value from a plain mapping or a workflow ``Transition`` (duck-typed)."""
    if isinstance(changes, Mapping):
        result = dict(changes)
    else:
        result = {column: getattr(changes, name) for name, column in _TRANSITION_FIELDS.items()
                  if hasattr(changes, name)}
    unknown = set(result) - EDITABLE
    if unknown:
        raise ValueError(f"not editable incident fields: {sorted(unknown)}")
    return result


def apply_action_local(engine: Engine, incident_id: int, changes: Mapping[str, Any] | Any, actor: str,
                       now: datetime, note: str | None = None, *, action: str | None = None,
                       children: str | None = None, child_changes: Mapping[int, Mapping[str, Any]] | None = None
                       ) -> None:
    """Apply ``changes`` (a column dict or a workflow Transition) with an event (before/after of what changed,
    kind = ``action`` or "update") and an outbox "update" carrying the base version and the changed fields.

    A major incident's close: ``children`` is the operator's choice for its open children ("close" / "leave"),
    recorded on its event and sent with the update; ``child_changes`` (child id -> columns) are the children that
    close with it, each changed here with a "closed_with_parent" event. They travel in the parent's entry
    (``other_ids``), since the server closes them with it."""
    wanted = {c: _column_value(c, v) for c, v in _changes_from(changes).items()}
    with write_transaction(engine) as conn:
        current = _current(conn, incident_id, list(wanted))
        changed = {c: v for c, v in wanted.items() if current[c] != v}
        if not changed and note is None:
            return  # nothing to record: an event without a change would be noise
        if changed:
            sets = ", ".join(f"{c} = ?" for c in changed)
            conn.exec_driver_sql(f"UPDATE incidents SET {sets}, updated_at = ? WHERE id = ?",
                                 (*changed.values(), to_unix(now), incident_id))
        after: dict[str, Any] = dict(changed)
        if note is not None:
            after["note"] = note
        others = sorted(int(i) for i in (child_changes or {}))
        if children is not None:
            after["children"] = children
        if others:
            after["other_ids"] = others
        add_event(conn, incident_id, action or "update", actor, now, {c: current[c] for c in changed}, after)
        add_outbox(conn, incident_id, "update", current["version"], {**after, **({"action": action} if action else {})},
                   now, actor)
        for child, columns in (child_changes or {}).items():
            child_wanted = {c: _column_value(c, v) for c, v in _changes_from(columns).items()}
            before = _current(conn, int(child), list(child_wanted))
            sets = ", ".join(f"{c} = ?" for c in child_wanted)
            conn.exec_driver_sql(f"UPDATE incidents SET {sets}, updated_at = ?, local_changes = local_changes + 1 "
                                 "WHERE id = ?", (*child_wanted.values(), to_unix(now), int(child)))
            add_event(conn, int(child), "closed_with_parent", actor, now,
                      {c: before[c] for c in child_wanted}, {**child_wanted, "parent": incident_id})


def add_comment_local(engine: Engine, incident_id: int, text: str, actor: str, now: datetime) -> None:
    """A comment on the timeline, queued for the backend."""
    with write_transaction(engine) as conn:
        current = _current(conn, incident_id, [])
        conn.exec_driver_sql("UPDATE incidents SET updated_at = ? WHERE id = ?", (to_unix(now), incident_id))
        add_event(conn, incident_id, "comment", actor, now, None, {"text": text})
        add_outbox(conn, incident_id, "comment", current["version"], {"text": text}, now, actor)


def make_thumbnail(data: bytes) -> bytes | None:
    """A PNG at most THUMBNAIL_PX on its longer side, turned upright from EXIF; None when not an image."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # Pillow loads only when an attachment arrives

    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def add_attachment_local(engine: Engine, incident_id: int, kind: str, filename: str, data: bytes, actor: str,
                         now: datetime) -> int:
    """Store an attachment (data + thumbnail) with an event and an outbox "attachment"; returns its id."""
    media_type = mimetypes.guess_type(filename)[0]
    digest = hashlib.sha256(data).hexdigest()
    thumbnail = make_thumbnail(data)  # before the transaction: decoding a photo must not hold the write lock
    with write_transaction(engine) as conn:
        current = _current(conn, incident_id, [])
        cursor = conn.exec_driver_sql(
            "INSERT INTO attachments (incident_id, kind, filename, media_type, sha256, size, data, thumbnail, "
            "created_at, actor) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (incident_id, kind, filename, media_type, digest, len(data), data, thumbnail, to_unix(now), actor),
        )
        attachment_id = int(cursor.lastrowid)
        meta = {"attachment_id": attachment_id, "kind": kind, "filename": filename, "media_type": media_type,
                "sha256": digest, "size": len(data)}
        conn.exec_driver_sql("UPDATE incidents SET updated_at = ? WHERE id = ?", (to_unix(now), incident_id))
        add_event(conn, incident_id, "attachment", actor, now, None, meta)
        add_outbox(conn, incident_id, "attachment", current["version"], meta, now, actor)
    return attachment_id
