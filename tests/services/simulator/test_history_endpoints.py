"""History the simulator serves for the charts, through the real formats: ThaiWater's ``waterlevel_graph``,
Air4Thai's hourly history and FIRMS by date; and the season of the 30 days before the start (haze, a Ping rise over
P.1's bank, fires in the burning districts) in the default world and in ``haze-flood``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from services.districts import nearest_district
from services.feeds.firms import parse_area_csv
from services.feeds.thai_time import BANGKOK
from services.feeds.thaiwater import parse_waterlevel_graph
from services.simulator.clock import SimClock
from services.simulator.seed import load_seed
from services.simulator.server import SimulatorServer

GRAPH = "/api/v1/thaiwater30/public/waterlevel_graph"
START = datetime(2026, 12, 4, 14, 7, 30, tzinfo=UTC)  # 21:07 in Chiang Mai
BOX = "98.0,17.2,99.6,20.2"
BURNING = {"Mae Chaem", "Chom Thong", "Hot", "Omkoi", "Mae Taeng", "Chiang Dao", "Samoeng", "Wiang Haeng",
           "Galyani Vadhana"}
CHIANG_MAI_AIR = [s["stationID"] for s in load_seed("air_stations") if s["areaEN"].strip().endswith("Chiang Mai")]


@pytest.fixture(scope="module", params=["default", "haze-flood"])
def season(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    with SimulatorServer(seed=2026, clock=SimClock(START, speed=0), scenario=request.param) as server:
        yield server


def _graph(sim: SimulatorServer, station_id: object, start: date, end: date, **extra: str) -> dict:
    params = {"station_type": "tele_waterlevel", "station_id": str(station_id), "start_date": start.isoformat(),
              "end_date": end.isoformat(), **extra}
    resp = requests.get(sim.feed_base("thaiwater") + GRAPH, params=params, timeout=30)
    assert resp.status_code == 200
    return resp.json()


def _today(sim: SimulatorServer) -> date:
    return sim.now().astimezone(BANGKOK).date()


def test_graph_serves_ten_minute_msl_levels_up_to_the_newest_reading(season: SimulatorServer) -> None:
    sim = season
    today = _today(sim)
    body = _graph(sim, 1079, today - timedelta(days=1), today)
    assert body["result"] == "OK"
    data = body["data"]
    assert (data["min_bank"], data["ground_level"]) == (303.6, 299.8)
    points = data["graph_data"]
    assert len(points) == 2 * 144  # every 10-minute slot of both Thai days
    assert points[0]["datetime"] == f"{today - timedelta(days=1)} 00:00"
    newest = sim.river.observed_at(sim.now())
    filled = [p for p in points if p["value"] is not None]
    later = [p for p in points if datetime.fromisoformat(p["datetime"]).replace(tzinfo=BANGKOK) > newest]
    assert later and all(p["value"] is None and p["discharge"] is None for p in later)  # the rest of today: null
    last = filled[-1]
    assert datetime.fromisoformat(last["datetime"]).replace(tzinfo=BANGKOK) == newest
    p1 = sim.river.station("P.1")
    assert last["value"] == round(p1["gauge_zero"] + sim.river.level("P.1", newest), 2)
    assert all(isinstance(p["discharge"], float) for p in filled)  # RID measures the flow
    # The latest endpoint's reading and the history agree.
    latest = sim.river.record("P.1", sim.now(), 0)
    assert float(latest["waterlevel_msl"]) == last["value"]
    # A HII gauge: levels, no discharge.
    hot = _graph(sim, 1098, today, today)["data"]["graph_data"]
    assert all(p["discharge"] is None for p in hot) and any(p["value"] is not None for p in hot)


def test_graph_parses_into_readings(season: SimulatorServer) -> None:
    today = _today(season)
    resp = requests.get(season.feed_base("thaiwater") + GRAPH, timeout=30, params={
        "station_type": "tele_waterlevel", "station_id": "1071", "start_date": str(today), "end_date": str(today)})
    parsed = parse_waterlevel_graph(resp.content, "P.67", "1071")
    assert parsed.records and not parsed.rejected and not parsed.notes
    assert all(r.level_msl is not None and r.level_msl > 300 for r in parsed.records)


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"station_id": "999999"}, "station"),
        ({"start_date": "2026-10-01"}, "31 days"),
        ({"start_date": "yesterday"}, "date"),
        ({"station_id": ""}, "station_id"),
        ({"start_date": "2026-12-06", "end_date": "2026-12-01"}, "date"),
    ],
)
def test_graph_refuses_what_it_cannot_answer_in_its_own_words(params: dict[str, str], needle: str) -> None:
    with SimulatorServer(seed=2026, clock=SimClock(START, speed=0)) as sim:
        query = {"station_type": "tele_waterlevel", "station_id": "1079", "start_date": "2026-12-03",
                 "end_date": "2026-12-04", **params}
        body = requests.get(sim.feed_base("thaiwater") + GRAPH, params=query, timeout=10).json()
    assert body["result"] == "NO" and needle in body["data"]


def test_the_last_30_days_hold_a_ping_rise_over_p1s_bank(season: SimulatorServer) -> None:
    sim = season
    today = _today(sim)
    levels = []
    for first, last in ((today - timedelta(days=30), today - timedelta(days=16)), (today - timedelta(days=15), today)):
        points = _graph(sim, 1079, first, last)["data"]["graph_data"]
        levels += [p["value"] - sim.river.station("P.1")["gauge_zero"] for p in points if p["value"] is not None]
    assert len(levels) > 25 * 144
    assert max(levels) > 3.70  # over the bank at Nawarat Bridge
    assert min(levels) < 2.5  # and back in the river bed


def test_the_last_30_days_hold_a_haze_episode_with_the_daily_cycle(season: SimulatorServer) -> None:
    sim = season
    end = sim.air.latest_hour(sim.now())
    hours = [end - timedelta(hours=h) for h in range(30 * 24)]
    above = Counter()
    morning, afternoon = [], []
    for station in CHIANG_MAI_AIR:
        values = [(h, sim.air.hourly(station, h)["PM25"]) for h in hours]
        above[station] = sum(1 for _h, v in values if v is not None and v > 75)
        for h, v in values:
            local = h.astimezone(BANGKOK).hour
            if v is not None and local in (7, 8):
                morning.append(v)
            elif v is not None and local in (15, 16):
                afternoon.append(v)
    assert all(n >= 24 for n in above.values()), above  # at least a day's worth of hours above 75 µg/m³
    assert sum(morning) / len(morning) > 1.3 * sum(afternoon) / len(afternoon)  # the morning inversion


def test_thirty_days_of_air4thai_history_in_one_request(season: SimulatorServer) -> None:
    today = _today(season)
    params = {"stationID": "35t,cm08t", "param": "PM25", "type": "hr", "sdate": str(today - timedelta(days=30)),
              "edate": str(today), "stime": "00", "etime": "23"}
    body = requests.get(season.feed_base("air4thai") + "/forweb/getHistoryData.php", params=params,
                        timeout=30).json()
    assert body["result"] == "OK"
    rows = body["stations"][0]["data"]
    assert len(rows) > 30 * 24
    assert max(r["PM25"] for r in rows if r["PM25"] is not None) > 75


def test_the_last_30_days_of_fires_cluster_in_the_burning_districts(season: SimulatorServer) -> None:
    sim = season
    today = sim.now().date()
    spots = []
    for first in range(30, 0, -5):  # FIRMS by date: at most 5 days a request
        day = today - timedelta(days=first - 1)
        resp = requests.get(f"{sim.feed_base('firms')}/api/area/csv/DEMO_KEY/VIIRS_SNPP_NRT/{BOX}/5/{day}",
                            timeout=30)
        assert resp.status_code == 200
        parsed = parse_area_csv(resp.text, "VIIRS_SNPP_NRT")
        assert not parsed.rejected
        spots += parsed.records
    assert len(spots) > 500
    districts = Counter(nearest_district(s.lat, s.lon).name_en for s in spots)
    burning = sum(n for name, n in districts.items() if name in BURNING)
    assert burning / len(spots) > 0.8, districts
    per_day = Counter(s.acquired_at.date() for s in spots)
    assert max(per_day.values()) > 4 * max(1, sorted(per_day.values())[len(per_day) // 4])  # a burning spell


def test_the_season_is_over_at_the_start() -> None:
    """The latest endpoints at the start serve what they served before the season existed: December air, the Ping
    in its bed, a quiet FIRMS week in the default world."""
    with SimulatorServer(seed=2026, clock=SimClock(START, speed=0)) as sim:
        for station in CHIANG_MAI_AIR:
            mean = sim.air.latest_values(station, START)["PM25"]
            assert mean is not None and mean < 75
        assert sim.river.record("P.1", START, 0)["waterlevel_m"] < 3.0
        week = requests.get(f"{sim.feed_base('firms')}/api/area/csv/DEMO_KEY/VIIRS_SNPP_NRT/{BOX}/5", timeout=10)
        assert len(parse_area_csv(week.text, "VIIRS_SNPP_NRT").records) < 5 * 2 * 55 * 0.3


def test_the_season_is_deterministic() -> None:
    def sample() -> tuple[object, ...]:
        with SimulatorServer(seed=2026, clock=SimClock(START, speed=0)) as sim:
            today = _today(sim)
            return (_graph(sim, 1079, today - timedelta(days=20), today - timedelta(days=5)),
                    [sim.air.hourly("cm08t", START - timedelta(hours=h)) for h in range(0, 720, 7)])

    first, second = sample(), sample()
    assert first == second
