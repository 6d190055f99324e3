"""The overview's 24-hour series (services.overview, on a real store after a real sync against the simulator): every
station listed comes with its hourly PM2.5 on an hourly grid and every gauge with its level on a 30-minute grid, the
newest bucket holding the level the river table shows and enough of the day for a rate of rise (the trend column);
asked only with their tables."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from services.chart_math import latest_value, rate_of_rise
from services.overview import AIR_SERIES_BUCKET_S, RIVER_SERIES_BUCKET_S, SERIES_WINDOW, load_overview
from services.settings import Settings
from services.simulator.server import SimulatorServer
from services.store.store import Store
from services.sync.feed_catalog import build_catalog
from services.sync.sync_service import SyncService

FEEDS = ("air4thai", "air4thai_history", "thaiwater", "thaiwater_history")


@pytest.fixture
def synced(simulator: SimulatorServer, store: Store) -> Settings:
    base = simulator.url
    settings = Settings.model_validate({"endpoints": {
        "air4thai": f"{base}/air4thai", "firms": f"{base}/firms", "thaiwater": f"{base}/thaiwater",
        "open311": f"{base}/open311/v2"}})
    sync = SyncService([spec for spec in build_catalog(settings) if spec.name in FEEDS], settings)
    try:
        for feed in FEEDS:
            state = sync.run_feed(store, feed)
            assert state.last_error is None, (feed, state.last_error)
    finally:
        sync.close()
    return settings


def test_the_snapshot_carries_each_station_and_gauges_last_24_hours(synced: Settings, store: Store) -> None:
    before = datetime.now(UTC).timestamp()
    snapshot = load_overview(store, ("air", "river"))
    assert snapshot.air is not None and snapshot.river is not None
    assert snapshot.air_charts is not None and snapshot.river_charts is not None

    # Every station and gauge the tables list has its series, and nothing else.
    assert sorted(c.code for c in snapshot.air_charts) == sorted(r.code for r in snapshot.air)
    assert sorted(c.code for c in snapshot.river_charts) == sorted(r.code for r in snapshot.river)

    for chart in snapshot.air_charts:
        t = chart.hourly.t
        assert len(t) == SERIES_WINDOW.total_seconds() // AIR_SERIES_BUCKET_S
        assert np.all(np.diff(t) == AIR_SERIES_BUCKET_S) and t[0] % AIR_SERIES_BUCKET_S == 0
        assert t[-1] <= before + AIR_SERIES_BUCKET_S and t[-1] + AIR_SERIES_BUCKET_S > before  # ends now
    history = {c.code: c for c in snapshot.air_charts if c.code in synced.air4thai_history_stations}
    assert history, "the history feed's stations are listed"
    for chart in history.values():  # the history feed's hourly values reach the sparkline
        assert np.isfinite(chart.hourly.v).sum() >= 12, chart.code
        assert np.all(chart.hourly.v[np.isfinite(chart.hourly.v)] >= 0)

    latest = {r.code: r for r in snapshot.river}
    for chart in snapshot.river_charts:
        t = chart.level.t
        assert len(t) == SERIES_WINDOW.total_seconds() // RIVER_SERIES_BUCKET_S
        assert np.all(np.diff(t) == RIVER_SERIES_BUCKET_S)
        row = latest[chart.code]
        if row.level_m is None:
            continue
        newest = latest_value(chart.level)
        assert newest is not None, chart.code
        at, value = newest
        # The newest bucket holds the reading the table shows (its bucket's mean, so within a bucket's change).
        assert at <= row.observed_at.timestamp() < at + RIVER_SERIES_BUCKET_S, chart.code
        assert abs(value - row.level_m) < 0.25, (chart.code, value, row.level_m)
        # The history feed fills the day: the trend column has a rate from the last 3 hours of every gauge.
        assert np.isfinite(chart.level.v).sum() >= 24, chart.code
        assert rate_of_rise(chart.level, before) is not None, chart.code
    p1 = next(c for c in snapshot.river_charts if c.code == "P.1")
    assert (p1.bank_full_m, p1.flood_m) == (3.70, 4.20)


def test_series_come_only_with_their_tables(synced: Settings, store: Store) -> None:
    only_river = load_overview(store, ("river",))
    assert only_river.air_charts is None and only_river.river_charts is not None
    only_air = load_overview(store, ("air",))
    assert only_air.river_charts is None and only_air.air_charts is not None
    totals = load_overview(store, ("counts",))  # the totals bring both tables, so both tables' series too
    assert totals.air_charts is not None and totals.river_charts is not None
