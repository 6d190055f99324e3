"""The ``haze-flood`` demo scenario: P.1 at 4.37 m (flooding on the console's one river scale), PM2.5 24-hour means of
86–125 µg/m³ at the Chiang Mai stations, fires in the forested districts, open P1s past their SLA — served in the real
formats and read by the console's own parsers and store; deterministic, and the default world left as it was."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from services.feeds.air4thai import parse_latest
from services.feeds.firms import parse_area_csv
from services.feeds.open311 import parse_requests
from services.feeds.thaiwater import parse_waterlevel
from services.river_status import status_of, worst_first
from services.simulator.clock import SimClock
from services.simulator.haze_flood import _REPORTS, CHIANG_MAI_PM25
from services.simulator.scenarios import SCENARIOS, scenario_world
from services.simulator.seed import load_seed
from services.simulator.server import SimulatorServer
from services.sla import SlaPolicy, sla_status
from services.store.database import open_store
from services.workflow import WorkflowView

START = datetime(2026, 12, 4, 14, 7, 30, tzinfo=UTC)  # 21:07 in Chiang Mai: the bad night
PM25_RANGE = (86.0, 125.0)  # what the issue's drill asks of the Chiang Mai stations' 24-hour means
CHIANG_MAI_STATIONS = {s["stationID"] for s in load_seed("air_stations") if s["areaEN"].strip().endswith("Chiang Mai")}
BOX = "98.0,17.2,99.6,20.2"


@pytest.fixture
def bad_night():  # type: ignore[no-untyped-def]
    with SimulatorServer(seed=2026, clock=SimClock(START, speed=0), scenario="haze-flood") as server:
        yield server


def _get(sim: SimulatorServer, feed: str, path: str, **params: str) -> requests.Response:
    resp = requests.get(sim.feed_base(feed) + path, params=params, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp


def _river(sim: SimulatorServer) -> requests.Response:
    return _get(sim, "thaiwater", "/api/v1/thaiwater30/public/waterlevel_load")


def _air(sim: SimulatorServer) -> requests.Response:
    return _get(sim, "air4thai", "/services/getNewAQI_JSON.php")


def test_p1_is_flooding_on_the_consoles_river_scale(bad_night: SimulatorServer, tmp_path: Path) -> None:
    body = _river(bad_night)
    raw = {r["station"]["tele_station_oldcode"]: r for r in body.json()["waterlevel_data"]["data"]}
    p1 = raw["P.1"]
    # ThaiWater's own shape: the local level, overbank in words (the sign), situation 5.
    assert p1["waterlevel_m"] == 4.37
    assert p1["diff_wl_bank_text"] == "ล้นตลิ่ง (ม.)" and p1["situation_level"] == 5
    assert math.isclose(p1["diff_wl_bank"], 4.37 - 3.70, abs_tol=0.011)
    parsed = parse_waterlevel(body.content)
    assert not parsed.rejected
    store = open_store(tmp_path / "store.sqlite3")
    try:
        store.ingest_river(parsed.records)
        rows = {r.code: r for r in store.latest_river()}
    finally:
        store.close()
    status = status_of(rows["P.1"])
    assert status.band == "flooding" and status.above_flood_m == pytest.approx(0.17)
    assert float(p1["waterlevel_msl"]) > float(p1["waterlevel_msl_previous"])  # still rising at the first reading
    assert worst_first(list(rows.values()))[0].code == "P.1"
    # The wave came down the river: P.103 upstream is over its bank as well; downstream it has not arrived yet.
    assert raw["P.103"]["diff_wl_bank_text"] == "ล้นตลิ่ง (ม.)"
    assert raw["P.73"]["waterlevel_m"] < 4.0


def test_p1_keeps_rising_then_falls_as_the_simulated_clock_moves(bad_night: SimulatorServer) -> None:
    def p1() -> float:
        records = _river(bad_night).json()["waterlevel_data"]["data"]
        return next(r["waterlevel_m"] for r in records if r["station"]["tele_station_oldcode"] == "P.1")

    levels = [p1()]
    for _ in range(8):  # every two hours through the night
        bad_night.clock.advance(2 * 3600)
        levels.append(p1())
    assert max(levels) > 4.45 and levels.index(max(levels)) > 0  # the crest comes after the first reading
    assert all(level >= 4.20 for level in levels[:6])  # ten hours above the city-flood level
    bad_night.clock.advance(24 * 3600)
    assert p1() < 3.70  # a day later the river is back in its banks


@pytest.mark.parametrize("month", range(1, 13))
def test_the_situation_holds_whatever_the_date(month: int) -> None:
    """The scenario is anchored to the start, not to a season: P.1 and the haze are the same in any month, even when
    the seeded monsoon storms would otherwise be in the river."""
    start = datetime(2027, month, 11 + month, (5 * month) % 24, (7 * month) % 60, tzinfo=UTC)
    sim = SimulatorServer(seed=2026, clock=SimClock(start, speed=0), scenario="haze-flood")  # models only, no port
    reading = sim.river.record("P.1", start, 0)
    assert reading["waterlevel_m"] == 4.37 and reading["diff_wl_bank_text"] == "ล้นตลิ่ง (ม.)"
    for station in CHIANG_MAI_STATIONS:
        mean = sim.air.latest_values(station, start)["PM25"]
        assert mean is not None and PM25_RANGE[0] <= mean <= PM25_RANGE[1], (station, mean)


def test_pm25_means_at_the_chiang_mai_stations_are_in_the_drills_range(bad_night: SimulatorServer) -> None:
    body = _air(bad_night)
    stations = {s["stationID"]: s for s in body.json()["stations"]}
    for code in CHIANG_MAI_STATIONS:
        pm25 = stations[code]["AQILast"]["PM25"]
        assert isinstance(pm25["value"], str) and pm25["color_id"] == "5"  # Air4Thai's strings; Thai AQI band 5
        assert PM25_RANGE[0] <= float(pm25["value"]) <= PM25_RANGE[1]
    parsed = parse_latest(body.content)
    readings = {r.station_id: r for r in parsed.records}
    means = [readings[code].pm25 for code in CHIANG_MAI_STATIONS]
    assert all(PM25_RANGE[0] <= m <= PM25_RANGE[1] for m in means), means
    assert max(means) - min(means) > 15  # the forested, rural stations worse than the city
    assert readings["cm08t"].pm25 > readings["35t"].pm25
    # The hourly history still agrees with the latest 24-hour mean, daily cycle and all.
    hour = bad_night.air.latest_hour(bad_night.now())
    hourly = [bad_night.air.hourly("36t", hour - timedelta(hours=i))["PM25"] for i in range(24)]
    present = [v for v in hourly if v is not None]
    assert float(stations["36t"]["AQILast"]["PM25"]["value"]) == pytest.approx(sum(present) / len(present), abs=0.06)
    assert max(present) > 1.2 * min(present)


def test_the_haze_clears_after_the_episode(bad_night: SimulatorServer) -> None:
    bad_night.clock.advance(6 * 86400)
    stations = {s["stationID"]: s for s in _air(bad_night).json()["stations"]}
    assert all(float(stations[c]["AQILast"]["PM25"]["value"]) < CHIANG_MAI_PM25[0] for c in CHIANG_MAI_STATIONS)


def test_fires_burn_in_the_forested_districts_out_of_season(tmp_path: Path) -> None:
    start = datetime(2026, 7, 20, 12, 0, tzinfo=UTC)  # monsoon: the seeded world has almost no fires
    with SimulatorServer(seed=2026, clock=SimClock(start, speed=0), scenario="haze-flood") as sim, \
            SimulatorServer(seed=2026, clock=SimClock(start, speed=0)) as plain:
        path = f"/api/area/csv/DEMO_KEY/VIIRS_SNPP_NRT/{BOX}/2"
        csv_text = _get(sim, "firms", path).text
        assert csv_text.startswith("latitude,longitude,bright_ti4,")
        spots = parse_area_csv(csv_text, "VIIRS_SNPP_NRT")
        quiet = parse_area_csv(_get(plain, "firms", path).text, "VIIRS_SNPP_NRT")
    assert not spots.rejected and len(spots.records) >= 40 and len(quiet.records) <= 5
    forested = [d for d in load_seed("districts") if d["forested"]]
    for spot in spots.records:
        nearest = min(math.hypot(spot.lat - d["lat"], spot.lon - d["lon"]) for d in forested)
        assert nearest < 0.35, spot  # within a few standard deviations of a forested district


def test_reports_with_open_p1s_past_their_sla(bad_night: SimulatorServer) -> None:
    body = _get(bad_night, "open311", "/requests.json")
    parsed = parse_requests(body.content)
    assert not parsed.rejected
    by_text = {r.description: r for r in parsed.records}
    ours = [by_text[f"{rep.text_th} / {rep.text_en}"] for rep in _REPORTS]
    assert all(r.id.isdigit() for r in ours)  # GeoReport's string ids
    now = bad_night.now()
    policy = SlaPolicy()
    records = {r["service_request_id"]: r for r in bad_night.incidents.query(staff=True)}

    def breached(request_id: str) -> bool:
        rec = records[request_id]
        view = WorkflowView(state=rec["workflow_state"], priority=rec["priority"], category=rec["service_code"],
                            requested_at=datetime.fromisoformat(rec["requested_datetime"]),
                            sla_paused_s=rec["sla_paused_s"],
                            sla_paused_since=(datetime.fromisoformat(rec["sla_paused_since"])
                                              if rec["sla_paused_since"] else None))
        return sla_status(view, now, policy).breached

    open_p1 = [r for r in ours if r.status == "open" and r.priority == "P1"]
    assert len(open_p1) == 7
    assert sum(breached(r.id) for r in open_p1) == 4
    assert [r.priority for r in ours if r.status == "open" and breached(r.id)].count("P2") == 1
    assert {r.service_code for r in open_p1} == {"flooding", "forest_fire", "safety"}
    # Each got to its state through the workflow, step by step, in the past.
    for report, request in zip(_REPORTS, ours, strict=True):
        assert records[request.id]["workflow_state"] == report.state
        updates = _get(bad_night, "open311", "/servicerequestupdates.json",
                       service_request_id=request.id).json()
        assert len(updates) == 1 + len(report.steps)
        assert all(datetime.fromisoformat(u["updated_datetime"]) <= now for u in updates)
    # Reporters are for staff only, as always.
    assert "reporter_name" not in body.json()[0]


def test_the_scenario_is_deterministic() -> None:
    def payloads() -> tuple[object, ...]:
        with SimulatorServer(seed=2026, clock=SimClock(START, speed=0), scenario="haze-flood") as sim:
            return (_river(sim).json(), _air(sim).json(),
                    _get(sim, "firms", f"/api/area/csv/DEMO_KEY/MODIS_NRT/{BOX}/3").text,
                    [{k: v for k, v in r.items()} for r in _get(sim, "open311", "/requests.json").json()])

    assert payloads() == payloads()


def test_the_default_world_is_not_the_scenario() -> None:
    with SimulatorServer(seed=2026, clock=SimClock(START, speed=0)) as plain:
        assert plain.scenario == "default"
        p1 = next(r for r in _river(plain).json()["waterlevel_data"]["data"]
                  if r["station"]["tele_station_oldcode"] == "P.1")
        assert p1["waterlevel_m"] < 3.0  # December: the Ping in its bed
        assert len(_get(plain, "open311", "/requests.json").json()) == 40


def test_unknown_scenarios_are_refused() -> None:
    assert SCENARIOS == ("default", "haze-flood")
    with pytest.raises(ValueError, match="haze-flood"):
        scenario_world("tsunami", 2026, START)
    with pytest.raises(ValueError):
        SimulatorServer(scenario="tsunami")
