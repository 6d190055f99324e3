"""Edits the server refused for good (outbox state 'failed'): listed for a person, who acknowledges each once seen.

Two outboxes feed the list: the incident outbox (``outbox``) and the alert outbox (``alert_outbox``: alerts,
their acknowledgements and silences, services.store.alert_outbox). Their ids overlap, so an entry is known by its
``source`` ("incident" or "alert") and its id together.

The refusal of an incident edit is recorded when it happens (``services.store.outbox.outbox_mark_failed``: a
"sync_refused" event with what was refused and why). Acknowledging only takes the entry off the list and the status
bar's count, with a "refusal_acknowledged" line naming who saw it (the incident's timeline, or the alert's history in
``alert_actions``); nothing is deleted. An alert entry refused as a conflict (another console's acknowledgement was
kept) is stored acknowledged already and never listed: there is nothing for a person to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import Connection, Engine

from services.store.database import write_transaction
from services.store.local_edits import add_event
from services.store.schema import from_unix, to_unix
from services.workflow import role_of_actor

SOURCES = ("incident", "alert")
_EPOCH = datetime.fromtimestamp(0, UTC)


@dataclass(frozen=True, slots=True)
class RefusedEdit:
    """One refused incident edit: which incident, what kind of change (create, update, comment, attachment), who
    made it, the server's reason and when it refused."""

    source: ClassVar[str] = "incident"

    outbox_id: int
    incident_id: int
    server_id: str | None
    op: str
    fields: dict[str, Any]
    reason: str | None
    actor: str | None
    made_at: datetime | None
    refused_at: datetime | None
    description: str | None


@dataclass(frozen=True, slots=True)
class RefusedAlertEdit:
    """One refused alert entry: which alert (its rule and scope, named in both languages; a silence names no alert
    and may cover every scope: ``scope_key`` None), what op (services.store.alert_outbox.ALERT_OPS), who, when,
    and the server's reason. ``actor`` is None for an ``alert`` entry (the evaluation queued it)."""

    source: ClassVar[str] = "alert"

    outbox_id: int
    op: str
    alert_id: int | None
    silence_id: int | None
    rule_id: str | None
    rule_name_th: str | None
    rule_name_en: str | None
    scope_key: str | None
    scope_name_th: str | None
    scope_name_en: str | None
    fields: dict[str, Any]
    reason: str | None
    actor: str | None
    made_at: datetime | None
    refused_at: datetime | None


def refused_edits(engine: Engine) -> list[RefusedEdit | RefusedAlertEdit]:
    """Refused edits of both outboxes not yet acknowledged, oldest first (by when they were made)."""
    sql = ("SELECT o.id, o.incident_id, i.server_id, o.op, o.fields_json, o.last_error, o.actor, o.created_at, "
           "o.last_attempt_at, i.description FROM outbox AS o JOIN incidents AS i ON i.id = o.incident_id "
           "WHERE o.state = 'failed' AND o.acknowledged_at IS NULL ORDER BY o.id")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql).all()
        alert_edits = _refused_alert_edits(conn)
    edits: list[RefusedEdit | RefusedAlertEdit] = [
        RefusedEdit(r[0], r[1], r[2], r[3], json.loads(r[4]) if r[4] else {}, r[5], r[6], from_unix(r[7]),
                    from_unix(r[8]), r[9]) for r in rows]
    # A stable sort: each outbox's own order (its send order) stays as it was.
    return sorted(edits + alert_edits, key=lambda e: e.made_at or _EPOCH)


def _refused_alert_edits(conn: Connection) -> list[RefusedEdit | RefusedAlertEdit]:
    sql = ("SELECT o.id, o.op, o.alert_id, o.silence_id, o.fields_json, o.last_error, o.actor, o.created_at, "
           "o.last_attempt_at, a.rule_id, a.rule_name_th, a.rule_name_en, a.scope_key, a.scope_name_th, "
           "a.scope_name_en, s.rule_id, s.scope_key FROM alert_outbox AS o "
           "LEFT JOIN alerts AS a ON a.id = o.alert_id LEFT JOIN alert_silences AS s ON s.id = o.silence_id "
           "WHERE o.state = 'failed' AND o.acknowledged_at IS NULL ORDER BY o.id")
    found: list[RefusedEdit | RefusedAlertEdit] = []
    for r in conn.exec_driver_sql(sql).all():
        fields = json.loads(r[4]) if r[4] else {}
        if r[2] is not None and r[9] is not None:  # the alert names itself
            rule_id, names, scope_key, scope_names = r[9], (r[10], r[11]), r[12], (r[13], r[14])
        else:  # a silence (or an alert lost to a salvage): its rule and scope, named from what is stored
            rule_id = r[15] or fields.get("rule_id")
            scope_key = r[16] if r[15] is not None else fields.get("scope_key")
            names = (fields.get("rule_name_th"), fields.get("rule_name_en"))
            scope_names = (fields.get("scope_name_th"), fields.get("scope_name_en"))
            if rule_id is not None and not any(names):
                names = _rule_names(conn, rule_id)
            if scope_key is not None and not any(scope_names):
                scope_names = _scope_names(conn, rule_id, scope_key)
        found.append(RefusedAlertEdit(r[0], r[1], r[2], r[3], rule_id, names[0], names[1], scope_key,
                                      scope_names[0], scope_names[1], fields, r[5], r[6], from_unix(r[7]),
                                      from_unix(r[8])))
    return found


