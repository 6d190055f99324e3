"""Stale writes and refused transitions: merge them when the fields allow it, otherwise keep them for a person.

An outbox "update" refused by the backend either merges (:func:`merge_or_conflict`: re-queued on the server's
version with the merged fields, a "sync_merged" event saying what was sent, taken and agreed) or stays as a
conflict (state 'conflict', a "conflict" event with base / mine / theirs). A person then keeps mine, keeps theirs
or edits the values (:func:`resolve_keep_mine`, :func:`resolve_keep_theirs`, :func:`resolve_edit`), each one
transaction with a "conflict_resolved" event naming who decided what. Nothing is dropped without an event.

The base of an edit is where it was last rebased: the "base" recorded by its latest merge / conflict /
resolution event, else its own edit event's "before" (the values the operator changed from).
All writes run on the edit engine (``synchronous=FULL``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from services.conflict_merge import CARRIED_KEYS, MERGE_FIELDS, FieldConflict, merge, server_values, server_view
from services.records import ServiceRequest
from services.sla import SlaPolicy
from services.store.database import write_transaction
from services.store.local_edits import add_event
from services.store.outbox import release_entry
from services.store.schema import from_unix, to_unix
from services.workflow import OPEN311_STATUS

MERGED_EVENT = "sync_merged"  # not "merged": that kind already means incidents merged into one another
CONFLICT_EVENT = "conflict"
RESOLVED_EVENT = "conflict_resolved"
_BASE_EVENTS = (MERGED_EVENT, CONFLICT_EVENT, RESOLVED_EVENT)
KEPT_THEIRS_NOTE = "resolved: kept the server's values"


@dataclass(frozen=True, slots=True)
class ConflictView:
    """One open conflict. ``fields`` has every field of my change beside base and theirs; a field with a ``reason``
    is in conflict. ``server_version`` is the server's version when it refused (what keep-mine / edit rebase on)."""

    outbox_id: int
    incident_id: int
    server_id: str | None
    fields: tuple[FieldConflict, ...]
    reason: str | None
    created_at: datetime
    server_version: int | None
    action: str | None = None
    description: str | None = None

    @property
    def conflicting(self) -> tuple[str, ...]:
        """Names of the fields a person must decide."""
        return tuple(f.field for f in self.fields if f.reason is not None)


@dataclass(frozen=True, slots=True)
class _Entry:
    id: int
    incident_id: int
    state: str
    op: str
    base_version: int | None
    fields: dict[str, Any]
    created_at: int


def _entry(conn: Connection, outbox_id: int) -> _Entry:
    row = conn.exec_driver_sql("SELECT id, incident_id, state, op, base_version, fields_json, created_at "
                               "FROM outbox WHERE id = ?", (outbox_id,)).first()
    if row is None:
        raise LookupError(f"no outbox entry {outbox_id}")
    return _Entry(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]) if row[5] else {}, row[6])


def _open_conflict(conn: Connection, outbox_id: int) -> _Entry:
    entry = _entry(conn, outbox_id)
    if entry.state != "conflict":
        raise ValueError(f"outbox entry {outbox_id} is {entry.state}, not an open conflict")
    return entry


def _mine(entry: _Entry) -> dict[str, Any]:
    return {k: v for k, v in entry.fields.items() if k in MERGE_FIELDS}


