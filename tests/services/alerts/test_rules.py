"""The rules file: the shipped defaults, an operator's override, and errors that name the file, rule and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from services.alerts.rules import AlertRulesError, FireRule, Pm25Rule, RiverRule, dump_rules, load_rules, parse_rules


def _doc(*items: dict[str, Any]) -> str:
    base = {"name_th": "กฎ", "name_en": "A rule", "severity": "warning"}
    return json.dumps({"version": 1, "rules": [{**base, **item} for item in items]})


def _error(*items: dict[str, Any]) -> str:
    with pytest.raises(AlertRulesError) as caught:
        parse_rules(_doc(*items), "alert_rules.json")
    return str(caught.value)


def test_the_defaults_cover_every_kind_the_issue_names() -> None:
    rule_set = load_rules()
    by_id = {r.id: r for r in rule_set.rules}
    pm25 = by_id["pm25_unhealthy"]
    assert isinstance(pm25, Pm25Rule) and (pm25.above, pm25.for_hours, pm25.clear_below) == (75.0, 3, 50.0)
    assert pm25.province == "Chiang Mai" and pm25.scope == "province"  # one haze alert, not one per station
    bank, flood, rise = by_id["river_bank_full"], by_id["river_city_flooding"], by_id["river_fast_rise"]
    assert isinstance(bank, RiverRule) and (bank.level, bank.severity) == ("bank_full", "warning")
    assert isinstance(flood, RiverRule) and (flood.level, flood.severity) == ("flood", "critical")
    assert isinstance(rise, RiverRule) and (rise.rise_m_per_h, rise.rate_hours, rise.severity) == (0.15, 3, "warning")
    assert {r.kind for r in rule_set.rules} == {"pm25", "river", "fire", "data"}
    assert all(r.enabled for r in rule_set.rules) and rule_set.enabled() == rule_set.rules
    assert all(r.name_th and r.name_en for r in rule_set.rules)


def test_an_override_file_replaces_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "alert_rules.json"
    path.write_text(_doc({"id": "haze", "kind": "pm25", "above": 100.0, "clear_below": 60.0, "enabled": False}),
                    encoding="utf-8")
    rule_set = load_rules(path)
    assert [r.id for r in rule_set.rules] == ["haze"] and rule_set.enabled() == ()
    assert rule_set.rule("haze") is not None and rule_set.rule("pm25_unhealthy") is None


def test_written_rules_read_back_the_same() -> None:
    rule_set = load_rules()
    again = parse_rules(dump_rules(rule_set.rules))
    assert again.rules == rule_set.rules


@pytest.mark.parametrize(("item", "needles"), [
    ({"id": "haze", "kind": "pm25", "above": 75.0, "clear_below": 80.0},
     ["'haze' (#1)", "clear_below (80.0) must not be above 'above' (75.0)"]),
    ({"id": "haze", "kind": "pm25", "above": 75.0, "clear_below": 50.0, "colour": "red"},
     ["'haze' (#1): colour: is not a field of a pm25 rule"]),
    ({"id": "haze", "kind": "pm25", "clear_below": 50.0}, ["'haze' (#1): above: is required"]),
    ({"id": "haze", "kind": "pm25", "above": -1, "clear_below": 50.0}, ["above: Input should be greater than 0"]),
    ({"id": "Haze!", "kind": "pm25", "above": 75.0, "clear_below": 50.0},
     ["'Haze!' (#1): id: must be a slug: lower-case letters"]),
    ({"id": "haze", "kind": "smoke"}, ["'haze' (#1): kind: must be one of pm25, fire, river, data, not 'smoke'"]),
    ({"id": "p1", "kind": "river", "level": "bank_full", "rise_m_per_h": 0.2},
     ["'p1' (#1)", "give either 'level' or 'rise_m_per_h'"]),
    ({"id": "p1", "kind": "river", "level": "flood", "rate_hours": 2},
     ["rate_hours and clear_rise_m_per_h belong to 'rise_m_per_h' rules"]),
    ({"id": "p1", "kind": "river", "level": "overflow"}, ["level: Input should be 'bank_full' or 'flood'"]),
    ({"id": "fires", "kind": "fire", "near": ["tha_phae_gate", "the_moon"]}, ["unknown landmark the_moon"]),
    ({"id": "fires", "kind": "fire", "district_count": 10, "window_hours": 24, "clear_hours": 12,
      "scope": "district"}, ["clear_hours (12) must be at least window_hours (24)"]),
    ({"id": "fires", "kind": "fire", "district_count": 10}, ["evaluated per district or for the province"]),
    ({"id": "feeds", "kind": "data", "stale_factor": 3, "scope": "station"}, ["evaluated per feed, not per station"]),
    ({"id": "feeds", "kind": "data", "stale_factor": 0.5}, ["stale_factor: Input should be greater than 1"]),
    ({"id": "haze", "kind": "pm25", "above": 75.0, "clear_below": 50.0, "name_en": "  "},
     ["name_en: must not be empty"]),
])
def test_errors_name_the_file_rule_and_field(item: dict[str, Any], needles: list[str]) -> None:
    message = _error(item)
    assert message.startswith("alert_rules.json: alert rule ")
    for needle in needles:
        assert needle in message, message


def test_every_bad_rule_is_reported_and_ids_are_unique() -> None:
    good = {"id": "haze", "kind": "pm25", "above": 75.0, "clear_below": 50.0}
    message = _error(good, {**good, "above": "high"}, {"id": "fires", "kind": "fire", "near": "all"}, good)
    assert "'haze' (#2): above: Input should be a valid number" in message
    assert "'haze' (#4): id: is used by another rule" in message
    assert "fires" not in message  # the valid rules are not mentioned


@pytest.mark.parametrize(("text", "needle"), [
    ("{not json", "alert rule file: is not valid JSON"),
    ('{"version": 1, "rules": [], "extra": 1}', 'must be {"version": 1, "rules": [...]} and nothing else'),
    ('{"version": 2, "rules": []}', "alert rule file: version: must be 1"),
    ('{"version": 1, "rules": [{"id": "x", "kind": "pm25", "name_th": "x", "name_en": "x", "severity": "warning", '
     '"above": NaN, "clear_below": 1}]}', "NaN is not a number JSON allows"),
])
def test_a_broken_file_says_what_is_wrong(text: str, needle: str) -> None:
    with pytest.raises(AlertRulesError, match="^rules.json: ") as caught:
        parse_rules(text, "rules.json")
    assert needle in str(caught.value)


def test_an_unreadable_file_is_an_alert_rules_error(tmp_path: Path) -> None:
    with pytest.raises(AlertRulesError, match="cannot be read"):
        load_rules(tmp_path / "missing.json")


def test_near_rules_take_landmark_keys_or_all() -> None:
    rule_set = parse_rules(_doc({"id": "fires", "kind": "fire", "near": ["cmu", "airport"], "radius_km": 2},
                                {"id": "everywhere", "kind": "fire", "near": "all"},
                                {"id": "areas", "kind": "fire", "areas": ["Riverside"]}))
    fires, everywhere, areas = rule_set.rules
    assert isinstance(fires, FireRule) and fires.near == ("cmu", "airport") and fires.radius_km == 2
    assert isinstance(everywhere, FireRule) and everywhere.near == "all"
    assert isinstance(areas, FireRule) and areas.near is None and areas.areas == ("Riverside",)
