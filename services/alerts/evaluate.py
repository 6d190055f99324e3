"""Evaluating the alert rules on stored data: after each sync lands and at start, on the console's database worker.

The rules look at the data's own times, never its arrival: each rule replays, scope by scope, the hours of a
lookback window (:data:`LOOKBACK`, from a UTC midnight to the hour ``now`` is in) through the hysteresis
machine (services.alerts.machine), starting from the machine's state saved at that midnight by an earlier
evaluation (none is saved for a machine that is off and counting nothing: the stored alerts say as much). The
episodes it finds are reconciled with the stored alerts (services.alerts.reconcile), so

- evaluating the same data again changes nothing;
- data imported late (a saved payload after an outage, a history back-fill) raises and clears alerts at the hours
  it describes, as long as they are inside the window: a week, the longest the history feeds back-fill;
- an evaluation at start after a long pause (no saved state that old) starts from the stored alerts: one still open
  goes on, a run in progress at the window's start is counted from there.

The hour still going counts as far as it can (:func:`_provisional`): a river's highest level and new hotspots
raise at once, stamped with ``now``; nothing clears before its hour is over; a mean or a rise waits for its hour.
Feed staleness is the exception to hours altogether: only the feed's state at ``now`` tells (services.alerts.data).

Everything is one write transaction on the edit engine: the alerts, their history and the machines' states are
written together or not at all. Reads are bounded windows through indexes (services.store.alert_windows).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection

from services.alerts.context import default_context
from services.alerts.data import silent_rows, stale_feeds
from services.alerts.fire import fire_rows
from services.alerts.machine import MachineState, RunsOf, kinds, replay
from services.alerts.model import EvaluationResult
from services.alerts.pm25 import pm25_rows
from services.alerts.reconcile import Outcome, reconcile, retire
from services.alerts.river import river_rows
from services.alerts.rules import DataRule, FireRule, Pm25Rule, RiverRule, Rule, RuleContext, RuleSet
from services.alerts.series import ScopeRows, Window, hour_end
from services.alerts.window_data import WindowData
from services.store import alerts as store
from services.store.alerts import Checkpoints, StoredAlert
from services.store.database import write_transaction
from services.store.schema import to_unix

LOOKBACK = timedelta(days=7)


def evaluate(source: Any, rules: RuleSet | Sequence[Rule], now: datetime) -> EvaluationResult:
    """Evaluate the enabled ``rules`` at ``now`` (aware) on a Store (in its own transaction) or on a Connection
    already in a write transaction; returns what changed."""
    rule_set = rules if isinstance(rules, RuleSet) else RuleSet(tuple(rules))
    now_s = to_unix(now)
    assert now_s is not None
    if isinstance(source, Connection):
        return _evaluate(source, rule_set, now_s)
    with write_transaction(source.edit_engine) as conn:
        return _evaluate(conn, rule_set, now_s)


def fingerprint(rule: Rule) -> str:
    return hashlib.sha256(rule.fingerprint().encode("utf-8")).hexdigest()[:16]


def _evaluate(conn: Connection, rule_set: RuleSet, now: int) -> EvaluationResult:
    context = rule_set.context or default_context()
    window = Window.ending(now, int(LOOKBACK.total_seconds()))
    enabled = rule_set.enabled()
    store.sync_rules(conn, [(r.id, r.kind, r.severity, r.name_th, r.name_en, r.enabled) for r in rule_set.rules], now)
    data = WindowData(conn, window,
                      river_lead_h=max([r.rate_hours for r in enabled if isinstance(r, RiverRule)], default=0),
                      fire_lead_h=max([r.window_hours - 1 for r in enabled
                                       if isinstance(r, FireRule) and r.district_count is not None], default=0),
                      river_bank=any(isinstance(r, RiverRule) and r.level == "bank_full" for r in enabled))
    quiet = max([r.quiet_minutes * 60 for r in enabled], default=0)
    stored = store.relevant_alerts(conn, [r.id for r in enabled], window.start - quiet)
    by_scope: dict[tuple[str, str], list[StoredAlert]] = defaultdict(list)
    for alert in stored:
        by_scope[(alert.rule_id, alert.scope_key)].append(alert)
    checkpoints = store.load_checkpoints(conn, window.start)
    outcome = Outcome(store.system_actions(conn, (a.id for a in stored)), now)
    saved: Checkpoints = {}
    for rule in enabled:
        mine_all = {key: alerts for (rule_id, key), alerts in by_scope.items() if rule_id == rule.id}
        watched: set[str] = set()
        if isinstance(rule, DataRule) and rule.stale_factor is not None:
            latest = {key: alerts[-1] for key, alerts in mine_all.items() if alerts}
            for scope, episodes, describe in stale_feeds(rule, data.feeds, context, latest, now):
                watched.add(scope.key)
                reconcile(conn, rule, scope, episodes, by_scope[(rule.id, scope.key)], describe, since=now,
                          outcome=outcome, hourly=False)
            watched.update(_polled(rule, data, context))
        else:
            watched.update(_replay_rule(conn, rule, data, context, checkpoints, by_scope, outcome, saved))
        for key, alerts in mine_all.items():
            if key not in watched:
                for alert in alerts:
                    if alert.state != "cleared":
                        retire(conn, alert, outcome)
    store.write_checkpoints(conn, checkpoints, saved, keep=window.start)
    return outcome.result(store.silences_at(conn, now))


def _polled(rule: DataRule, data: WindowData, context: RuleContext) -> set[str]:
    """The feeds a stale rule watches (the console polls them and the rule names them)."""
    return {f.feed for f in data.feeds if f.feed in context.feeds and (rule.feeds == "all" or f.feed in rule.feeds)}


def _replay_rule(conn: Connection, rule: Rule, data: WindowData, context: RuleContext, checkpoints: Checkpoints,
                 by_scope: dict[tuple[str, str], list[StoredAlert]], outcome: Outcome, saved: Checkpoints
                 ) -> set[str]:
    """Replay an hourly rule over every scope it watches, adding the machines' states to ``saved``; returns the
    scopes' keys.

    Only a state that is on, or on its way to a trigger, is saved: one that is off and counting nothing is what
    the stored alerts say (:func:`_seed`), so a quiet week writes nothing, and a quiet scope is not replayed."""
    window = data.window
    boundaries = window.day_boundaries()
    grid = window.grid()
    mark = fingerprint(rule)
    made = _scope_rows(rule, data, context)
    if window.partial:
        made = _provisional(rule, made)
    triggers = made.above.any(axis=1).tolist()
    runs = RunsOf(kinds(made.value, made.above, made.below))
    for_hours, clear_hours = getattr(rule, "for_hours", 1), getattr(rule, "clear_hours", 1)
    watched = set()
    for k, scope in enumerate(made.scopes):
        key = scope.key
        watched.add(key)
        mine = by_scope.get((rule.id, key), [])
        checkpoint = checkpoints.get((rule.id, key, window.start))
        if not triggers[k] and checkpoint is None and not mine:
            continue  # nothing can happen (the seed is off and counts nothing): the common case, decided at once
        seed = _seed(checkpoint, mark, mine, window.start)
        if not seed.active and not triggers[k] and all(a.state == "cleared" for a in mine):
            continue  # nothing can happen: no trigger, nothing on to clear or count
        run = replay(made.hours(grid, k), seed, for_hours=for_hours, clear_hours=clear_hours,
                     quiet_s=rule.quiet_minutes * 60, checkpoint_at=boundaries, runs=runs[k])
        reconcile(conn, rule, scope, run.episodes, mine, made.describe(k), since=window.start, outcome=outcome)
        for at, state, episode in run.checkpoints:
            if state.active or state.run:
                if episode is not None:
                    state.alert_id = episode.alert_id  # known once reconciled: a new alert has its id now
                saved[(rule.id, key, at)] = (mark, state.to_json())
    return watched


def _provisional(rule: Rule, made: ScopeRows) -> ScopeRows:
    """The hours with the one still going made safe: it never clears (a reading above may come yet), and it counts
    at all only where more readings can only add to it (a river's highest level, hotspots); a mean or a rise over
    part of an hour waits for the hour."""
    below = made.below.copy()
    below[:, -1] = False
    if isinstance(rule, FireRule) or (isinstance(rule, RiverRule) and rule.level is not None):
        return replace(made, below=below)
    value, above = made.value.copy(), made.above.copy()
    value[:, -1], above[:, -1] = np.nan, False
    return replace(made, value=value, above=above, below=below)


def _scope_rows(rule: Rule, data: WindowData, context: RuleContext) -> ScopeRows:
    if isinstance(rule, Pm25Rule):
        return pm25_rows(rule, data)
    if isinstance(rule, RiverRule):
        return river_rows(rule, data)
    if isinstance(rule, FireRule):
        return fire_rows(rule, data, context)
    return silent_rows(rule, data)


def _seed(checkpoint: tuple[str, str] | None, mark: str, stored: Sequence[StoredAlert], start: int) -> MachineState:
    """The machine's state at the window's start: the one saved there for these very rule parameters, or else what
    the stored alerts say (the latest one raised by then: still on, or cleared, for the quiet period). The two agree
    for a state that is off and counting nothing, which is why such states are not saved."""
    if checkpoint is not None and checkpoint[0] == mark:
        return MachineState.from_json(checkpoint[1])
    before = [a for a in stored if a.first_at <= start]
    if not before:
        return MachineState()
    alert = before[-1]
    # In hours, as the machine counts: an alert raised or cleared in an hour still going was stamped with the
    # evaluation's time, inside the hour.
    if alert.state != "cleared" or hour_end(alert.cleared_at or 0) > start:
        return MachineState(active=True, was_above=True, alert_id=alert.id, occurrences=alert.occurrences,
                            counted_until=hour_end(alert.last_at))
    return MachineState(alert_id=alert.id, cleared_at=hour_end(alert.cleared_at or 0),
                        occurrences=alert.occurrences, counted_until=hour_end(alert.last_at))
