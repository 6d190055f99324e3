"""PM2.5 rules on real stores: the 24-hour mean of the hourly values, compared like the Thai AQI table, N hours to
raise, M hours below the lower level to clear, one alert per rule and station however the series flaps.

Series are built so the means are known: with a baseline b and k hours of value v in the 24-hour window, the mean
is b + k·(v − b)/24."""

from __future__ import annotations

from services.store import Store

from tests.services.alerts.conftest import alerts_by, at, hourly, pm25_rule, rules


def test_the_level_is_compared_as_the_aqi_table_reads_it(store: Store) -> None:
    store.ingest_air(hourly("a", [75.0] * 23 + [76.2])  # mean 75.05 at hour 24: 75.1 on the table, above 75.0
                     + hourly("b", [75.0] * 23 + [76.0])  # mean 75.04: 75.0 on the table, not above
                     + hourly("c", [75.1] * 24))  # 75.1 from the first mean (18 values, hour 18)
    result = store.evaluate_alerts(rules(pm25_rule(for_hours=1)), at(24))
    found = alerts_by(store)
    assert set(found) == {"a", "c"} and len(result.raised) == 2
    assert (found["a"].first_at, found["a"].value) == (at(24), 75.1)
    assert (found["c"].first_at, found["c"].value) == (at(18), 75.1)
    assert found["a"].message_en == "PM2.5 24-h mean 75.1 µg/m³ above 75.0 for 1 h"
    assert found["a"].message_th == "PM2.5 เฉลี่ย 24 ชม. 75.1 มคก./ลบ.ม. เกิน 75.0 มา 1 ชม."
    assert (found["a"].scope_kind, found["a"].scope_name_en, found["a"].scope_name_th) == (
        "station", "Station a", "สถานี a")


def test_n_minus_one_hours_above_raise_nothing_and_n_hours_do(store: Store) -> None:
    # Baseline 70 with L hours of 80 from hour 31: the mean is above 75 while 13 or more of them are in the window,
    # which is L - 1 hours (hours 43 to L + 41).
    for code, block in (("short", 13), ("long", 14)):
        store.ingest_air(hourly(code, [70.0] * 30 + [80.0] * block + [70.0] * 48))
    rule = pm25_rule(for_hours=13, clear_below=72.0, clear_hours=3)
    store.evaluate_alerts(rules(rule), at(92))
    found = alerts_by(store)
    assert set(found) == {"long"}
    alert = found["long"]
    assert (alert.first_at, alert.value) == (at(55), 75.4)  # the 13th hour above; 13 of 24 hours at 80
    assert alert.message_en == "PM2.5 24-h mean 75.4 µg/m³ above 75.0 for 13 h"
    # Below 72.0 once 4 or fewer are left in the window (hour 64); three hours of that clear it.
    assert (alert.state, alert.cleared_at) == ("cleared", at(66))


def test_it_clears_after_m_hours_below_the_lower_level_not_m_minus_one(store: Store) -> None:
    # 100 for 30 hours, then 40: the mean is 100 - 2.5 j after j hours of 40; below 50 from j = 21 (hour 51).
    store.ingest_air(hourly("a", [100.0] * 30 + [40.0] * 50))
    rule_set = rules(pm25_rule(for_hours=3, clear_below=50.0, clear_hours=3))
    first = store.evaluate_alerts(rule_set, at(52))
    [alert] = alerts_by(store).values()
    assert first.raised == (alert.id,) and alert.first_at == at(20)  # means from hour 18 (18 values); the 3rd hour
    assert alert.state == "open" and alert.cleared_at is None  # two hours below: not yet
    second = store.evaluate_alerts(rule_set, at(53))
    assert second.cleared == (alert.id,) and second.raised == ()
    assert store.alert(alert.id).cleared_at == at(53)
    assert [(a.action, a.at) for a in store.alert_history(alert.id)] == [("raised", at(20)), ("cleared", at(53))]


