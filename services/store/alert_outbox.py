"""The outbox's alert side: alert changes queued for the backend in the same transaction as the local change, and
what the backend made of them; and the backend's alerts, acknowledgements and silences applied here.

Why a table of its own (``alert_outbox``, migration 0015) and not rows of ``outbox``: an ``outbox`` row is a change
of one incident (``incident_id`` NOT NULL, counted in its ``local_changes``, merged field by field on a 412). An
alert change names no incident. Everything else is the outbox's: each entry has its idempotency key (sent as
``Idempotency-Key``, so a retry after a lost answer changes nothing twice), entries go in order, one at a time, by
the same drain (services.outbox_drain picks the older head of the two tables), they are made for the backend the
store is bound to (``backend``), they stay pending until the backend has them (never lost offline), and one the
backend refuses for good is kept as ``failed`` with why (the status bar counts it with the other refusals).

Ops (``op``):

- ``alert``: the alert as it is now (raised, another occurrence, cleared, reopened): a snapshot taken when queued.
  The evaluation may touch an alert at every sync: while an entry for it has not been tried yet, the snapshot is
  refreshed in place instead of queuing another (one entry that has been tried keeps its body, which its key was
  sent with, and a new entry follows it). Queued by :func:`queue_alert` from services.store.alerts.insert_alert /
  update_alert, so the evaluation itself is not touched.
- ``acknowledge``: who, their role, the comment and when. The backend keeps the first acknowledgement: a later one
  from another console answers 409 with the one kept, which this console adopts (:func:`adopt_alert`: the alert
  takes their name, comment and time, and its history gets their "acknowledged" line); the entry is then recorded
  ``failed`` with the reason and already acknowledged (nothing for a person to do: theirs is shown).
- ``silence`` / ``end_silence``: a silence by its uid (``alert_silences.uid``).

A backend that answers an acknowledgement or an end of silence with 404 does not have the alert or silence (a
simulator started afresh, a backend restored from a backup): the entry is recorded ``missing``: the alert's (or
silence's) snapshot is queued again and goes first (an entry waits while a newer snapshot of its alert or silence is
pending), then the entry is tried again. After :data:`MISSING_LIMIT` such answers it is refused for a person to see.

The alert's server uid is read when the entry is listed, not when it was queued: a raise answered with another
console's uid for the same episode (rule, scope, first data time) changes the alert's ``uid`` (:func:`adopt_alert`),
and the acknowledgement queued behind it goes under that uid.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from services.store.database import write_transaction
from services.store.rows import IngestSummary
from services.store.schema import from_unix, to_unix

ALERT_OPS = ("alert", "acknowledge", "silence", "end_silence")
MISSING_LIMIT = 3  # 404s on one entry, each after sending its alert or silence again, before it is refused

#: The alert's columns an ``alert`` entry carries (times in unix seconds here, ISO UTC on the wire).
SNAPSHOT_COLUMNS = ("uid", "rule_id", "kind", "severity", "state", "scope_kind", "scope_key", "scope_name_th",
                    "scope_name_en", "rule_name_th", "rule_name_en", "first_at", "last_at", "cleared_at",
                    "occurrences", "value", "message_th", "message_en", "lat", "lon")
_TIMES = ("first_at", "last_at", "cleared_at")
#: update_alert fields that change nothing the backend keeps (the incident link is this console's).
_LOCAL_ONLY = frozenset({"incident_id", "updated_at"})


@dataclass(frozen=True, slots=True)
class AlertOutboxEntry:
    """One pending alert entry as the drain sends it: ``uid`` is the alert's (or silence's) current uid."""

    id: int
    idempotency_key: str
    op: str
    alert_id: int | None
    silence_id: int | None
    uid: str | None
    fields: dict[str, Any]
    attempts: int
    actor: str | None
    created_at: datetime | None
    backend: str | None


def _iso(seconds: int | None) -> str | None:
    moment = from_unix(seconds)
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(text: Any) -> int | None:
    if not text:
        return None
    return to_unix(datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(UTC))


def _add(conn: Connection, op: str, fields: dict[str, Any], at: int, *, alert_id: int | None = None,
         silence_id: int | None = None, actor: str | None = None) -> str:
    key = str(uuid.uuid4())
    conn.exec_driver_sql(
        "INSERT INTO alert_outbox (idempotency_key, op, alert_id, silence_id, fields_json, created_at, actor, "
        "backend) VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT key FROM backend_binding WHERE id = 1))",
        (key, op, alert_id, silence_id, json.dumps(fields, ensure_ascii=False, sort_keys=True), at, actor))
    return key


# --- queuing (inside the local change's transaction) ----------------------------------------------------------------

def snapshot(conn: Connection, alert_id: int) -> dict[str, Any]:
    row = conn.exec_driver_sql(f"SELECT {', '.join(SNAPSHOT_COLUMNS)} FROM alerts WHERE id = ?", (alert_id,)).one()
    fields = dict(zip(SNAPSHOT_COLUMNS, row, strict=True))
    for name in _TIMES:
        fields[name] = _iso(fields[name])
    return fields


def queue_alert(conn: Connection, alert_id: int, changed: Any = None) -> None:
    """Queue the alert's current state (see the module text); ``changed`` (the columns written, when known) skips
    a change the backend does not keep."""
    if changed is not None and not set(changed) - _LOCAL_ONLY:
        return
    fields = snapshot(conn, alert_id)
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    waiting = conn.exec_driver_sql("SELECT id FROM alert_outbox WHERE alert_id = ? AND op = 'alert' AND "
                                   "state = 'pending' AND attempts = 0 ORDER BY id DESC LIMIT 1", (alert_id,)).first()
    if waiting is not None:
        conn.exec_driver_sql("UPDATE alert_outbox SET fields_json = ? WHERE id = ?", (text, waiting[0]))
        return
    at = conn.exec_driver_sql("SELECT updated_at FROM alerts WHERE id = ?", (alert_id,)).scalar()
    _add(conn, "alert", fields, int(at or 0), alert_id=alert_id)


def queue_acknowledge(conn: Connection, alert_id: int, actor: str, role: str, comment: str, at: int) -> None:
    _add(conn, "acknowledge", {"acknowledged_by": actor, "role": role, "comment": comment,
                               "acknowledged_at": _iso(at)}, at, alert_id=alert_id, actor=actor)


def queue_silence(conn: Connection, silence_id: int, at: int) -> None:
    row = conn.exec_driver_sql("SELECT rule_id, scope_key, starts_at, until, reason, actor, role FROM alert_silences "
                               "WHERE id = ?", (silence_id,)).one()
    fields = {"rule_id": row[0], "scope_key": row[1], "starts_at": _iso(row[2]), "until": _iso(row[3]),
              "reason": row[4], "actor": row[5], "role": row[6]}
    _add(conn, "silence", fields, at, silence_id=silence_id, actor=row[5])


def queue_end_silence(conn: Connection, silence_id: int, actor: str, role: str, at: int) -> None:
    _add(conn, "end_silence", {"ended_by": actor, "role": role, "ended_at": _iso(at)}, at, silence_id=silence_id,
         actor=actor)


# --- the drain's side -------------------------------------------------------------------------------------------

_FOR_THIS_BACKEND = "o.backend IS (SELECT key FROM backend_binding WHERE id = 1)"
# A newer snapshot of the entry's alert (or silence) waiting: it goes first (see the module text).
_SNAPSHOT_AHEAD = ("SELECT 1 FROM alert_outbox AS p WHERE p.state = 'pending' AND p.id > o.id "
                   "AND p.backend IS o.backend AND ((o.op NOT IN ('alert', 'silence') AND o.alert_id IS NOT NULL "
                   "AND p.alert_id = o.alert_id AND p.op = 'alert') OR (o.op = 'end_silence' "
                   "AND p.silence_id = o.silence_id AND p.op = 'silence'))")


def next_entry(engine: Engine) -> AlertOutboxEntry | None:
    """The oldest pending alert entry for the backend this store is bound to, with the current uid."""
    sql = ("SELECT o.id, o.idempotency_key, o.op, o.alert_id, o.silence_id, coalesce(a.uid, s.uid), o.fields_json, "
           "o.attempts, o.actor, o.created_at, o.backend FROM alert_outbox AS o "
           "LEFT JOIN alerts AS a ON a.id = o.alert_id LEFT JOIN alert_silences AS s ON s.id = o.silence_id "
           "WHERE o.state = 'pending' AND " + _FOR_THIS_BACKEND + " AND NOT EXISTS (" + _SNAPSHOT_AHEAD + ") "
           "ORDER BY o.id LIMIT 1")
    with engine.connect() as conn:
        r = conn.exec_driver_sql(sql).first()
    if r is None:
        return None
    return AlertOutboxEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else {}, r[7], r[8],
                            from_unix(r[9]), r[10])


def states(engine: Engine) -> dict[str, int]:
    """Pending entries and refusals nobody has seen, as services.store.queries.outbox_states counts them."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT state, count(*) FROM alert_outbox WHERE state = 'pending' OR "
                                    "(state = 'failed' AND acknowledged_at IS NULL) GROUP BY state").all()
    return {state: int(n) for state, n in rows}


