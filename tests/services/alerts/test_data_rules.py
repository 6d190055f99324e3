"""Data rules on real stores: a feed whose polls fail past K cadences (never one the console simply was not running
for), and a station silent while the rest of its feed reports."""

from __future__ import annotations

from services.store import Store

from tests.services.alerts.conftest import alerts_by, at, hourly, levels, rules

STALE = {"id": "stale", "kind": "data", "stale_factor": 3, "quiet_minutes": 60}  # air4thai polls every 10 min


def test_a_feed_failing_past_k_cadences_raises_and_its_next_success_clears(store: Store) -> None:
    rule_set = rules(STALE)
    store.record_success("air4thai", at(0), etag=None, last_modified=None, accepted=0, rejected=[])
    store.record_failure("air4thai", at(0.2), "connection refused")
    assert not store.evaluate_alerts(rule_set, at(0.45)).changed  # 27 minutes: not yet 3 cadences
    raised = store.evaluate_alerts(rule_set, at(0.6))
    [alert] = alerts_by(store).values()
    assert raised.raised == (alert.id,) and alert.first_at == at(0.5)  # stale from the last success + 30 min
    assert (alert.scope_kind, alert.scope_key, alert.scope_name_en) == ("feed", "air4thai", "Air quality")
    assert alert.message_en == "Air quality not updated for over 0.5 h (3× its cadence)"
    assert alert.message_th == "คุณภาพอากาศ ไม่อัปเดตมาเกิน 0.5 ชม. (3 เท่าของรอบปกติ)"
    store.record_failure("air4thai", at(0.7), "connection refused")
    assert not store.evaluate_alerts(rule_set, at(0.75)).changed  # the same staleness
    store.record_success("air4thai", at(0.8), etag=None, last_modified=None, accepted=0, rejected=[])
    cleared = store.evaluate_alerts(rule_set, at(0.9))
    assert cleared.cleared == (alert.id,) and store.alert(alert.id).cleared_at == at(0.8)
    # Failing again: stale from 1.3 h, within the hour's quiet period after the clear at 0.8 h: the same alert.
    store.record_failure("air4thai", at(1.0), "HTTP 503")
    reopened = store.evaluate_alerts(rule_set, at(1.4))
    assert reopened.reopened == (alert.id,) and reopened.raised == ()
    again = store.alert(alert.id)
    assert (again.state, again.occurrences, again.last_at, again.cleared_at) == ("open", 2, at(1.3), None)
    assert not store.evaluate_alerts(rule_set, at(1.5)).changed


def test_a_console_that_was_off_or_a_feed_never_set_up_raises_nothing(store: Store) -> None:
    store.record_success("thaiwater", at(0), etag=None, last_modified=None, accepted=0, rejected=[])
    store.record_failure("firms_viirs_snpp_nrt", at(0), "FIRMS needs a MAP_KEY")  # never succeeded
    store.record_success("mystery_feed", at(0), etag=None, last_modified=None, accepted=0, rejected=[])
    store.record_failure("mystery_feed", at(1), "no such feed")  # not one the console polls: no cadence known
    assert not store.evaluate_alerts(rules(STALE), at(48)).changed


def test_a_station_silent_while_the_others_report(store: Store) -> None:
    store.ingest_air(hourly("a", [10.0] * 30) + hourly("b", [10.0] * 10) + hourly("b", [10.0] * 6, 25)
                     + hourly("c", [10.0] * 30))
    rule = {"id": "silent", "kind": "data", "scope": "station", "silent_hours": 6, "quiet_minutes": 0}
    store.evaluate_alerts(rules(rule), at(40))  # after 30 every station stops: the feed is stale, none is silent
    [alert] = alerts_by(store).values()
    assert (alert.scope_key, alert.first_at, alert.value) == ("b", at(16), 6.0)  # newest 10, the others' 16
    assert alert.message_en == "Station b silent for 6 h while the other stations report"
    assert (alert.state, alert.cleared_at) == ("cleared", at(25))


def test_a_gauge_silent_while_the_others_report(store: Store) -> None:
    store.ingest_river(levels("P.1", [2.0] * 20) + levels("P.73", [2.0] * 3) + levels("P.67", [2.0] * 20))
    rule = {"id": "silent", "kind": "data", "scope": "gauge", "silent_hours": 12, "quiet_minutes": 0}
    store.evaluate_alerts(rules(rule), at(20))
    [alert] = alerts_by(store).values()
    assert (alert.scope_kind, alert.scope_key, alert.first_at, alert.state) == ("gauge", "P.73", at(15), "open")