def test_a_flapping_series_gives_one_alert_with_several_occurrences(store: Store) -> None:
    # Day by day 76, 74, 76, 74, 76: the mean crosses 75 up three times and never nears the clear level.
    store.ingest_air(hourly("a", ([76.0] * 24 + [74.0] * 24) * 2 + [76.0] * 24))
    result = store.evaluate_alerts(rules(pm25_rule(for_hours=1)), at(120))
    [alert] = alerts_by(store).values()
    assert result.raised == (alert.id,)
    assert (alert.state, alert.occurrences, alert.first_at, alert.last_at) == ("open", 3, at(18), at(109))
    assert [(a.action, a.at) for a in store.alert_history(alert.id)] == [
        ("raised", at(18)), ("occurred", at(61)), ("occurred", at(109))]


def test_a_mean_needs_18_hourly_values_and_a_gap_breaks_the_run(store: Store) -> None:
    # 100 every hour but 20-26 (rows without PM2.5): hours 26-43 have 17 values in their window, so no mean. The
    # 9 hours before the gap do not count towards the 12: the run starts again at hour 44.
    values = [None if 20 <= h <= 26 else 100.0 for h in range(71)]
    store.ingest_air(hourly("a", values, first_hour=0))
    store.evaluate_alerts(rules(pm25_rule(for_hours=12)), at(70))
    [alert] = alerts_by(store).values()
    assert alert.first_at == at(55)


def test_alerts_are_grouped_per_rule_and_station(store: Store) -> None:
    store.ingest_air(hourly("a", [100.0] * 40) + hourly("b", [100.0] * 40))
    rule_set = rules(pm25_rule(), pm25_rule(id="severe", above=90.0, severity="critical"))
    first = store.evaluate_alerts(rule_set, at(25))
    assert len(first.raised) == 4 and len(first.high) == 2  # the critical ones
    later = store.evaluate_alerts(rule_set, at(40))
    assert not later.changed
    assert {(a.rule_id, a.scope_key, a.occurrences) for a in store.alerts()} == {
        ("pm25", "a", 1), ("pm25", "b", 1), ("severe", "a", 1), ("severe", "b", 1)}


def test_only_the_rules_province_and_the_province_scope_names_the_worst_station(store: Store) -> None:
    store.ingest_air(hourly("a", [80.0] * 30) + hourly("b", [95.0] * 30, lat=18.6, lon=98.4)
                     + hourly("c", [60.0] * 30)
                     + hourly("lamphun", [150.0] * 30, area_en="Nai Mueang, Mueang, Lamphun"))
    rule_set = rules(pm25_rule(), pm25_rule(id="province", scope="province"))
    store.evaluate_alerts(rule_set, at(30))
    assert set(alerts_by(store, "pm25")) == {"a", "b"}
    [province] = alerts_by(store, "province").values()
    assert (province.scope_kind, province.scope_key, province.scope_name_en) == (
        "province", "chiang_mai", "Chiang Mai province")
    # One alert for the province: how many stations are over, the worst one's mean, placed at the worst station.
    assert province.value == 95.0
    assert province.message_en.startswith("2 stations above 75.0 · worst Station b: PM2.5 24-h mean 95.0")
    assert province.message_th.startswith("2 สถานีเกิน 75.0 · สูงสุด สถานี b: PM2.5 เฉลี่ย 24 ชม. 95.0")
    assert (province.lat, province.lon) == (18.6, 98.4)


def test_a_mean_waits_for_its_hour(store: Store) -> None:
    # Hourly values are labelled by the hour they end: while an hour is going, its mean is not known yet.
    store.ingest_air(hourly("a", [100.0] * 20))
    rule_set = rules(pm25_rule(for_hours=3))
    assert not store.evaluate_alerts(rule_set, at(19.5)).changed  # means at 18 and 19; 20 is going
    raised = store.evaluate_alerts(rule_set, at(20))
    [alert] = alerts_by(store).values()
    assert raised.raised == (alert.id,) and alert.first_at == at(20)
