"""Episodes of a replay against the stored alerts of the same rule and scope: what to insert, update and record.

Hourly rules' events are at hour ends (the hour's label, services.alerts.series). The hour still going is evaluated
too, so a river over its threshold at 14:10 raises at the sync after it, not after 15:00: an event in it is recorded
at the evaluation's time, never in the future, and is the same event as the complete hour's later (events and
alert times are compared by the hour they fall in).

A replay of the same data finds the same episodes, so reconciling them again writes nothing: an episode continues
the alert its seed named, or takes the stored alert whose time span it overlaps, and only the history lines not
already there are added (an evaluation line is its alert, action and data time). What the data no longer supports
is not deleted: an operator may have acted on it. A stored alert still open that no episode continues is cleared at
its last occurrence, so one rule and scope never have two open alerts; so is one whose scope the rule no longer
watches (a gauge whose threshold was removed, a feed no longer polled, a landmark taken off the rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from services.alerts.machine import Episode, Event
from services.alerts.model import HIGH_SEVERITIES, EvaluationResult
from services.alerts.rules import Rule
from services.alerts.series import Describe, Scope, hour_end
from services.store import alerts as store
from services.store.alerts import SYSTEM, SilenceRow, StoredAlert

_OCCURRENCES = ("raised", "reopened", "occurred")
_FOREVER = 2**62


@dataclass
class Outcome:
    """What one evaluation changed, gathered across rules and scopes."""

    known_actions: dict[int, set[tuple[str, int]]]  # alert -> (action, time) of its evaluation lines
    now: int
    raised: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)
    touched: dict[int, tuple[str, str, str, bool]] = field(default_factory=dict)  # id -> rule, scope, severity, on

    def result(self, silences: Sequence[SilenceRow]) -> EvaluationResult:
        """The result; ``high`` leaves out alerts silenced now and those already cleared again."""
        high = []
        for alert_id in (*self.raised, *self.reopened):
            rule_id, scope_key, severity, active = self.touched[alert_id]
            if severity in HIGH_SEVERITIES and active and store.silenced_until(silences, rule_id, scope_key) is None:
                high.append(alert_id)
        return EvaluationResult(tuple(self.raised), tuple(self.reopened), tuple(self.updated), tuple(self.cleared),
                                tuple(high))


@dataclass(frozen=True)
class _Times:
    """How an episode's event times are written and compared: hour labels (hourly rules) or as they are."""

    now: int
    hourly: bool

    def stamp(self, at: int) -> int:
        return min(at, self.now) if self.hourly else at

    def key(self, at: int | None) -> int | None:
        return hour_end(at) if self.hourly and at is not None else at


def reconcile(conn: Connection, rule: Rule, scope: Scope, episodes: list[Episode], stored: Sequence[StoredAlert],
              describe: Describe, *, since: int, outcome: Outcome, hourly: bool = True) -> None:
    """Write ``episodes`` (of a replay of the hours after ``since``; ``hourly`` False: events at any time) over
    ``stored`` (this rule and scope's alerts that the replay may touch, oldest first); fills in each episode's
    ``alert_id``."""
    times = _Times(outcome.now, hourly)
    by_id = {a.id: a for a in stored}
    _match(episodes, [a for a in stored if a.first_at > since], times)
    kept = {e.alert_id for e in episodes}
    for alert in stored:
        if alert.id not in kept and alert.state != "cleared":
            retire(conn, alert, outcome)
    for episode in episodes:
        _write(conn, rule, scope, episode, by_id.get(episode.alert_id) if episode.alert_id else None, describe,
               times, outcome)


def _match(episodes: list[Episode], candidates: list[StoredAlert], times: _Times) -> None:
    """New episodes take the stored alerts raised in the window whose time spans they overlap, in order."""
    taken = {e.alert_id for e in episodes if e.alert_id is not None}
    free = [a for a in candidates if a.id not in taken]
    for episode in episodes:
        if episode.alert_id is not None or episode.first_at is None:
            continue
        ends = [e.at for e in episode.events if e.action == "cleared"]
        end = _FOREVER if episode.active or not ends else ends[-1]
        for alert in free:
            first, cleared = times.key(alert.first_at), times.key(alert.cleared_at)
            if first is not None and first <= end and (cleared or _FOREVER) >= episode.first_at:
                episode.alert_id = alert.id
                free.remove(alert)
                break