def record_outcome(engine: Engine, entry: AlertOutboxEntry, kind: str, answer: Any, error: str | None,
                   now: datetime | None = None) -> str:
    """Record what the backend made of ``entry`` (``kind`` as services.incident_writer.WriteOutcome's: sent, local,
    conflict, rejected, retry; or services.alert_writer's ``missing``; ``answer`` the backend's alert or silence).
    Returns ``kind`` ("rejected" for a ``missing`` past its limit)."""
    at = to_unix(now or datetime.now(UTC))
    with write_transaction(engine) as conn:
        state = conn.exec_driver_sql("SELECT state FROM alert_outbox WHERE id = ?", (entry.id,)).scalar()
        if state != "pending":
            return kind  # recorded already (a retried callback)
        if kind in ("sent", "local"):
            conn.exec_driver_sql("UPDATE alert_outbox SET state = 'sent', attempts = attempts + 1, last_error = ?, "
                                 "last_attempt_at = ? WHERE id = ?", (error if kind == "local" else None, at, entry.id))
            if kind == "sent" and isinstance(answer, dict) and entry.alert_id is not None:
                adopt_alert(conn, entry.alert_id, answer, at)
        elif kind == "conflict":
            # Another console's acknowledgement was first: theirs is adopted and shown; ours is kept as refused,
            # seen already (nothing for a person to resolve).
            if isinstance(answer, dict) and entry.alert_id is not None:
                adopt_alert(conn, entry.alert_id, answer, at)
            conn.exec_driver_sql("UPDATE alert_outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, "
                                 "last_attempt_at = ?, acknowledged_at = ? WHERE id = ?",
                                 (error or "conflict", at, at, entry.id))
        elif kind == "missing" and entry.attempts + 1 < MISSING_LIMIT:
            # The backend lacks the alert or silence: its snapshot goes again, ahead of this entry.
            conn.exec_driver_sql("UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?, "
                                 "last_attempt_at = ? WHERE id = ?", (error or "missing", at, entry.id))
            if entry.alert_id is not None:
                _add(conn, "alert", snapshot(conn, entry.alert_id), at, alert_id=entry.alert_id)
            elif entry.silence_id is not None:
                queue_silence(conn, entry.silence_id, at)
        elif kind in ("rejected", "missing"):
            conn.exec_driver_sql("UPDATE alert_outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, "
                                 "last_attempt_at = ? WHERE id = ?", (error or "refused", at, entry.id))
            kind = "rejected"
        else:
            conn.exec_driver_sql("UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?, "
                                 "last_attempt_at = ? WHERE id = ?", (error or "will retry", at, entry.id))
    return kind


