"""Evaluation over the store: the same data twice changes nothing, hour-by-hour evaluation agrees with one at the
end, a catch-up import of a saved payload raises and clears at the data's times, the quiet period reopens, silences
start and end, and one rule and scope never hold two open alerts."""

from __future__ import annotations

import json
import math
import random
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from services.feeds.thai_time import BANGKOK
from services.importer import import_file
from services.store import Store, open_store

from tests.services.alerts.conftest import (
    T0,
    alerts_by,
    at,
    hotspot,
    hourly,
    levels,
    pm25_rule,
    rules,
    set_thresholds,
)

FLOOD = {"id": "flood", "kind": "river", "level": "flood", "severity": "critical", "clear_margin_m": 0.1,
         "clear_hours": 2, "quiet_minutes": 0}


def _mixed_rules():  # type: ignore[no-untyped-def]
    return rules(pm25_rule(quiet_minutes=240), {**FLOOD, "quiet_minutes": 120},
                 {"id": "rise", "kind": "river", "rise_m_per_h": 0.1, "rate_hours": 2, "quiet_minutes": 60},
                 {"id": "near", "kind": "fire", "near": ["cmu"], "radius_km": 5, "clear_hours": 4},
                 {"id": "silent", "kind": "data", "scope": "station", "silent_hours": 5})


FIRST_HOUR, LAST_HOUR = 5 * 24 + 1, 12 * 24  # a week of data, ending at a midnight


def _random_world(store: Store, seed: int) -> None:
    """A week in which PM2.5 and the river wander across the rules' levels, with gaps, and fires near CMU."""
    rng = random.Random(seed)
    hours = LAST_HOUR - FIRST_HOUR + 1
    for code in ("a", "b"):
        level, values = 75.0, []
        for _ in range(hours):
            level = min(max(level + rng.gauss(0, 6), 5.0), 160.0)
            values.append(None if rng.random() < 0.08 else round(level, 1))
        store.ingest_air(hourly(code, values, FIRST_HOUR))
    stage, river = 3.5, []
    for _ in range(hours * 6):
        stage = min(max(stage + rng.gauss(0, 0.05), 2.0), 5.0)
        river.append(round(stage, 2))
    store.ingest_river(levels("P.1", river, FIRST_HOUR, every_min=10, msl_zero=299.9))
    store.ingest_hotspots([hotspot(rng.uniform(FIRST_HOUR, LAST_HOUR), 18.8063 + rng.uniform(-0.05, 0.05),
                                   98.9511, rng.choice("lnh")) for _ in range(40)])


def _hour(moment: datetime | None) -> datetime | None:
    """The hour a time falls in (its end): an evaluation inside an hour stamps what it finds with its own time."""
    return None if moment is None else at(math.ceil((moment - T0) / timedelta(hours=1)))


def _summary(store: Store) -> list[tuple[object, ...]]:
    return sorted((a.rule_id, a.scope_key, a.state, _hour(a.first_at), _hour(a.last_at), _hour(a.cleared_at),
                   a.occurrences, a.value, a.message_en,
                   tuple((h.action, _hour(h.at)) for h in store.alert_history(a.id))) for a in store.alerts())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hour_by_hour_evaluation_agrees_with_one_at_the_end_and_twice_changes_nothing(tmp_path: Path,
                                                                                      seed: int) -> None:
    rule_set = _mixed_rules()
    with open_store(tmp_path / "once.sqlite3") as once, open_store(tmp_path / "hourly.sqlite3") as stepwise:
        for store in (once, stepwise):
            _random_world(store, seed)
        # The evaluation at the end looks back a week, to the midnight before the data; the hourly ones start
        # before the data and go on through the week, each from the state the one before saved.
        end = at(LAST_HOUR)
        moment = at(FIRST_HOUR - 5.5)
        while moment < end:
            stepwise.evaluate_alerts(rule_set, moment)
            moment += timedelta(minutes=97)
        stepwise.evaluate_alerts(rule_set, end)
        first = once.evaluate_alerts(rule_set, end)
        assert first.raised and _summary(once) == _summary(stepwise)
        assert {a.rule_id for a in once.alerts()} >= {"pm25", "flood", "rise"}
        before = _summary(once)
        again = once.evaluate_alerts(rule_set, end)
        assert not again.changed and again.high == () and _summary(once) == before


