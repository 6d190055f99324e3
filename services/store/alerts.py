"""The alert tables (``0014_alerts``): the evaluation's reads and writes, the dock's lists and people's actions.

The evaluation (services.alerts.evaluate) runs in one write transaction on the edit engine (alerts and their
acknowledgements are edits that must survive a power cut) and calls the ``conn`` functions here. The dock's reads
and the handling use cases (acknowledge, silence, end a silence) take the engine; their checks are
services.alerts.handling's, run inside the transaction so two consoles on one store cannot both acknowledge.
Times are unix seconds here; the views hand out aware UTC datetimes.

Every change the backend keeps is queued for it in the same transaction (services.store.alert_outbox): an alert
inserted or updated (:func:`insert_alert`, :func:`update_alert`: the evaluation's writes, so the evaluation itself
queues nothing), an acknowledgement, a silence (made with its ``uid``) and a silence's end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from services.alerts import handling
from services.alerts.model import STATES, AlertAction, AlertView, Silence
from services.store import alert_outbox
from services.store.database import write_transaction
from services.store.schema import from_unix, to_unix

SYSTEM = "system"  # the actor of the evaluation's lines

# --- the evaluation's side ---------------------------------------------------------------------------------------

_STORED_COLUMNS = ("id", "rule_id", "scope_key", "state", "first_at", "last_at", "cleared_at", "occurrences",
                   "value", "message_th", "message_en", "severity", "scope_name_th", "scope_name_en", "rule_name_th",
                   "rule_name_en", "lat", "lon")


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """An alert as the evaluation reconciles it (unix seconds)."""

    id: int
    rule_id: str
    scope_key: str
    state: str
    first_at: int
    last_at: int
    cleared_at: int | None
    occurrences: int
    value: float | None
    message_th: str
    message_en: str
    severity: str
    scope_name_th: str | None
    scope_name_en: str | None
    rule_name_th: str | None
    rule_name_en: str | None
    lat: float | None
    lon: float | None


def relevant_alerts(conn: Connection, rule_ids: Sequence[str], since: int) -> list[StoredAlert]:
    """The alerts of ``rule_ids`` a replay from ``since`` may touch: not cleared, or cleared since then; in order
    of their first data time."""
    if not rule_ids:
        return []
    marks = ",".join("?" * len(rule_ids))
    columns = ", ".join(_STORED_COLUMNS)
    # Through the state and clear-time indexes: a rule's whole history is never read.
    sql = (f"SELECT {columns} FROM alerts INDEXED BY ix_alerts_state_last WHERE state IN ('open', 'acknowledged') "
           f"AND rule_id IN ({marks}) UNION SELECT {columns} FROM alerts INDEXED BY ix_alerts_cleared "
           f"WHERE cleared_at >= ? AND rule_id IN ({marks}) ORDER BY first_at, id")
    rows = conn.exec_driver_sql(sql, (*rule_ids, since, *rule_ids)).all()
    return [StoredAlert(*row) for row in rows]


def insert_alert(conn: Connection, fields: dict[str, Any]) -> int:
    """A new alert (``fields`` by column, times in unix seconds); returns its id."""
    values = {"uid": uuid.uuid4().hex, **fields}
    names = ", ".join(values)
    marks = ", ".join("?" * len(values))
    alert_id = int(conn.exec_driver_sql(f"INSERT INTO alerts ({names}) VALUES ({marks})",
                                        tuple(values.values())).lastrowid)
    alert_outbox.queue_alert(conn, alert_id)  # to the backend, in this same transaction
    return alert_id


def update_alert(conn: Connection, alert_id: int, fields: dict[str, Any]) -> None:
    """Set ``fields`` (columns of this module's callers, never input) on one alert."""
    if fields:
        sets = ", ".join(f"{name} = ?" for name in fields)
        conn.exec_driver_sql(f"UPDATE alerts SET {sets} WHERE id = ?", (*fields.values(), alert_id))
        alert_outbox.queue_alert(conn, alert_id, fields)  # to the backend, in this same transaction


def system_actions(conn: Connection, alert_ids: Iterable[int]) -> dict[int, set[tuple[str, int]]]:
    """alert -> (action, time) of the evaluation lines already in each alert's history."""
    ids = sorted(set(alert_ids))
    found: dict[int, set[tuple[str, int]]] = {alert_id: set() for alert_id in ids}
    if ids:
        rows = conn.exec_driver_sql(f"SELECT alert_id, action, at FROM alert_actions WHERE actor = ? "
                                    f"AND alert_id IN ({','.join('?' * len(ids))})", (SYSTEM, *ids)).all()
        for alert_id, action, at in rows:
            found[alert_id].add((action, at))
    return found


def add_actions(conn: Connection, rows: Sequence[tuple[int, str, str, str | None, int, str | None]]) -> None:
    """History lines: (alert, action, actor, role, at, comment)."""
    if rows:
        conn.exec_driver_sql("INSERT INTO alert_actions (alert_id, action, actor, role, at, comment) "
                             "VALUES (?, ?, ?, ?, ?, ?)", list(rows))


def sync_rules(conn: Connection, rules: Sequence[tuple[str, str, str, str, str, bool]], now: int) -> None:
    """Record the rules evaluated: (id, kind, severity, name_th, name_en, enabled); unchanged rows are not written."""
    conn.exec_driver_sql(
        "INSERT INTO alert_rules (rule_id, kind, severity, name_th, name_en, enabled, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rule_id) DO UPDATE SET kind = excluded.kind, "
        "severity = excluded.severity, name_th = excluded.name_th, name_en = excluded.name_en, "
        "enabled = excluded.enabled, updated_at = excluded.updated_at WHERE (kind, severity, name_th, name_en, "
        "enabled) IS NOT (excluded.kind, excluded.severity, excluded.name_th, excluded.name_en, excluded.enabled)",
        [(*rule[:5], int(rule[5]), now) for rule in rules])


Checkpoints = dict[tuple[str, str, int], tuple[str, str]]  # (rule, scope, day boundary) -> (fingerprint, state)


def load_checkpoints(conn: Connection, since: int) -> Checkpoints:
    """The machines' states saved at the day boundaries from ``since`` on."""
    rows = conn.exec_driver_sql("SELECT rule_id, scope_key, at, fingerprint, state_json FROM alert_checkpoints "
                                "WHERE at >= ?", (since,)).all()
    return {(rule, scope, at): (fingerprint, state) for rule, scope, at, fingerprint, state in rows}


def write_checkpoints(conn: Connection, before: Checkpoints, after: Checkpoints, keep: int) -> None:
    """Write what changed from ``before`` to ``after`` (both from ``keep`` on), keeping the rows at ``keep``
    (the replays' seeds) and dropping everything older."""
    changed = [(*key, *value) for key, value in after.items() if before.get(key) != value]
    gone = [key for key in before if key not in after and key[2] > keep]
    if changed:
        conn.exec_driver_sql(
            "INSERT INTO alert_checkpoints (rule_id, scope_key, at, fingerprint, state_json) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (rule_id, scope_key, at) DO UPDATE SET fingerprint = excluded.fingerprint, "
            "state_json = excluded.state_json", changed)
    if gone:
        conn.exec_driver_sql("DELETE FROM alert_checkpoints WHERE rule_id = ? AND scope_key = ? AND at = ?", gone)
    conn.exec_driver_sql("DELETE FROM alert_checkpoints WHERE at < ?", (keep,))


@dataclass(frozen=True, slots=True)
class SilenceRow:
    id: int
    rule_id: str
    scope_key: str | None
    starts_at: int
    until: int
    reason: str
    actor: str

    def covers(self, rule_id: str, scope_key: str) -> bool:
        return self.rule_id == rule_id and self.scope_key in (None, scope_key)

    def view(self) -> Silence:
        starts, until = from_unix(self.starts_at), from_unix(self.until)
        assert starts is not None and until is not None
        return Silence(self.id, self.rule_id, self.scope_key, starts, until, self.reason, self.actor)


_SILENCE_COLUMNS = "id, rule_id, scope_key, starts_at, until, reason, actor"


def silences_at(conn: Connection, now: int) -> list[SilenceRow]:
    """The silences in force at ``now``, ending soonest first."""
    rows = conn.exec_driver_sql(f"SELECT {_SILENCE_COLUMNS} FROM alert_silences WHERE until > ? AND starts_at <= ? "
                                "ORDER BY until, id", (now, now)).all()
    return [SilenceRow(*row) for row in rows]


def silenced_until(silences: Sequence[SilenceRow], rule_id: str, scope_key: str) -> int | None:
    """The latest end of the silences in ``silences`` covering this rule and scope (None: not silenced)."""
    ends = [s.until for s in silences if s.covers(rule_id, scope_key)]
    return max(ends) if ends else None


# --- the dock's reads --------------------------------------------------------------------------------------------

_VIEW_COLUMNS = ("id, rule_id, rule_name_th, rule_name_en, kind, severity, state, scope_kind, scope_key, "
                 "scope_name_th, scope_name_en, first_at, last_at, cleared_at, occurrences, value, message_th, "
                 "message_en, acknowledged_by, acknowledged_at, ack_comment, incident_id, lat, lon, "
                 # the incident's number as operators know it (its server id once the server has it)
                 "(SELECT i.server_id FROM incidents AS i WHERE i.id = alerts.incident_id)")


def _view(row: Sequence[Any], silences: Sequence[SilenceRow]) -> AlertView:
    (alert_id, rule_id, rule_th, rule_en, kind, severity, state, scope_kind, scope_key, scope_th, scope_en, first,
     last, cleared, occurrences, value, message_th, message_en, ack_by, ack_at, ack_comment, incident_id, lat,
     lon, incident_server_id) = row
    return AlertView(alert_id, rule_id, rule_th or rule_id, rule_en or rule_id, kind, severity, state, scope_kind,
                     scope_key, scope_th or scope_key, scope_en or scope_key, from_unix(first), from_unix(last),
                     from_unix(cleared), occurrences, value, message_th, message_en, ack_by, from_unix(ack_at),
                     ack_comment, incident_id, lat, lon, from_unix(silenced_until(silences, rule_id, scope_key)),
                     None if incident_id is None else str(incident_server_id or incident_id))


def alert_views(engine: Engine, states: Sequence[str], limit: int, now: datetime) -> list[AlertView]:
    """Alerts in ``states``, newest occurrence first (at most ``limit``)."""
    chosen = {states} if isinstance(states, str) else set(states)
    wanted = [s for s in STATES if s in chosen]
    if not wanted or limit <= 0:
        return []
    # Every state: newest first straight off the time index; some: through the state index.
    where = "" if len(wanted) == len(STATES) else f"WHERE state IN ({','.join('?' * len(wanted))}) "
    args = () if not where else tuple(wanted)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"SELECT {_VIEW_COLUMNS} FROM alerts {where}ORDER BY last_at DESC, id DESC "
                                    "LIMIT ?", (*args, int(limit))).all()
        silences = silences_at(conn, _seconds(now))
    return [_view(row, silences) for row in rows]