def _rule_names(conn: Connection, rule_id: str) -> tuple[str | None, str | None]:
    row = conn.exec_driver_sql("SELECT name_th, name_en FROM alert_rules WHERE rule_id = ?", (rule_id,)).first()
    return (None, None) if row is None else (row[0], row[1])


def _scope_names(conn: Connection, rule_id: str | None, scope_key: str) -> tuple[str | None, str | None]:
    # A silence stores only the scope's key; the rule's newest alert there has its names.
    row = conn.exec_driver_sql("SELECT scope_name_th, scope_name_en FROM alerts WHERE rule_id = ? AND scope_key = ? "
                               "ORDER BY first_at DESC LIMIT 1", (rule_id, scope_key)).first()
    return (None, None) if row is None else (row[0], row[1])


def acknowledge_refusal(engine: Engine, outbox_id: int, actor: str, now: datetime | None = None,
                        source: str = "incident") -> None:
    """``actor`` has seen why the server refused entry ``outbox_id`` of ``source``'s outbox; a second
    acknowledgement changes nothing."""
    if source not in SOURCES:
        raise ValueError(f"unknown outbox {source!r}")
    if source == "alert":
        _acknowledge_alert_refusal(engine, outbox_id, actor, now or datetime.now(UTC))
        return
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        row = conn.exec_driver_sql("SELECT incident_id, state, acknowledged_at, op, last_error FROM outbox "
                                   "WHERE id = ?", (outbox_id,)).first()
        if row is None or row[1] != "failed":
            raise LookupError(f"outbox entry {outbox_id} is not a refused edit")
        if row[2] is not None:
            return
        conn.exec_driver_sql("UPDATE outbox SET acknowledged_at = ? WHERE id = ?", (to_unix(when), outbox_id))
        add_event(conn, row[0], "refusal_acknowledged", actor, when, None,
                  {"outbox_id": outbox_id, "op": row[3], "reason": row[4]})


def _acknowledge_alert_refusal(engine: Engine, outbox_id: int, actor: str, when: datetime) -> None:
    at = to_unix(when)
    with write_transaction(engine) as conn:
        row = conn.exec_driver_sql("SELECT state, acknowledged_at, op, alert_id, silence_id, last_error, actor, "
                                   "created_at FROM alert_outbox WHERE id = ?", (outbox_id,)).first()
        if row is None or row[0] != "failed":
            raise LookupError(f"alert outbox entry {outbox_id} is not a refused edit")
        if row[1] is not None:
            return
        _state, _seen, op, alert_id, silence_id, reason, made_by, made_at = row
        conn.exec_driver_sql("UPDATE alert_outbox SET acknowledged_at = ? WHERE id = ?", (at, outbox_id))
        if alert_id is not None:
            histories = [alert_id]
        elif silence_id is not None:
            # A silence's lines went to the alerts of its rule it covered (services.store.alerts._note_on_alerts,
            # with the entry's actor and time): who saw its refusal goes to the same histories.
            histories = [r[0] for r in conn.exec_driver_sql(
                "SELECT DISTINCT h.alert_id FROM alert_actions AS h JOIN alerts AS a ON a.id = h.alert_id "
                "JOIN alert_silences AS s ON s.id = ? AND s.rule_id = a.rule_id "
                "WHERE h.action = ? AND h.actor = ? AND h.at = ? ORDER BY h.alert_id",
                (silence_id, "silenced" if op == "silence" else "unsilenced", made_by, made_at)).all()]
        else:
            histories = []  # its alert was lost (a salvaged store): the entry alone says it was seen
        if histories:
            conn.exec_driver_sql("INSERT INTO alert_actions (alert_id, action, actor, role, at, comment) "
                                 "VALUES (?, 'refusal_acknowledged', ?, ?, ?, ?)",
                                 [(a, actor, role_of_actor(actor), at, reason) for a in histories])