# --- the backend's side, applied here ----------------------------------------------------------------------------

def adopt_alert(conn: Connection, alert_id: int, server: dict[str, Any], at: int) -> bool:
    """The backend's copy of a local alert: its uid (the first console's for this episode) and its acknowledgement
    when this console has none, or another's that came first. Returns True when something changed."""
    changed = False
    uid = server.get("uid")
    row = conn.exec_driver_sql("SELECT uid, state, acknowledged_by, acknowledged_at, ack_comment FROM alerts "
                               "WHERE id = ?", (alert_id,)).first()
    if row is None:
        return False
    if uid and uid != row[0] and conn.exec_driver_sql("SELECT 1 FROM alerts WHERE uid = ?", (uid,)).first() is None:
        conn.exec_driver_sql("UPDATE alerts SET uid = ? WHERE id = ?", (uid, alert_id))
        changed = True
    ack = server.get("acknowledgement")
    if isinstance(ack, dict) and ack.get("by"):
        by, comment, ack_at = str(ack["by"]), ack.get("comment"), _seconds(ack.get("at"))
        if (row[2], row[4], row[3]) != (by, comment, ack_at):
            state = "cleared" if row[1] == "cleared" else "acknowledged"
            conn.exec_driver_sql("UPDATE alerts SET state = ?, acknowledged_by = ?, acknowledged_role = ?, "
                                 "acknowledged_at = ?, ack_comment = ?, updated_at = ? WHERE id = ?",
                                 (state, by, ack.get("role"), ack_at, comment, at, alert_id))
            known = conn.exec_driver_sql("SELECT 1 FROM alert_actions WHERE alert_id = ? AND action = 'acknowledged' "
                                         "AND actor = ? AND at = ?", (alert_id, by, ack_at)).first()
            if known is None:
                conn.exec_driver_sql("INSERT INTO alert_actions (alert_id, action, actor, role, at, comment) "
                                     "VALUES (?, 'acknowledged', ?, ?, ?, ?)",
                                     (alert_id, by, ack.get("role"), ack_at or at, comment))
            changed = True
    return changed


