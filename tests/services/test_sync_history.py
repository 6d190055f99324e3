"""The Air4Thai hourly history feed against the real simulator: lands in air_hourly, back-fills, cursor advances."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from services.feeds.thai_time import BANGKOK
from services.settings import Settings
from services.simulator.clock import SimClock
from services.simulator.server import SimulatorServer
from services.store.store import Store
from services.sync.feed_catalog import HISTORY_PARAMS, FeedContext, build_catalog, history_window
from services.sync.sync_service import SyncService

FEED = "air4thai_history"
LAG_H = 5  # the simulator starts this many hours behind the real now, then catches up (an outage, back-filled)


@pytest.fixture
def lagging_simulator() -> Iterator[SimulatorServer]:
    # Frozen simulated time, so no hour is published between two polls unless the test advances the clock.
    with SimulatorServer(clock=SimClock(datetime.now(UTC) - timedelta(hours=LAG_H), speed=0)) as sim:
        yield sim


def _settings(sim: SimulatorServer, **overrides: object) -> Settings:
    return Settings.model_validate({"endpoints": {"air4thai": f"{sim.url}/air4thai"}, **overrides})


def _hourly(store: Store) -> dict[str, list[tuple[int, float | None]]]:
    with store.feed_engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT s.code, h.observed_at, h.pm25 FROM air_hourly AS h JOIN stations AS s ON s.id = h.station_id "
            "ORDER BY s.code, h.observed_at").all()
    out: dict[str, list[tuple[int, float | None]]] = {}
    for code, at, pm25 in rows:
        out.setdefault(code, []).append((at, pm25))
    return out


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_history_lands_hourly_rows_for_every_station_and_backfills(lagging_simulator: SimulatorServer,
                                                                    store: Store) -> None:
    sim = lagging_simulator
    settings = _settings(sim)
    stations = settings.air4thai_history_stations
    sync = SyncService([s for s in build_catalog(settings) if s.name == FEED], settings)
    try:
        state = sync.run_feed(store, FEED)
        assert state.last_error is None and state.last_success_at is not None
        hourly = _hourly(store)
        assert set(hourly) == set(stations)
        # First poll, no cursor: from Thai midnight 30 days back (the charts' month) up to the newest hour the
        # simulator published.
        newest = sim.air.latest_hour(sim.now())
        first_day = datetime.now(UTC).astimezone(BANGKOK).date() - timedelta(days=30)
        first_hour = datetime(first_day.year, first_day.month, first_day.day, tzinfo=BANGKOK).astimezone(UTC)
        for code, rows in hourly.items():
            assert rows[0][0] == int(first_hour.timestamp()), code
            assert rows[-1][0] == int(newest.timestamp()), code
            assert len(rows) == (newest - first_hour) // timedelta(hours=1) + 1, code
            # The values are the simulator's hourly values, not its 24 h means.
            at, pm25 = rows[-1]
            assert pm25 == sim.air.hourly(code, datetime.fromtimestamp(at, UTC))["PM25"]
        assert state.cursor == _iso(newest)
        assert store.counts()["air_readings"] == 0  # nothing went into the 24 h means' table
        total = store.counts()["air_hourly"]

        # A second poll of the same published hours adds nothing and leaves the cursor where it was.
        outcome = sync.fetch(FEED)
        assert outcome.ok and outcome.records
        summary = store.ingest_air(list(outcome.records))
        assert (summary.inserted, summary.updated) == (0, 0)
        state = sync.run_feed(store, FEED)
        assert state.last_error is None and state.cursor == _iso(newest)
        assert store.counts()["air_hourly"] == total

        # The simulator catches up LAG_H hours (as after an outage): the next poll back-fills them all.
        sim.clock.advance(LAG_H * 3600)
        newer = sim.air.latest_hour(sim.now())
        assert newer == newest + timedelta(hours=LAG_H)
        state = sync.run_feed(store, FEED)
        assert state.last_error is None and state.cursor == _iso(newer)
        hourly = _hourly(store)
        for code in stations:
            assert [at for at, _ in hourly[code][-LAG_H - 1:]] == [
                int((newest + timedelta(hours=h)).timestamp()) for h in range(LAG_H + 1)], code
        assert store.counts()["air_hourly"] == total + LAG_H * len(stations)
    finally:
        sync.close()


def test_history_and_latest_polls_keep_their_own_values(lagging_simulator: SimulatorServer, store: Store) -> None:
    sim = lagging_simulator
    settings = _settings(sim)
    sync = SyncService([s for s in build_catalog(settings) if s.name in ("air4thai", FEED)], settings)
    try:
        for name in ("air4thai", FEED, "air4thai"):
            assert sync.run_feed(store, name).last_error is None
    finally:
        sync.close()
    hour = sim.air.latest_hour(sim.now())
    window = (hour - timedelta(hours=1), hour + timedelta(hours=1))
    assert store.air_series("35t", "pm25", *window, 3600) == [
        (hour, sim.air.window_mean("35t", "PM25", hour, 24))]
    expected = [(at, sim.air.hourly("35t", at)["PM25"]) for at in (hour - timedelta(hours=1), hour)]
    present = [(at, value) for at, value in expected if value is not None]
    assert store.air_series("35t", "pm25", *window, 3600, hourly=True) == present


def test_request_names_the_configured_stations_params_and_window(lagging_simulator: SimulatorServer) -> None:
    settings = _settings(lagging_simulator, air4thai_history_stations=["35t", "cm05t"])
    [spec] = [s for s in build_catalog(settings) if s.name == FEED]
    assert (spec.source, spec.title_en, spec.title_th) == ("Air4Thai (PCD)", "Air quality, hourly",
                                                          "คุณภาพอากาศรายชั่วโมง")
    assert spec.cadence_s == 3600
    request = spec.build_request(FeedContext(settings, {}, cursor="2020-01-01T00:00:00Z"))
    query = parse_qs(urlsplit(request.url).query)
    assert urlsplit(request.url).path.endswith("/air4thai/forweb/getHistoryData.php")
    assert query["stationID"] == ["35t,cm05t"]
    assert query["param"] == [",".join(HISTORY_PARAMS)]
    today = datetime.now(UTC).astimezone(BANGKOK).date()
    assert query["sdate"] == [str(today - timedelta(days=7))]  # a very old cursor is capped to seven days
    assert query["edate"] == [str(today)]


def test_history_feed_is_off_without_stations_and_cadence_has_a_floor() -> None:
    assert "air4thai_history" not in [s.name for s in build_catalog(Settings(air4thai_history_stations=[]))]
    assert Settings().cadences.air4thai_history == 3600
    with pytest.raises(ValueError, match="air4thai_history"):
        Settings.model_validate({"cadences": {"air4thai_history": 599}})


NOW = datetime(2026, 3, 15, 3, 0, tzinfo=UTC)  # 10:00 Thai local on 15 March


@pytest.mark.parametrize(
    ("cursor", "expected_start"),
    [
        (None, date(2026, 2, 13)),  # first poll: 30 days back
        ("2026-03-14T16:59:59Z", date(2026, 3, 14)),  # 23:59 Thai on the 14th
        ("2026-03-14T17:00:00Z", date(2026, 3, 15)),  # midnight Thai: already the 15th
        ("2026-03-01T00:00:00Z", date(2026, 3, 8)),  # capped to seven days back
        ("2026-03-20T00:00:00Z", date(2026, 3, 15)),  # a cursor ahead of our clock never passes today
        ("not a time", date(2026, 2, 13)),  # unreadable: as if there were none
        ("2026-03-14T10:00:00", date(2026, 2, 13)),  # no zone: as if there were none
    ],
)
def test_history_window(cursor: str | None, expected_start: date) -> None:
    assert history_window(cursor, NOW) == (expected_start, date(2026, 3, 15))
