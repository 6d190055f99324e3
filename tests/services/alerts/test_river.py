"""River rules on real stores: a gauge at or above its own bank-full or city-flood level (or over ThaiWater's bank
where it has none), N hours to raise, M hours below the margin to clear, and a rise faster than R m/h."""

from __future__ import annotations

from services.store import Store

from tests.services.alerts.conftest import alerts_by, at, levels, rules, set_thresholds

P1 = {"bank_full_m": 3.70, "flood_m": 4.20}  # what the store writes for P.1 when it first sees it


def _level_rule(**overrides: object) -> dict[str, object]:
    return {"id": "bank", "kind": "river", "level": "bank_full", "clear_margin_m": 0.2, "clear_hours": 2,
            "quiet_minutes": 0, **overrides}


def test_at_the_threshold_counts_as_at_bank_full_a_centimetre_below_does_not(store: Store) -> None:
    ten_minutes = [3.60] * 36
    at_bank = list(ten_minutes)
    at_bank[13] = 3.70  # 02:10-03:00: the hour ending at 03:00, its highest reading
    store.ingest_river(levels("P.1", at_bank, 0, every_min=10) + levels("near", [3.69] * 36, 0, every_min=10))
    set_thresholds(store, "near", P1)
    store.evaluate_alerts(rules(_level_rule(clear_hours=3)), at(6))
    [alert] = alerts_by(store).values()
    assert (alert.scope_kind, alert.scope_key, alert.first_at, alert.value) == ("gauge", "P.1", at(3), 3.70)
    assert alert.message_en == "Level 3.70 m, 0.00 m above bank-full (3.70 m)"
    assert alert.message_th == "ระดับน้ำ 3.70 ม. ถึงระดับเต็มตลิ่ง (3.70 ม.) เกินมา 0.00 ม."


def test_n_hours_to_raise_and_m_hours_below_the_margin_to_clear(store: Store) -> None:
    # hour:  1    2    3    4    5    6    7     8     9    10    11
    store.ingest_river(levels("P.1", [3.0, 3.8, 3.0, 3.8, 3.8, 3.6, 3.50, 3.45, 3.60, 3.45, 3.45]))
    store.evaluate_alerts(rules(_level_rule(for_hours=2)), at(11))
    [alert] = alerts_by(store).values()
    assert alert.first_at == at(5)  # hour 2 alone is one hour: the 2nd in a row is hour 5
    # 3.50 is the margin itself, not below it; 3.45 at 8 is one hour, broken at 9; 10 and 11 clear it.
    assert (alert.state, alert.cleared_at) == ("cleared", at(11))


def test_the_city_flood_level_is_critical_and_sounds(store: Store) -> None:
    store.ingest_river(levels("P.1", [4.10, 4.25, 4.30]))
    result = store.evaluate_alerts(rules(_level_rule(id="flood", level="flood", severity="critical")), at(3))
    [alert] = alerts_by(store).values()
    assert result.high == (alert.id,) == result.raised
    assert (alert.severity, alert.first_at, alert.value) == ("critical", at(2), 4.25)
    assert alert.message_en == "Level 4.25 m, 0.05 m above city flooding (4.20 m)"


def test_a_gauge_without_its_own_levels_is_read_by_its_distance_to_the_bank(store: Store) -> None:
    store.ingest_river(levels("CHM002", [None, None, None], bank_diff=[-0.5, 0.1, 0.2]))
    rule_set = rules(_level_rule(), _level_rule(id="flood", level="flood"))
    store.evaluate_alerts(rule_set, at(3))
    assert set(alerts_by(store, "flood")) == set()  # no city-flood level of its own: not judged
    [alert] = alerts_by(store, "bank").values()
    assert (alert.scope_key, alert.first_at, alert.value) == ("CHM002", at(2), 0.1)
    assert alert.message_en == "0.10 m over the bank (ThaiWater's bank level)"


def test_a_rise_must_be_faster_than_the_rate(store: Store) -> None:
    steady = [2.00 + 0.15 * h for h in range(8)]  # exactly 0.15 m/h: not faster
    fast = [2.00 + 0.16 * h for h in range(5)] + [2.64, 2.65, 2.66, 2.67, 2.68]
    store.ingest_river(levels("P.73", steady, msl_zero=268.3, local=False)
                       + levels("P.67", fast, msl_zero=309.8, local=False))
    rule = {"id": "rise", "kind": "river", "rise_m_per_h": 0.15, "rate_hours": 3, "clear_rise_m_per_h": 0.05,
            "clear_hours": 3, "quiet_minutes": 0}
    store.evaluate_alerts(rules(rule), at(10))
    [alert] = alerts_by(store).values()
    assert (alert.scope_key, alert.first_at, alert.value) == ("P.67", at(4), 0.16)  # (2.48 - 2.00) / 3 at hour 4
    assert alert.message_en == "Rising 0.16 m/h over the last 3 h (threshold 0.15 m/h)"
    # Rates at 5..10: 0.16, 0.107, 0.057, 0.007, 0.01, 0.01: 0.05 or slower from hour 8, so cleared at 10.
    assert (alert.state, alert.cleared_at) == ("cleared", at(10))


def test_the_hour_still_going_raises_at_once_and_never_clears(store: Store) -> None:
    flood = _level_rule(id="flood", level="flood", severity="critical", clear_margin_m=0.1, clear_hours=1)
    rule_set = rules(flood)
    store.ingest_river(levels("P.1", [4.0] * 14, 0, every_min=10) + levels("P.1", [4.25, 4.31], 2 + 1 / 3,
                                                                             every_min=10))
    # 02:20 and 02:30 are over 4.20. At 02:25 the hour ending 03:00 is still going: raised now, stamped now.
    first = store.evaluate_alerts(rule_set, at(2 + 25 / 60))
    [alert] = alerts_by(store).values()
    assert first.raised == first.high == (alert.id,)
    assert (alert.first_at, alert.last_at, alert.value) == (at(2 + 25 / 60),) * 2 + (4.25,)  # 02:30 not yet read
    # Later in the hour: the hour's highest so far, the same alert and the same time first seen.
    assert not store.evaluate_alerts(rule_set, at(2 + 50 / 60)).raised
    alert = store.alert(alert.id)
    assert (alert.first_at, alert.value) == (at(2 + 25 / 60), 4.31)
    # Below the margin from 02:40 on: the hour still going never clears; once it is over, it does.
    store.ingest_river(levels("P.1", [4.0] * 6, 2 + 2 / 3, every_min=10))
    assert store.evaluate_alerts(rule_set, at(3.5)).cleared == ()  # hour 03:00 had 4.31: above; 04:00 is going
    assert store.evaluate_alerts(rule_set, at(4.0)).cleared == (alert.id,)
    cleared = store.alert(alert.id)
    assert (cleared.first_at, cleared.cleared_at) == (at(2 + 25 / 60), at(4))
    assert [(h.action, h.at) for h in store.alert_history(alert.id)] == [("raised", at(2 + 25 / 60)),
                                                                         ("cleared", at(4))]