def _local_alert(conn: Connection, server: dict[str, Any]) -> int | None:
    """The local alert a server alert is: by uid, else by its episode (rule, scope, first data time)."""
    found = conn.exec_driver_sql("SELECT id FROM alerts WHERE uid = ?", (server.get("uid"),)).first()
    if found is None:
        found = conn.exec_driver_sql("SELECT id FROM alerts WHERE rule_id = ? AND scope_key = ? AND first_at = ?",
                                     (server.get("rule_id"), server.get("scope_key"),
                                      _seconds(server.get("first_at")))).first()
    return None if found is None else int(found[0])


_INSERTED = ("uid", "rule_id", "kind", "severity", "scope_kind", "scope_key", "scope_name_th", "scope_name_en",
             "rule_name_th", "rule_name_en", "occurrences", "value", "message_th", "message_en", "lat", "lon")


def apply_server_records(engine: Engine, records: list[Any], now: datetime | None = None) -> IngestSummary:
    """The backend's alerts and silences (services.sync.alert_feed) into this store, in one transaction.

    An alert this console has (same uid, or same episode) takes the server's uid and acknowledgement
    (:func:`adopt_alert`); its occurrences and clearing stay the local evaluation's, which reads the same data.
    One this console has not raised is added when the rule and scope have no alert not cleared here (the one
    open alert per rule and scope stays one). A silence is added by its uid, or takes the server's end."""
    at = to_unix(now or datetime.now(UTC)) or 0
    inserted = updated = unchanged = 0
    with write_transaction(engine) as conn:
        for record in records:
            kind, body = record.kind, record.body
            if kind == "silence":
                result = _apply_silence(conn, body, at)
            else:
                result = _apply_alert(conn, body, at)
            inserted += result == "inserted"
            updated += result == "updated"
            unchanged += result == "unchanged"
    return IngestSummary(len(records), inserted, updated, unchanged)


def _apply_alert(conn: Connection, server: dict[str, Any], at: int) -> str:
    local = _local_alert(conn, server)
    if local is not None:
        return "updated" if adopt_alert(conn, local, server, at) else "unchanged"
    cleared = server.get("cleared_at")
    if not cleared and conn.exec_driver_sql("SELECT 1 FROM alerts WHERE rule_id = ? AND scope_key = ? AND "
                                            "state != 'cleared'", (server.get("rule_id"),
                                                                   server.get("scope_key"))).first():
        return "unchanged"
    values = {name: server.get(name) for name in _INSERTED}
    values.update(first_at=_seconds(server.get("first_at")), last_at=_seconds(server.get("last_at")),
                  cleared_at=_seconds(cleared), state="cleared" if cleared else "open", updated_at=at)
    if values["first_at"] is None or values["last_at"] is None:
        return "unchanged"
    names = ", ".join(values)
    alert_id = int(conn.exec_driver_sql(f"INSERT INTO alerts ({names}) VALUES ({', '.join('?' * len(values))})",
                                        tuple(values.values())).lastrowid)
    conn.exec_driver_sql("INSERT INTO alert_actions (alert_id, action, actor, role, at, comment) "
                         "VALUES (?, 'raised', 'system', NULL, ?, NULL)", (alert_id, values["first_at"]))
    adopt_alert(conn, alert_id, server, at)
    return "inserted"


def _apply_silence(conn: Connection, server: dict[str, Any], at: int) -> str:
    uid = server.get("uid")
    starts, until = _seconds(server.get("starts_at")), _seconds(server.get("until"))
    if not uid or starts is None or until is None or until <= starts:
        return "unchanged"
    row = conn.exec_driver_sql("SELECT id, until, ended_by FROM alert_silences WHERE uid = ?", (uid,)).first()
    ended = server.get("ended") or {}
    if row is None:
        conn.exec_driver_sql(
            "INSERT INTO alert_silences (uid, rule_id, scope_key, starts_at, until, reason, actor, role, created_at, "
            "ended_by, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (uid, server.get("rule_id"), server.get("scope_key"), starts, until, server.get("reason") or "",
             server.get("actor") or "", server.get("role") or "", starts, ended.get("by"),
             _seconds(ended.get("at"))))
        return "inserted"
    if row[1] != until or (ended.get("by") and row[2] != ended.get("by")):
        conn.exec_driver_sql("UPDATE alert_silences SET until = ?, ended_by = coalesce(?, ended_by), "
                             "ended_at = coalesce(?, ended_at) WHERE id = ?",
                             (until, ended.get("by"), _seconds(ended.get("at")), row[0]))
        return "updated"
    return "unchanged"
