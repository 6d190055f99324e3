"""The charts' month comes through the real feeds: after one sync against the simulator the store holds 30 days of
hourly PM2.5, of river levels (on the local gauge) and of hotspots; a second sync adds nothing; history waits for the
latest levels to know a gauge's zero; a failed follow-up keeps the cursor; outages stay bounded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from services.feeds.thai_time import BANGKOK
from services.settings import Settings
from services.simulator.clock import SimClock
from services.simulator.server import SimulatorServer
from services.store.store import Store
from services.sync.feed_catalog import FeedContext, build_catalog
from services.sync.history_feeds import FIRMS_MAX_DAYS, firms_backfill_windows, history_start
from services.sync.sync_service import SyncService

CHART_FEEDS = ("air4thai", "air4thai_history", "thaiwater", "thaiwater_history", "firms_viirs_snpp_nrt",
               "firms_viirs_noaa20_nrt", "firms_modis_nrt")
MONTH = timedelta(days=30)


@pytest.fixture
def frozen_simulator() -> Iterator[SimulatorServer]:
    # Frozen at the real now: the console's "today" and the simulator's agree, and nothing new is published between
    # two syncs unless the test moves the clock.
    with SimulatorServer(clock=SimClock(datetime.now(UTC), speed=0)) as sim:
        yield sim


def _settings(sim: SimulatorServer, **overrides: object) -> Settings:
    base = sim.url
    endpoints = {"air4thai": f"{base}/air4thai", "firms": f"{base}/firms", "thaiwater": f"{base}/thaiwater"}
    return Settings.model_validate({"endpoints": endpoints, **overrides})


def _sync(sim: SimulatorServer, settings: Settings, names: tuple[str, ...] = CHART_FEEDS) -> SyncService:
    return SyncService([s for s in build_catalog(settings) if s.name in names], settings,
                       {"firms_map_key": sim.map_key})


def _run(sync: SyncService, store: Store, names: tuple[str, ...] = CHART_FEEDS) -> None:
    for name in names:
        state = sync.run_feed(store, name)
        assert state.last_error is None, (name, state.last_error)


def test_one_sync_fills_the_charts_month_and_a_second_adds_nothing(frozen_simulator: SimulatorServer,
                                                                  store: Store) -> None:
    sim = frozen_simulator
    settings = _settings(sim)
    sync = _sync(sim, settings)
    try:
        _run(sync, store)
        now = sim.now()
        start = now - MONTH

        # Hourly PM2.5 for every history station over the month (the analysers' own gaps stay gaps).
        charts = store.air_charts(settings.air4thai_history_stations, start, now, 3600)
        assert [c.code for c in charts] == settings.air4thai_history_stations
        for chart in charts:
            assert np.isfinite(chart.hourly.v).sum() >= 0.95 * 30 * 24, chart.code
        assert max(np.nanmax(c.hourly.v) for c in charts) > 75  # the season's haze episode

        # Every Ping gauge's level every 10 minutes over the month, upstream first, in local gauge metres.
        gauges = store.river_charts(None, start, now, 600)
        assert [g.code for g in gauges] == ["CHM004", "P.67", "P.103", "P.1", "LPN003", "P.73", "CHM002"]
        by_code = {g.code: g for g in gauges}
        p1 = by_code["P.1"]
        assert np.isfinite(p1.level.v).sum() >= 0.95 * 30 * 144
        assert np.nanmax(p1.level.v) > p1.bank_full_m == 3.70  # the season's rise over the bank
        # The history's MSL levels became the gauge's own: they equal the simulator's local level.
        some = p1.level.t[np.isfinite(p1.level.v)][[100, 1000, 3000]]
        for t in some:
            assert p1.level.v[p1.level.t == t][0] == pytest.approx(
                sim.river.level("P.1", datetime.fromtimestamp(t, UTC)), abs=0.006)
        # Hot (HII) publishes no local level: its month, latest readings too, is the depth above its ground level.
        hot = by_code["CHM002"]
        assert np.isfinite(hot.level.v).sum() >= 0.95 * 30 * 144
        assert np.isfinite(hot.level.v[-2:]).any()
        # LPN003 is not a history gauge: only the latest polls' readings, the rest of its month a gap.
        assert np.isfinite(by_code["LPN003"].level.v).sum() <= 2

        # Hotspots per Bangkok day over the month (the season's burning spell at least), in the burning districts.
        days = store.hotspot_days(start, now)
        per_day = days.counts.sum(axis=(1, 2))
        assert len(days.day_starts) == 31 and (per_day > 0).sum() >= 13
        assert days.districts[0][2] in ("Mae Chaem", "Chom Thong", "Hot", "Omkoi", "Mae Taeng", "Chiang Dao",
                                        "Samoeng", "Wiang Haeng", "Galyani Vadhana")

        counts = store.counts()
        states = {name: store.get_feed_state(name) for name in CHART_FEEDS}
        assert states["firms_modis_nrt"].cursor == datetime.now(UTC).date().isoformat()
        assert states["thaiwater_history"].cursor is not None

        sync.request_all()
        _run(sync, store)
        assert store.counts() == counts  # nothing twice: same hours, same readings, same detections
        assert store.get_feed_state("firms_modis_nrt").records_last < states["firms_modis_nrt"].records_last
    finally:
        sync.close()


def test_history_waits_for_the_latest_levels_to_know_a_gauges_zero(frozen_simulator: SimulatorServer,
                                                                   store: Store) -> None:
    sim = frozen_simulator
    settings = _settings(sim)
    sync = _sync(sim, settings, ("thaiwater", "thaiwater_history"))
    try:
        state = sync.run_feed(store, "thaiwater_history")  # first: nothing has described the gauges yet
        assert state.last_error is None and state.cursor is None
        assert store.counts()["river_readings"] == 0
        assert "thaiwater_history" not in sync.take_due()  # it waits, without polling the month every minute
        sync.run_feed(store, "thaiwater")
        assert "thaiwater_history" in sync.take_due()  # the latest levels came: it is due at once
        state = sync.run_feed(store, "thaiwater_history")
        assert state.last_error is None and state.cursor is not None
        assert store.counts()["river_readings"] > 6 * 30 * 144 * 0.95
    finally:
        sync.close()


def test_a_gauge_the_server_does_not_know_fails_alone_and_keeps_the_cursor(frozen_simulator: SimulatorServer,
                                                                          store: Store) -> None:
    sim = frozen_simulator
    gauges = [{"station_id": "1079", "code": "P.1"}, {"station_id": "424242", "code": "X.9"},
              {"station_id": "1071", "code": "P.67"}]
    settings = _settings(sim, thaiwater_history_gauges=gauges)
    sync = _sync(sim, settings, ("thaiwater", "thaiwater_history"))
    try:
        sync.run_feed(store, "thaiwater")
        state = sync.run_feed(store, "thaiwater_history")
        assert state.last_error and "X.9" in state.last_error and "424242 not found" in state.last_error
        assert state.cursor is None  # the next poll asks the month again, the missing gauge included
        [p1, p67] = store.river_charts(["P.1", "P.67"], sim.now() - MONTH, sim.now(), 3600)
        assert np.isfinite(p1.level.v).sum() > 29 * 24 and np.isfinite(p67.level.v).sum() > 29 * 24
    finally:
        sync.close()


def test_history_requests_are_the_real_apis_forms(frozen_simulator: SimulatorServer) -> None:
    settings = _settings(frozen_simulator)
    specs = {s.name: s for s in build_catalog(settings)}
    today = datetime.now(UTC).astimezone(BANGKOK).date()
    request = specs["thaiwater_history"].build_request(FeedContext(settings, {}, None))
    assert urlsplit(request.url).path.endswith("/api/v1/thaiwater30/public/waterlevel_graph")
    assert request.params == {"station_type": "tele_waterlevel", "station_id": "1064",
                              "start_date": str(today - timedelta(days=30)), "end_date": str(today)}
    old = specs["thaiwater_history"].build_request(FeedContext(settings, {}, "2020-01-01T00:00:00Z"))
    assert old.params["start_date"] == str(today - timedelta(days=7))  # a long outage stays bounded
    firms_request = specs["firms_modis_nrt"].build_request(FeedContext(settings, {"firms_map_key": "K"}, None))
    assert firms_request.url.endswith("/MODIS_NRT/98.0,17.2,99.6,20.2/2")
    air = specs["air4thai_history"].build_request(FeedContext(settings, {}, None))
    assert parse_qs(urlsplit(air.url).query)["sdate"] == [str(today - timedelta(days=30))]


def test_firms_backfill_windows() -> None:
    today = date(2026, 3, 31)
    first = firms_backfill_windows(None, today)
    # 30 days: 28 by date in windows of at most 5, then the usual request's yesterday and today.
    assert first == [(date(2026, 3, 2), 5), (date(2026, 3, 7), 5), (date(2026, 3, 12), 5), (date(2026, 3, 17), 5),
                     (date(2026, 3, 22), 5), (date(2026, 3, 27), 3)]
    assert firms_backfill_windows("2026-03-31", today) == []  # polled today already
    assert firms_backfill_windows("2026-03-30", today) == []  # yesterday: the usual request covers it
    assert firms_backfill_windows("2026-03-27", today) == [(date(2026, 3, 27), 3)]  # the rest of an outage
    assert firms_backfill_windows("2025-01-01", today) == [(today - timedelta(days=FIRMS_MAX_DAYS - 1), 5),
                                                           (date(2026, 3, 27), 3)]
    assert firms_backfill_windows("garbage", today) == first


def test_history_start_bounds() -> None:
    now = datetime(2026, 3, 15, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok
    assert history_start(None, now, 30, 7) == date(2026, 2, 13)
    assert history_start("2026-03-14T17:00:00Z", now, 30, 7) == date(2026, 3, 15)  # Bangkok midnight
    assert history_start("2026-01-01T00:00:00Z", now, 30, 7) == date(2026, 3, 8)
    assert history_start("2026-04-01T00:00:00Z", now, 30, 7) == date(2026, 3, 15)
