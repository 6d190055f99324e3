"""ThaiWater waterlevel_load: ThaiWater's record fields and quirks; the Ping rises after a rain event."""

from __future__ import annotations

from datetime import timedelta

import requests

PATH = "/api/v1/thaiwater30/public/waterlevel_load"


def _records(sim, query: str = "") -> dict[str, dict]:
    body = requests.get(sim.feed_base("thaiwater") + PATH + query, timeout=5).json()
    return {r["station"]["tele_station_oldcode"]: r for r in body["waterlevel_data"]["data"]}


def test_record_shape_and_quirks(rainy_sim):
    body = requests.get(rainy_sim.feed_base("thaiwater") + PATH, timeout=5).json()
    assert set(body) == {"waterlevel_data", "scale"}
    records = {r["station"]["tele_station_oldcode"]: r for r in body["waterlevel_data"]["data"]}
    assert {"CHM004", "P.67", "P.103", "P.1", "P.73", "CHM002"} <= set(records)
    assert {type(r["waterlevel_msl"]) for r in records.values()} == {str, float}
    assert any(len(r["waterlevel_datetime"]) == 19 for r in records.values())  # with seconds
    assert any(len(r["waterlevel_datetime"]) == 16 for r in records.values())  # without
    p1 = records["P.1"]
    for field in ("id", "waterlevel_m", "waterlevel_msl_previous", "flow_rate", "storage_percent", "river_name",
                  "agency", "basin"):
        assert field in p1
    assert p1["geocode"]["province_code"] == "50"
    assert (p1["station"]["tele_station_lat"], p1["station"]["tele_station_long"]) == (18.787, 99.0051)
    for key in ("left_bank", "right_bank", "min_bank", "ground_level"):
        assert isinstance(p1["station"][key], float)
    for r in records.values():
        assert r["diff_wl_bank"] >= 0
        assert r["diff_wl_bank_text"] in ("ล้นตลิ่ง (ม.)", "ต่ำกว่าตลิ่ง (ม.)")
        assert 1 <= r["situation_level"] <= 5
    assert any(r["geocode"]["province_code"] != "50" for r in records.values())
    # Normal monsoon level at Nawarat Bridge.
    assert 1.5 <= p1["waterlevel_m"] <= 3.0


def test_nested_variant(rainy_sim):
    body = requests.get(rainy_sim.feed_base("thaiwater") + PATH + "?nested=1", timeout=5).json()
    assert body["result"] == "OK" and "waterlevel_data" in body["data"]


def test_p1_rises_towards_bank_full_in_a_rain_event(rainy_sim):
    now = rainy_sim.now()
    event = max(rainy_sim.river.rain_events(now, now + timedelta(days=30)), key=lambda e: e.intensity)
    rainy_sim.clock.advance((event.start - now).total_seconds() - 3600)
    before = _records(rainy_sim)["P.1"]
    # The wave reaches P.1 ten hours after the storm and peaks about twelve hours later.
    rainy_sim.clock.advance(23 * 3600)
    during = _records(rainy_sim)["P.1"]
    assert during["waterlevel_m"] > before["waterlevel_m"] + 1.0
    assert during["waterlevel_m"] >= 3.4
    assert during["situation_level"] >= before["situation_level"]
    msl = float(during["waterlevel_msl"])
    bank = during["station"]["min_bank"]
    sign = 1 if during["diff_wl_bank_text"].startswith("ล้น") else -1
    assert round(msl + -sign * during["diff_wl_bank"], 2) == bank