def alert_view(engine_or_conn: Engine | Connection, alert_id: int, now: datetime) -> AlertView:
    """One alert; LookupError when there is none with that id."""
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.connect() as conn:
            return alert_view(conn, alert_id, now)
    conn = engine_or_conn
    row = conn.exec_driver_sql(f"SELECT {_VIEW_COLUMNS} FROM alerts WHERE id = ?", (alert_id,)).first()
    if row is None:
        raise LookupError(f"no alert {alert_id}")
    return _view(row, silences_at(conn, _seconds(now)))


# An incident line's comment is "#<local id>" (alert_incidents.link): it is shown as the number operators know, the
# server's id once the server has the incident.
_HISTORY = (
    "SELECT a.alert_id, a.action, a.actor, a.role, a.at, "
    "CASE WHEN a.action IN ('incident_opened', 'incident_linked') AND a.comment GLOB '#[0-9]*' "
    "THEN '#' || coalesce((SELECT i.server_id FROM incidents AS i WHERE i.id = CAST(substr(a.comment, 2) AS INTEGER)), "
    "substr(a.comment, 2)) ELSE a.comment END "
    "FROM alert_actions AS a WHERE a.alert_id = ? ORDER BY a.at, a.id")


def alert_history(engine: Engine, alert_id: int) -> list[AlertAction]:
    """An alert's history, oldest first (data time for the evaluation's lines, wall clock for people's)."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(_HISTORY, (alert_id,)).all()
    return [AlertAction(a, action, actor, role or "", from_unix(at), comment)  # type: ignore[arg-type]
            for a, action, actor, role, at, comment in rows]


def _seconds(moment: datetime) -> int:
    value = to_unix(moment)
    assert value is not None
    return value


# --- people's actions --------------------------------------------------------------------------------------------

def acknowledge(engine: Engine, alert_id: int, comment: str, actor: str, role: str, now: datetime) -> AlertView:
    """``actor`` acknowledges an open alert with a comment (services.alerts.handling says who may and what)."""
    handling.check_role(role, "acknowledge")
    text = handling.clean_text(comment, "comment")
    at = _seconds(now)
    with write_transaction(engine) as conn:
        row = conn.exec_driver_sql("SELECT state, acknowledged_by FROM alerts WHERE id = ?", (alert_id,)).first()
        if row is None:
            raise LookupError(f"no alert {alert_id}")
        handling.check_acknowledge(row[0], row[1])
        conn.exec_driver_sql("UPDATE alerts SET state = 'acknowledged', acknowledged_by = ?, acknowledged_role = ?, "
                             "acknowledged_at = ?, ack_comment = ?, updated_at = ? WHERE id = ?",
                             (actor, role, at, text, at, alert_id))
        add_actions(conn, [(alert_id, "acknowledged", actor, role, at, text)])
        alert_outbox.queue_acknowledge(conn, alert_id, actor, role, text, at)
        return alert_view(conn, alert_id, now)


def silence_rule(engine: Engine, rule_id: str, scope_key: str | None, until: datetime, reason: str, actor: str,
                 role: str, now: datetime) -> Silence:
    """Silence a known rule (for one scope, or all) from now until ``until``, with the reason everyone sees; the
    rule's alerts not cleared get a "silenced" line."""
    handling.check_role(role, "silence")
    text = handling.clean_text(reason, "reason")
    scope = handling.clean_scope(scope_key)
    start, end = _seconds(now), _seconds(until)
    handling.check_silence_window(start, end)
    with write_transaction(engine) as conn:
        if conn.exec_driver_sql("SELECT 1 FROM alert_rules WHERE rule_id = ?", (rule_id,)).first() is None:
            raise handling.unknown_rule(rule_id)
        silence_id = int(conn.exec_driver_sql(
            "INSERT INTO alert_silences (uid, rule_id, scope_key, starts_at, until, reason, actor, role, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (uuid.uuid4().hex, rule_id, scope, start, end, text, actor, role, start)).lastrowid)
        alert_outbox.queue_silence(conn, silence_id, start)
        _note_on_alerts(conn, rule_id, scope, "silenced", actor, role, start, text)
        row = conn.exec_driver_sql(f"SELECT {_SILENCE_COLUMNS} FROM alert_silences WHERE id = ?",
                                   (silence_id,)).one()
    return SilenceRow(*row).view()


def end_silence(engine: Engine, silence_id: int, actor: str, role: str, now: datetime) -> None:
    """End a silence in force now (its end moves to now; who ended it is kept)."""
    handling.check_role(role, "end a silence")
    at = _seconds(now)
    with write_transaction(engine) as conn:
        row = conn.exec_driver_sql("SELECT rule_id, scope_key, starts_at, until FROM alert_silences WHERE id = ?",
                                   (silence_id,)).first()
        if row is None:
            raise LookupError(f"no silence {silence_id}")
        rule_id, scope, starts_at, until = row
        handling.check_silence_in_force(starts_at, until, at)
        conn.exec_driver_sql("UPDATE alert_silences SET until = max(?, starts_at + 1), ended_by = ?, ended_at = ? "
                             "WHERE id = ?", (at, actor, at, silence_id))
        alert_outbox.queue_end_silence(conn, silence_id, actor, role, at)
        _note_on_alerts(conn, rule_id, scope, "unsilenced", actor, role, at, None)


def _note_on_alerts(conn: Connection, rule_id: str, scope: str | None, action: str, actor: str, role: str, at: int,
                    comment: str | None) -> None:
    ids = [r[0] for r in conn.exec_driver_sql(
        "SELECT id FROM alerts WHERE state != 'cleared' AND rule_id = ?1 AND (?2 IS NULL OR scope_key = ?2)",
        (rule_id, scope)).all()]
    add_actions(conn, [(alert_id, action, actor, role, at, comment) for alert_id in ids])


def active_silences(engine: Engine, now: datetime) -> list[Silence]:
    """The silences in force at ``now``, ending soonest first."""
    with engine.connect() as conn:
        return [row.view() for row in silences_at(conn, _seconds(now))]