def _events_for(conn: Connection, entry: _Entry, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """This entry's events of ``kinds``, newest first (their "after" objects)."""
    marks = ",".join("?" * len(kinds))
    rows = conn.exec_driver_sql(
        f"SELECT after_json FROM incident_events WHERE incident_id = ? AND kind IN ({marks}) ORDER BY id DESC",
        (entry.incident_id, *kinds)).all()
    found = []
    for (after_json,) in rows:
        after = json.loads(after_json) if after_json else None
        if isinstance(after, dict) and after.get("outbox_id") == entry.id:
            found.append(after)
    return found


def _base(conn: Connection, entry: _Entry) -> dict[str, Any]:
    for after in _events_for(conn, entry, _BASE_EVENTS):
        if isinstance(after.get("base"), dict):
            return dict(after["base"])
    # The edit's own event: same incident, same second, the same fields (the outbox copy also names the action).
    kind = entry.fields.get("action") or "update"
    edited = {k: v for k, v in entry.fields.items() if k != "action"}
    rows = conn.exec_driver_sql(
        "SELECT before_json, after_json FROM incident_events WHERE incident_id = ? AND kind = ? AND at = ? "
        "ORDER BY id DESC", (entry.incident_id, kind, entry.created_at)).all()
    for before_json, after_json in rows:
        if after_json and json.loads(after_json) == edited:
            return json.loads(before_json) if before_json else {}
    return {}  # unknown: every field the server also changed becomes a conflict (see conflict_merge)


def _theirs(conn: Connection, entry: _Entry) -> tuple[dict[str, Any], int | None, dict[str, str]]:
    """The server's values, version and per-field reasons recorded by the latest conflict event."""
    for after in _events_for(conn, entry, (CONFLICT_EVENT,)):
        if isinstance(after.get("theirs"), dict):
            return dict(after["theirs"]), after.get("server_version"), dict(after.get("reasons") or {})
        server = after.get("server")
        if isinstance(server, dict):  # written by outbox_mark_conflict: no base, the reason is the entry's
            return ({"workflow_state": server.get("state"), "priority": server.get("priority"),
                     "assignee": server.get("assignee")}, server.get("version"), {})
    return {}, None, {}


def _set_local(conn: Connection, incident_id: int, values: Mapping[str, Any]) -> None:
    """Write merge-field values to the local row (the state's Open311 status with it)."""
    columns = {k: v for k, v in values.items() if k in MERGE_FIELDS}
    if columns.get("workflow_state") in OPEN311_STATUS:
        columns["status"] = OPEN311_STATUS[columns["workflow_state"]]
    if columns:
        sets = ", ".join(f"{c} = ?" for c in columns)
        conn.exec_driver_sql(f"UPDATE incidents SET {sets} WHERE id = ?", (*columns.values(), incident_id))


def _raise_version(conn: Connection, incident_id: int, version: int | None) -> None:
    # New local edits are made on this version; the re-queued entry's own send rebases them past it.
    if version is not None:
        conn.exec_driver_sql("UPDATE incidents SET version = ? WHERE id = ? AND (version IS NULL OR version < ?)",
                             (version, incident_id, version))


def _requeue(conn: Connection, entry: _Entry, fields: Mapping[str, Any], version: int | None, note: str,
             when: datetime) -> None:
    conn.exec_driver_sql(
        "UPDATE outbox SET state = 'pending', base_version = ?, fields_json = ?, attempts = attempts + 1, "
        "last_error = ?, last_attempt_at = ? WHERE id = ?",
        (version, json.dumps(dict(fields), ensure_ascii=False, sort_keys=True), note, to_unix(when), entry.id))


def _fields_of_other_edits(conn: Connection, entry: _Entry) -> set[str]:
    rows = conn.exec_driver_sql("SELECT fields_json FROM outbox WHERE incident_id = ? AND id != ? AND state IN "
                                "('pending', 'sending', 'conflict', 'failed')", (entry.incident_id, entry.id)).all()
    return {k for (fields_json,) in rows for k in json.loads(fields_json or "{}")}


def merge_or_conflict(engine: Engine, outbox_id: int, server_record: ServiceRequest, reason: str, *,
                      role: str | None = None, now: datetime | None = None, policy: SlaPolicy | None = None) -> str:
    """The backend refused entry ``outbox_id``; ``server_record`` is its current copy. Returns "merged" (re-queued
    on the server's version with the merged fields) or "conflict" (kept for a person, base/mine/theirs recorded).

    Only a stale write (the server's version moved past the entry's base) is merged: a refusal on the same version
    means the server judged the change itself, and sending it again would only be refused again.
    """
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        entry = _entry(conn, outbox_id)
        if entry.state == "sent":
            return "sent"  # recorded twice (a retried callback): the server already has it
        base, mine, theirs = _base(conn, entry), _mine(entry), server_values(server_record)
        carried = {k: entry.fields[k] for k in CARRIED_KEYS if k in entry.fields}
        result = merge(base, {**mine, **carried}, theirs, view=server_view(server_record), role=role, now=when,
                       policy=policy)
        version = server_record.version
        stale = version is not None and (entry.base_version is None or version > entry.base_version)
        if entry.op == "update" and stale and result.auto:
            # A major incident's close carries what happens to its children, and which they are.
            kept = {k: entry.fields[k] for k in ("children", "other_ids") if k in entry.fields}
            _requeue(conn, entry, {**result.patch, **kept}, version, "merged with the server's changes", when)
            busy = _fields_of_other_edits(conn, entry)
            taken = {k: v for k, v in result.taken.items() if k not in busy}
            _set_local(conn, entry.incident_id, taken)
            _raise_version(conn, entry.incident_id, version)
            agreed = sorted(k for k in mine if k not in result.patch)
            add_event(conn, entry.incident_id, MERGED_EVENT, "sync", when, {k: base.get(k) for k in mine}, {
                "outbox_id": entry.id, "server_version": version, "sent": result.patch, "taken": taken,
                "agreed": agreed, "base": {k: theirs.get(k) for k in mine},
            })
            return "merged"
        reasons = {c.field: c.reason or reason for c in result.conflicts} or {k: reason for k in mine}
        conn.exec_driver_sql(
            "UPDATE outbox SET state = 'conflict', attempts = attempts + 1, last_error = ?, last_attempt_at = ? "
            "WHERE id = ?", (reason, to_unix(when), entry.id))
        add_event(conn, entry.incident_id, CONFLICT_EVENT, "sync", when, None, {
            "outbox_id": entry.id, "reason": reason, "server_id": server_record.id, "server_version": version,
            "base": {k: base.get(k) for k in mine} if base else None, "mine": mine,
            "theirs": {k: theirs.get(k) for k in MERGE_FIELDS}, "reasons": reasons,
        })
        return "conflict"


def open_conflicts(engine: Engine) -> list[ConflictView]:
    """Every outbox entry waiting for a person, oldest first (a supervisor sees them all)."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT o.id, i.server_id, o.last_error, i.description FROM outbox AS o "
            "JOIN incidents AS i ON i.id = o.incident_id WHERE o.state = 'conflict' ORDER BY o.id").all()
        views = []
        for outbox_id, server_id, last_error, description in rows:
            entry = _entry(conn, outbox_id)
            base, mine = _base(conn, entry), _mine(entry)
            theirs, version, reasons = _theirs(conn, entry)
            if not reasons:  # an older record without per-field reasons: judge the values, else all of it
                merged = merge(base, mine, theirs)
                reasons = {c.field: c.reason or "" for c in merged.conflicts} or {k: last_error or "" for k in mine}
            fields = tuple(FieldConflict(k, base.get(k), v, theirs.get(k), reasons.get(k)) for k, v in mine.items())
            action = entry.fields.get("action") or (entry.op if entry.op != "update" else None)
            views.append(ConflictView(entry.id, entry.incident_id, server_id, fields, last_error,
                                      from_unix(entry.created_at), version, action, description))
    return views


def resolve_keep_mine(engine: Engine, outbox_id: int, server_version: int | None, actor: str,
                      now: datetime | None = None) -> None:
    """Send my change as it is, on ``server_version`` (a newer server change makes it a stale write again)."""
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        entry = _open_conflict(conn, outbox_id)
        mine = _mine(entry)
        theirs, _version, _reasons = _theirs(conn, entry)
        _requeue(conn, entry, entry.fields, server_version, "resolved: keep mine", when)
        _raise_version(conn, entry.incident_id, server_version)
        add_event(conn, entry.incident_id, RESOLVED_EVENT, actor, when, {k: theirs.get(k) for k in mine}, {
            **mine, "outbox_id": entry.id, "decision": "keep_mine", "server_version": server_version,
            "base": {k: theirs.get(k) for k in mine},
        })


def resolve_keep_theirs(engine: Engine, outbox_id: int, server_record: ServiceRequest | None, actor: str,
                        now: datetime | None = None) -> None:
    """Drop my change (the event keeps it), take the server's values and lower ``local_changes``. Without
    ``server_record`` the values recorded with the conflict are used; the next sync brings anything newer."""
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        entry = _open_conflict(conn, outbox_id)
        mine = _mine(entry)
        stored, version, _reasons = _theirs(conn, entry)
        theirs = server_values(server_record) if server_record is not None else stored
        if server_record is not None:
            version = server_record.version
        # 'sent' is the outbox's "done, nothing left to send" (as for local-only ops); the note says why.
        conn.exec_driver_sql("UPDATE outbox SET state = 'sent', last_error = ?, last_attempt_at = ? WHERE id = ?",
                             (KEPT_THEIRS_NOTE, to_unix(when), entry.id))
        conn.exec_driver_sql("UPDATE incidents SET local_changes = max(local_changes - 1, 0) WHERE id = ?",
                             (entry.incident_id,))
        release_entry(conn, entry.incident_id, entry.op, entry.fields)  # a link op, or children closed with it
        _set_local(conn, entry.incident_id, {k: theirs.get(k) for k in mine})
        _raise_version(conn, entry.incident_id, version)
        add_event(conn, entry.incident_id, RESOLVED_EVENT, actor, when, mine, {
            **{k: theirs.get(k) for k in mine}, "outbox_id": entry.id, "decision": "keep_theirs",
            "server_version": version, "dropped": mine,
        })


def resolve_edit(engine: Engine, outbox_id: int, values: Mapping[str, Any], server_version: int | None, actor: str,
                 now: datetime | None = None) -> None:
    """Send ``values`` (a person's decision on the conflicting fields) with the rest of my change, on
    ``server_version``; the local row shows them at once."""
    unknown = set(values) - set(MERGE_FIELDS)
    if unknown:
        raise ValueError(f"not mergeable fields: {sorted(unknown)}")
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        entry = _open_conflict(conn, outbox_id)
        theirs, _version, _reasons = _theirs(conn, entry)
        fields = {**entry.fields, **values}
        _requeue(conn, entry, fields, server_version, "resolved: edited", when)
        _set_local(conn, entry.incident_id, values)
        _raise_version(conn, entry.incident_id, server_version)
        changed = _mine(_Entry(entry.id, entry.incident_id, "", "", None, fields, 0))
        add_event(conn, entry.incident_id, RESOLVED_EVENT, actor, when, {k: theirs.get(k) for k in values}, {
            **dict(values), "outbox_id": entry.id, "decision": "edit", "server_version": server_version,
            "base": {k: theirs.get(k) for k in changed},
        })
