"""The ``haze-flood`` demo scenario raises the alerts a duty officer expects, once each, with the default rules.

The simulator's own payloads for the bad night (the latest endpoints, Air4Thai's hourly history and ThaiWater's
water-level history of the Chiang Mai stations and Ping gauges, FIRMS by day) go through the console's parsers into
a real store, as the sync and the history back-fill would put them there; the feeds' state says every poll
succeeded. Then the default rules are evaluated at the scenario's start."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.alerts.rules import load_rules
from services.feeds.air4thai import parse_history, parse_latest
from services.feeds.firms import parse_area_csv
from services.feeds.thai_time import BANGKOK
from services.feeds.thaiwater import parse_waterlevel, parse_waterlevel_graph
from services.settings import Settings
from services.simulator.clock import SimClock
from services.simulator.fires import PROVINCE_BOX, to_csv
from services.simulator.haze_flood import DOI_SUTHEP_DAYS
from services.simulator.seed import load_seed
from services.simulator.server import SimulatorServer
from services.store import Store, open_store

START = datetime(2026, 12, 4, 14, 7, 30, tzinfo=UTC)  # 21:07 in Chiang Mai: the bad night
HISTORY_DAYS = 9  # more than the rules look back (a week) and the 24-hour means need
FIRMS_SOURCES = ("VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT", "MODIS_NRT")
FORESTED = {d["name_en"] for d in load_seed("districts") if d["forested"]}


def _ingest_the_bad_night(store: Store, sim: SimulatorServer, now: datetime) -> None:
    settings = Settings()
    store.ingest_air(parse_latest(json.dumps(sim.air.latest_payload(now))).records)
    history = sim.air.history_payload(now, settings.air4thai_history_stations, ["PM25", "PM10"],
                                      now - timedelta(days=HISTORY_DAYS), now)
    store.ingest_air(parse_history(json.dumps(history)).records)
    store.ingest_river(parse_waterlevel(json.dumps(sim.river.payload(now))).records)
    first = (now - timedelta(days=HISTORY_DAYS)).astimezone(BANGKOK).date()
    last = now.astimezone(BANGKOK).date()
    for gauge in settings.thaiwater_history_gauges:
        body = sim.river.graph_payload(int(gauge.station_id), now, first, last)
        _summary, waiting = store.ingest_river_history(
            parse_waterlevel_graph(json.dumps(body), gauge.code, gauge.station_id).records)
        assert not waiting
    for source in FIRMS_SOURCES:
        spots = [spot for days in range(HISTORY_DAYS, -1, -1)
                 for spot in sim.fire.query(now, source, PROVINCE_BOX, 1, (now - timedelta(days=days)).date())]
        store.ingest_hotspots(parse_area_csv(to_csv(source, spots), source).records)
    for feed in ("air4thai", "air4thai_history", "thaiwater", "thaiwater_history",
                 *(f"firms_{s.lower()}" for s in FIRMS_SOURCES)):
        store.record_success(feed, now - timedelta(minutes=5), etag=None, last_modified=None, accepted=0,
                             rejected=[])


@pytest.fixture(scope="module")
def bad_night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, object]]:
    sim = SimulatorServer(seed=2026, clock=SimClock(START, speed=0), scenario="haze-flood")  # models only, no port
    store = open_store(Path(tmp_path_factory.mktemp("bad-night")) / "store.sqlite3")
    try:
        _ingest_the_bad_night(store, sim, START)
        yield store, store.evaluate_alerts(load_rules(), START)
    finally:
        store.close()


def _by_rule(store: Store) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for alert in store.alerts(now=START):
        scopes = found.setdefault(alert.rule_id, {})
        assert alert.scope_key not in scopes, f"{alert.rule_id} twice for {alert.scope_key}"
        scopes[alert.scope_key] = alert
    return found


def test_the_bad_night_raises_the_expected_alerts_once_each(bad_night) -> None:  # type: ignore[no-untyped-def]
    store, result = bad_night
    found = _by_rule(store)
    assert set(found) == {"pm25_unhealthy", "river_bank_full", "river_city_flooding", "river_fast_rise",
                          "fire_district_cluster", "fire_near_landmarks"}  # no data alerts
    # Haze: one alert for the province, raised days before the start and still on, placed at its worst station.
    [haze] = found["pm25_unhealthy"].values()
    assert (haze.scope_kind, haze.scope_key, haze.state, haze.severity, haze.occurrences) == (  # type: ignore[attr-defined]
        "province", "chiang_mai", "open", "warning", 1)
    assert START - timedelta(days=5) < haze.first_at < START - timedelta(days=3)  # type: ignore[attr-defined]
    assert re.match(r"\d+ stations above 75\.0 · worst .+: PM2\.5 24-h mean [\d.]+ µg/m³ above 75\.0 for 3 h$",
                    haze.message_en)  # type: ignore[attr-defined]
    stations = {(s["nameEN"].strip(), float(s["lat"]), float(s["lon"])) for s in load_seed("air_stations")}
    worst = haze.message_en.split(" · worst ")[1].split(":")[0]  # type: ignore[attr-defined]
    assert (worst, haze.lat, haze.lon) in stations  # type: ignore[attr-defined]
    # Flood: P.1 past the city-flood level (critical, the one that sounds); P.1 and P.103 over their banks.
    [flood] = found["river_city_flooding"].values()
    assert (flood.scope_key, flood.severity, flood.state) == ("P.1", "critical", "open")  # type: ignore[attr-defined]
    assert START - timedelta(hours=3) < flood.first_at <= START  # type: ignore[attr-defined]
    assert result.high == (flood.id,)  # type: ignore[attr-defined]
    assert set(found["river_bank_full"]) == {"P.1", "P.103"}
    assert all(a.severity == "warning" and a.state == "open" for a in found["river_bank_full"].values())
    # The wave came down the Ping fast at every gauge on its way (warnings; upstream it has passed already).
    assert set(found["river_fast_rise"]) == {"CHM004", "P.67", "P.103", "P.1", "P.73", "CHM002"}
    assert found["river_fast_rise"]["CHM004"].state == "cleared"
    # Fires: the two districts burning hardest (the other forested districts stay under the count), and the fire on
    # Doi Suthep's slope near the temple.
    assert set(found["fire_district_cluster"]) == {"Mae Chaem", "Omkoi"} and {"Mae Chaem", "Omkoi"} <= FORESTED
    [suthep] = found["fire_near_landmarks"].values()
    assert (suthep.scope_key, suthep.state) == ("doi_suthep", "open")  # type: ignore[attr-defined]
    assert START - DOI_SUTHEP_DAYS[0] <= suthep.first_at <= START  # type: ignore[attr-defined]
    assert len(result.raised) == sum(len(scopes) for scopes in found.values())


def test_evaluating_the_bad_night_again_raises_nothing(bad_night) -> None:  # type: ignore[no-untyped-def]
    store, _result = bad_night
    before = [(a.id, a.state, a.occurrences, a.last_at) for a in store.alerts(now=START)]
    again = store.evaluate_alerts(load_rules(), START)
    assert not again.changed and again.high == ()
    an_hour_on = store.evaluate_alerts(load_rules(), START + timedelta(hours=1))  # no new data in that hour
    assert an_hour_on.raised == an_hour_on.reopened == an_hour_on.high == ()
    assert [(a.id, a.state, a.occurrences, a.last_at) for a in store.alerts(now=START)] == before
