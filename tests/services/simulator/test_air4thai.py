"""Air4Thai routes serve the real shapes (strings, missing markers, hour-ending Thai time) and vary with time."""

from __future__ import annotations

from datetime import timedelta

import requests

from services.simulator import aqi

LATEST = "/services/getNewAQI_JSON.php"
CHIANG_MAI_BOX = (17.242, 20.147, 98.011, 99.573)  # south, north, west, east


def _latest(sim, query: str = "") -> list[dict]:
    resp = requests.get(sim.feed_base("air4thai") + LATEST + query, timeout=5)
    assert resp.status_code == 200
    return resp.json()["stations"]


def test_latest_has_every_station_with_string_fields(sim):
    stations = _latest(sim)
    ids = {s["stationID"] for s in stations}
    assert {"35t", "36t", "68t", "37t", "58t", "57t", "73t"} <= ids
    assert sum(1 for i in ids if i.startswith("cm")) >= 8
    for st in stations:
        assert isinstance(st["lat"], str) and isinstance(st["long"], str)
        assert st["forecast"] == []
        last = st["AQILast"]
        for param in aqi.PARAMS:
            entry = last[param]
            assert set(entry) == {"color_id", "aqi", "value"}
            assert all(isinstance(v, str) for v in entry.values())
        assert set(last["AQI"]) == {"color_id", "aqi", "param"}
        assert all(isinstance(v, str) for v in last["AQI"].values())
    assert any(s["nameEN"].endswith(" ") for s in stations)
    city = next(s for s in stations if s["stationID"] == "35t")
    assert (float(city["lat"]), float(city["long"])) == (18.8407, 98.9698)


def test_missing_pollutants_use_the_real_markers(sim):
    stations = _latest(sim)
    without_so2 = [s for s in stations if s["AQILast"]["SO2"]["value"] == "-1"]
    assert len(without_so2) > len(stations) // 2
    assert all(s["AQILast"]["SO2"] == {"color_id": "0", "aqi": "-999", "value": "-1"} for s in without_so2)


def test_time_is_thai_local_hour_ending(sim):
    # The clock is frozen at 05:00 UTC = 12:00 Thai; the 12:00 hour is published 20 min later, so 11:00 is latest.
    last = _latest(sim, "?stationID=35t")[0]["AQILast"]
    assert (last["date"], last["time"]) == ("2026-03-10", "11:00")


def test_pm25_value_is_the_24h_mean_and_aqi_matches(sim):
    st = _latest(sim, "?stationID=36t")
    assert len(st) == 1
    pm = st[0]["AQILast"]["PM25"]
    hour = sim.air.latest_hour(sim.now())
    hourly = [sim.air.hourly("36t", hour - timedelta(hours=i))["PM25"] for i in range(24)]
    present = [v for v in hourly if v is not None]
    assert float(pm["value"]) == round(sum(present) / len(present), 1)
    assert pm["aqi"] == str(aqi.sub_index("PM25", float(pm["value"])))
    # Haze season: Chiang Mai's PM2.5 is above the "good" band.
    assert float(pm["value"]) > 25


def test_pm25_changes_as_the_clock_moves(sim):
    before = {s["stationID"]: s["AQILast"]["PM25"]["value"] for s in _latest(sim)}
    sim.clock.advance(6 * 3600)
    after = {s["stationID"]: s["AQILast"]["PM25"]["value"] for s in _latest(sim)}
    assert sum(before[k] != after[k] for k in before) >= len(before) - 1
    assert _latest(sim, "?stationID=35t")[0]["AQILast"]["time"] == "17:00"


def test_daily_cycle_morning_worse_than_afternoon(sim):
    # Averaged over a week so episode drift does not hide the cycle.
    start = sim.air.latest_hour(sim.now())
    morning = afternoon = 0.0
    for day in range(7):
        base = start - timedelta(days=day)
        morning += sim.air.hourly("35t", base.replace(hour=0))["PM25"] or 0  # 07:00 Thai
        afternoon += sim.air.hourly("35t", base.replace(hour=8))["PM25"] or 0  # 15:00 Thai
    assert morning > afternoon


def test_forweb_alias_and_unknown_station(sim):
    resp = requests.get(sim.feed_base("air4thai") + "/forweb/getAQI_JSON.php", timeout=5)
    assert len(resp.json()["stations"]) == len(_latest(sim))
    assert _latest(sim, "?stationID=nope") == []


def test_history_matches_generator_with_numbers_or_null(sim):
    url = sim.feed_base("air4thai") + "/forweb/getHistoryData.php"
    params = {"stationID": "35t,cm02t", "param": "PM25,PM10,SO2", "type": "hr", "sdate": "2026-03-09",
              "edate": "2026-03-10", "stime": "00", "etime": "23"}
    body = requests.get(url, params=params, timeout=5).json()
    assert body["result"] == "OK" and body["error"] == ""
    by_id = {s["stationID"]: s for s in body["stations"]}
    assert by_id["35t"]["params"] == ["PM25", "PM10", "SO2"]
    rows = by_id["35t"]["data"]
    # 2026-03-09 00:00 … 2026-03-10 11:00 Thai (the latest published hour): 36 rows.
    assert rows[0]["DATETIMEDATA"] == "2026-03-09 00:00:00" and rows[-1]["DATETIMEDATA"] == "2026-03-10 11:00:00"
    assert len(rows) == 36
    assert all(isinstance(r["PM25"], float | None) for r in rows)
    assert all(r["SO2"] is None for r in by_id["cm02t"]["data"])  # Mae Chaem has no SO2 analyser
    hour = sim.air.latest_hour(sim.now())
    assert rows[-1]["PM25"] == sim.air.hourly("35t", hour)["PM25"]