def _history_payload(code: str, values: dict[int, float]) -> str:
    rows = [{"DATETIMEDATA": at(h).astimezone(BANGKOK).strftime("%Y-%m-%d %H:00:00"), "PM25": v}
            for h, v in sorted(values.items())]
    return json.dumps({"result": "OK", "error": "", "stations": [{"stationID": code, "params": ["PM25"],
                                                                   "data": rows}]})


def test_a_catch_up_import_raises_and_clears_at_the_datas_own_times(store: Store, tmp_path: Path) -> None:
    rule_set = rules(pm25_rule())
    store.ingest_air(hourly("35t", [30.0] * 10))
    assert not store.evaluate_alerts(rule_set, at(10.2)).changed  # the console, before the outage
    assert not store.evaluate_alerts(rule_set, at(60.2)).changed  # during it: no data, nothing
    # After the outage, a saved Air4Thai history payload of hours 11-60: a haze spell of 30 hours, then clean air.
    saved = tmp_path / "air4thai-history.json"
    saved.write_text(_history_payload("35t", {h: 100.0 if h <= 40 else 20.0 for h in range(11, 61)}),
                     encoding="utf-8")
    summary = import_file(lambda: open_store(store.path), "air4thai-history", saved)
    assert (summary.accepted, summary.rejected) == (50, 0)
    result = store.evaluate_alerts(rule_set, at(61.2))
    [alert] = alerts_by(store).values()
    assert result.raised == (alert.id,) and result.cleared == (alert.id,) and result.high == ()
    # 16 hours of 100 among 8 of 30 first take the mean above 75 (hour 26), the third such hour raises; 16 hours of
    # 20 take it below 50 (hour 56), the third clears.
    assert (alert.first_at, alert.cleared_at, alert.state) == (at(28), at(58), "cleared")
    assert [(h.action, h.actor, h.at) for h in store.alert_history(alert.id)] == [
        ("raised", "system", at(28)), ("cleared", "system", at(58))]
    assert not store.evaluate_alerts(rule_set, at(61.5)).changed


def test_a_new_trigger_within_the_quiet_period_reopens_and_after_it_raises_anew(tmp_path: Path) -> None:
    # Raised at 1, cleared at 3 (two hours below 4.10), above again at 6: three hours after the clear.
    series = [4.3, 4.0, 4.0, 4.0, 4.0, 4.3]
    for quiet, alerts in ((180, 1), (179, 2)):
        with open_store(tmp_path / f"quiet{quiet}.sqlite3") as store:
            store.ingest_river(levels("P.1", series))
            rule_set = rules({**FLOOD, "quiet_minutes": quiet})
            outcomes = [store.evaluate_alerts(rule_set, at(h + 0.1)) for h in range(1, 7)]
            found = store.alerts()
            assert len(found) == alerts and outcomes[2].cleared == (found[-1].id,)
            newest = found[0]
            assert newest.state == "open" and newest.first_at == (at(1) if alerts == 1 else at(6))
            if alerts == 1:
                assert outcomes[5].reopened == outcomes[5].high == (newest.id,) and outcomes[5].raised == ()
                assert (newest.occurrences, newest.last_at) == (2, at(6))
                assert [h.action for h in store.alert_history(newest.id)] == ["raised", "cleared", "reopened"]
            else:
                assert outcomes[5].raised == outcomes[5].high == (newest.id,) and outcomes[5].reopened == ()