def retire(conn: Connection, alert: StoredAlert, outcome: Outcome) -> None:
    """Clear an alert the data or the rule no longer supports, at its last occurrence."""
    store.update_alert(conn, alert.id, {"state": "cleared", "cleared_at": alert.last_at, "updated_at": outcome.now})
    _record(conn, alert.id, [Event("cleared", alert.last_at, 0, 0, 0)], _Times(outcome.now, False), outcome)
    outcome.cleared.append(alert.id)


def _record(conn: Connection, alert_id: int, events: Sequence[Event], times: _Times, outcome: Outcome
            ) -> list[Event]:
    """Add the events not in the alert's history yet (the same action in the same hour, for an hourly rule);
    returns them."""
    lines = outcome.known_actions.setdefault(alert_id, set())
    known = {(action, times.key(at)) for action, at in lines}
    new = [e for e in events if (e.action, times.key(e.at)) not in known]
    rows = [(alert_id, e.action, SYSTEM, None, times.stamp(e.at), None) for e in new]
    store.add_actions(conn, rows)
    lines.update((action, at) for _alert, action, _actor, _role, at, _note in rows)
    return new


def _write(conn: Connection, rule: Rule, scope: Scope, episode: Episode, alert: StoredAlert | None,
           describe: Describe, times: _Times, outcome: Outcome) -> None:
    now = outcome.now
    occurred = [e for e in episode.events if e.action in _OCCURRENCES]
    cleared = [times.stamp(e.at) for e in episode.events if e.action == "cleared"]
    fields: dict[str, Any] = {
        "severity": rule.severity, "rule_name_th": rule.name_th, "rule_name_en": rule.name_en,
        "scope_name_th": scope.name_th, "scope_name_en": scope.name_en, "occurrences": episode.occurrences,
        "cleared_at": None if episode.active else (cleared[-1] if cleared else alert.cleared_at if alert else None),
    }
    latest = occurred[-1] if occurred else None
    if latest is not None and (alert is None or latest.at >= (times.key(alert.last_at) or 0)):
        value, message_th, message_en, *place = describe(latest.i, latest.above_run)
        fields.update(last_at=times.stamp(latest.at), value=value, message_th=message_th, message_en=message_en)
        if place:  # where it was when it occurred (a province's worst station), with its words
            fields.update(lat=place[0][0], lon=place[0][1])
    if scope.lat is not None:  # a scope with a place of its own (a station, a gauge, a district)
        fields.update(lat=scope.lat, lon=scope.lon)
    if episode.first_at is not None:
        fields["first_at"] = times.stamp(episode.first_at)
    if alert is not None:
        for name in ("first_at", "last_at", "cleared_at"):  # the same hour as stored: the time first seen stays
            if name in fields and times.key(fields[name]) == times.key(getattr(alert, name)):
                fields[name] = getattr(alert, name)
    if alert is None:
        if latest is None or episode.first_at is None:
            return  # nothing raised it in this replay, and no stored alert to continue
        fields.update(rule_id=rule.id, kind=rule.kind, scope_kind=scope.kind, scope_key=scope.key,
                      state="open" if episode.active else "cleared", updated_at=now)
        alert_id = store.insert_alert(conn, fields)
        episode.alert_id = alert_id
        _record(conn, alert_id, episode.events, times, outcome)
        outcome.raised.append(alert_id)
        if not episode.active:
            outcome.cleared.append(alert_id)
        outcome.touched[alert_id] = (rule.id, scope.key, rule.severity, episode.active)
        return
    new = _record(conn, alert.id, episode.events, times, outcome)
    reopened = any(e.action == "reopened" for e in new)
    if not episode.active:
        fields["state"] = "cleared"
    elif reopened or alert.state == "cleared":
        fields.update(state="open", acknowledged_by=None, acknowledged_role=None, acknowledged_at=None,
                      ack_comment=None)
    changed = {k: v for k, v in fields.items() if getattr(alert, k, _Unread) != v}
    if changed:
        store.update_alert(conn, alert.id, {**changed, "updated_at": now})
    if reopened:
        outcome.reopened.append(alert.id)
    elif episode.occurrences > alert.occurrences:
        outcome.updated.append(alert.id)
    if not episode.active and alert.state != "cleared":
        outcome.cleared.append(alert.id)
    outcome.touched[alert.id] = (rule.id, scope.key, rule.severity, episode.active)


class _Unread:
    """A column the stored summary does not carry (the acknowledgement): always written when asked."""