def test_silences_keep_alerts_recorded_but_quiet_until_they_end(store: Store) -> None:
    rule_set = rules(FLOOD)
    store.evaluate_alerts(rule_set, at(0))  # the console knows its rules before anyone silences one
    silence = store.silence_rule("flood", "P.1", at(10), "Levee works: the gauge reads high", "somchai", "supervisor",
                                 at(0.5))
    assert (silence.rule_id, silence.scope_key, silence.starts_at, silence.until, silence.actor) == (
        "flood", "P.1", at(0.5), at(10), "somchai")
    store.ingest_river(levels("P.1", [4.3, 4.3, 4.3]) + levels("P.67", [4.3, 4.3, 4.3]))
    set_thresholds(store, "P.67", {"flood_m": 4.2})
    result = store.evaluate_alerts(rule_set, at(3.1))
    found = {a.scope_key: a for a in store.alerts(now=at(3.1))}
    assert set(result.raised) == {found["P.1"].id, found["P.67"].id}  # recorded all the same
    assert result.high == (found["P.67"].id,)  # but only the other one sounds
    assert found["P.1"].silenced_until == at(10) and found["P.67"].silenced_until is None
    assert store.active_silences(at(3.1)) == [silence]
    assert store.active_silences(at(10)) == []  # it ends by itself
    assert store.alert(found["P.1"].id, now=at(10)).silenced_until is None

    store.end_silence(silence.id, "nattaya", "operator", at(4))
    assert store.active_silences(at(4)) == []
    assert store.active_silences(at(0.5))[0].until == at(4)  # the end moved to when it was ended
    history = store.alert_history(found["P.1"].id)
    assert [(h.action, h.actor, h.role, h.at) for h in history][-1] == ("unsilenced", "nattaya", "operator", at(4))
    # Silenced for every scope: a new critical alert is recorded, and quiet.
    everywhere = store.silence_rule("flood", None, at(20), "Drill", "somchai", "supervisor", at(4.5))
    store.ingest_river(levels("P.73", [4.3]) + levels("P.73", [4.3], 5))
    set_thresholds(store, "P.73", {"flood_m": 4.2})
    later = store.evaluate_alerts(rule_set, at(5.1))
    assert len(later.raised) == 1 and later.high == ()
    assert store.alert(later.raised[0], now=at(5.1)).silenced_until == everywhere.until


def test_one_rule_and_scope_never_hold_two_open_alerts(store: Store) -> None:
    store.ingest_river(levels("P.1", [4.3, 4.3]))
    store.evaluate_alerts(rules(FLOOD), at(2))
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        with sqlite3.connect(store.path) as conn:
            conn.execute("INSERT INTO alerts (uid, rule_id, kind, severity, state, scope_kind, scope_key, first_at, "
                         "last_at, message_th, message_en, updated_at) SELECT 'x', rule_id, kind, severity, 'open', "
                         "scope_kind, scope_key, first_at, last_at, '', '', updated_at FROM alerts")


def test_a_changed_rule_keeps_its_alerts_and_one_no_longer_watching_a_scope_clears_it(store: Store) -> None:
    store.ingest_air(hourly("a", [100.0] * 30) + hourly("b", [100.0] * 30))
    store.evaluate_alerts(rules(pm25_rule()), at(30))
    before = alerts_by(store)
    assert before["a"].first_at == at(20)  # means from hour 18, the third hour above
    # Two more hours needed now: the same alert, raised later; station b left out of the rule's province.
    store.ingest_air(hourly("b", [100.0], 31, area_en="Nai Mueang, Mueang, Lamphun"))
    result = store.evaluate_alerts(rules(pm25_rule(for_hours=5)), at(31))
    after = alerts_by(store)
    assert after["a"].id == before["a"].id and after["a"].first_at == at(22) and after["a"].state == "open"
    assert result.cleared == (before["b"].id,) and result.raised == ()
    assert (after["b"].state, after["b"].cleared_at) == ("cleared", before["b"].last_at)
    assert store.alerts("open", now=at(31)) == [after["a"]]
