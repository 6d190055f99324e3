"""Hourly Air4Thai history lives in ``air_hourly``, apart from the latest endpoint's 24 h means in ``air_readings``."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command

from services.importer import import_file
from services.store import Store, open_store
from services.store.database import alembic_config, make_engine
from services.store.rows import IngestSummary
from services.store.schema import HEAD_REVISION

from tests.services.store.conftest import T0, air

# 2026-03-15 14:00 Thai local (hour-ending) = 07:00 UTC.
HOUR = datetime(2026, 3, 15, 7, tzinfo=UTC)

LATEST = {"stations": [{
    "stationID": "35t", "nameTH": "ศาลากลางจังหวัดเชียงใหม่", "nameEN": "City Hall, Chiang Mai",
    "areaTH": "ต.ช้างเผือก อ.เมือง, เชียงใหม่", "areaEN": "Chang Phueak, Mueang, Chiang Mai", "stationType": "GROUND",
    "lat": "18.840732", "long": "98.969763", "forecast": [],
    "AQILast": {"date": "2026-03-15", "time": "14:00",
                "PM25": {"color_id": "4", "aqi": "103", "value": "38.2"},
                "PM10": {"color_id": "2", "aqi": "34", "value": "61"},
                "O3": {"color_id": "1", "aqi": "16", "value": "22"},
                "CO": {"color_id": "1", "aqi": "3", "value": "0.58"},
                "NO2": {"color_id": "1", "aqi": "3", "value": "8"},
                "SO2": {"color_id": "1", "aqi": "0", "value": "1"},
                "AQI": {"color_id": "4", "aqi": "103", "param": "PM25"}}}]}

HISTORY = {"result": "OK", "error": "", "stations": [{
    "stationID": "35t", "params": ["PM25", "PM10"], "data": [
        {"DATETIMEDATA": "2026-03-15 13:00:00", "PM25": 51.0, "PM10": 80.5},
        {"DATETIMEDATA": "2026-03-15 14:00:00", "PM25": 55.4, "PM10": 90.1},
    ]}]}


def _write(tmp_path: Path, name: str, doc: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _rows(store: Store, table: str) -> list[tuple]:
    with store.feed_engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(
            f"SELECT s.code, t.observed_at, t.pm25, t.pm10 FROM {table} AS t JOIN stations AS s ON s.id = t.station_id "
            "ORDER BY s.code, t.observed_at")]


def test_history_then_latest_for_the_same_hour_keeps_both(tmp_path: Path, store_path: Path) -> None:
    history, latest = _write(tmp_path, "history.json", HISTORY), _write(tmp_path, "latest.json", LATEST)
    hour = int(HOUR.timestamp())

    assert import_file(lambda: open_store(store_path), "air4thai-history", history).accepted == 2
    assert import_file(lambda: open_store(store_path), "air4thai", latest).accepted == 1
    # And the other way round: history again after the latest must not touch the 24 h mean.
    import_file(lambda: open_store(store_path), "air4thai-history", history)

    with open_store(store_path) as store:
        assert _rows(store, "air_readings") == [("35t", hour, 38.2, 61.0)]  # the 24 h mean
        assert _rows(store, "air_hourly") == [("35t", hour - 3600, 51.0, 80.5), ("35t", hour, 55.4, 90.1)]
        [latest_row] = store.latest_air()
        assert (latest_row.observed_at, latest_row.pm25, latest_row.aqi) == (HOUR, 38.2, 103)
        assert latest_row.name_en == "City Hall, Chiang Mai"  # the history import created the station, nameless
        window = (HOUR - timedelta(hours=3), HOUR + timedelta(hours=1))
        assert store.air_series("35t", "pm25", *window, 3600) == [(HOUR, 38.2)]
        assert store.air_series("35t", "pm25", *window, 3600, hourly=True) == [
            (HOUR - timedelta(hours=1), 51.0), (HOUR, 55.4)]
        assert store.counts()["air_readings"] == 1
        assert store.counts()["air_hourly"] == 2


def test_double_ingest_of_hourly_values_changes_nothing(store: Store) -> None:
    records = [air(f"s{i}", h, pm25=float(h), averaging="1h") for i in range(4) for h in range(30)]
    assert store.ingest_air(records) == IngestSummary(120, 120, 0, 0)
    assert store.ingest_air(records) == IngestSummary(120, 0, 0, 120)
    assert store.counts()["air_hourly"] == 120
    assert store.counts()["air_readings"] == 0


def test_hourly_values_coalesce_like_the_means(store: Store) -> None:
    # History only returns the parameters asked for: a later PM10-only answer must not blank PM2.5.
    store.ingest_air([air("35t", 0, pm25=40.0, averaging="1h")])
    summary = store.ingest_air([air("35t", 0, pm25=None, pm10=70.0, averaging="1h"), air("35t", 1, averaging="1h")])
    assert summary == IngestSummary(2, 1, 1, 0)
    assert _rows(store, "air_hourly") == [
        ("35t", int(T0.timestamp()), 40.0, 70.0), ("35t", int(T0.timestamp()) + 3600, 10.0, None)]


def test_mixed_list_is_routed_and_the_summary_adds_up(store: Store) -> None:
    means = [air("35t", h, pm25=30.0 + h) for h in range(3)]
    hourly = [replace(r, pm25=r.pm25 + 100, averaging="1h") for r in means]
    mixed = [m for pair in zip(means, hourly, strict=True) for m in pair]
    assert store.ingest_air(mixed) == IngestSummary(6, 6, 0, 0)
    assert [r[2] for r in _rows(store, "air_readings")] == [30.0, 31.0, 32.0]
    assert [r[2] for r in _rows(store, "air_hourly")] == [130.0, 131.0, 132.0]
    changed = [replace(means[0], pm25=1.0)] + hourly
    assert store.ingest_air(changed) == IngestSummary(4, 0, 1, 3)
    assert store.ingest_air(changed) == IngestSummary(4, 0, 0, 4)


def test_unknown_averaging_is_refused_and_stores_nothing(store: Store) -> None:
    with pytest.raises(ValueError, match="averaging"):
        store.ingest_air([air("35t", 0), air("35t", 1, averaging="8h")])
    assert store.counts()["stations"] == 0


def test_hourly_series_has_no_aqi(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown metric 'aqi'"):
        store.air_series("35t", "aqi", T0, T0 + timedelta(days=1), 3600, hourly=True)


def test_upgrade_from_0003_keeps_data_and_adds_air_hourly(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    engine = make_engine(store_path, synchronous="FULL")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0003_row_counts")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO stations (id, kind, code, name_en) VALUES (1, 'air', '35t', 'City Hall')")
        conn.exec_driver_sql("INSERT INTO air_readings (station_id, observed_at, pm25) VALUES (1, 3600, 42.0)")
        conn.exec_driver_sql("INSERT INTO row_counts (table_name, n) VALUES ('air_readings', 1)")
    engine.dispose()

    with open_store(store_path) as store:
        with store.edit_engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == HEAD_REVISION
        assert [(r.code, r.pm25) for r in store.latest_air()] == [("35t", 42.0)]
        assert store.counts()["air_hourly"] == 0
        store.ingest_air([replace(air("35t", 0), observed_at=datetime.fromtimestamp(3600, UTC), pm25=7.0,
                                  averaging="1h")])
        assert _rows(store, "air_readings") == [("35t", 3600, 42.0, None)]
        assert _rows(store, "air_hourly") == [("35t", 3600, 7.0, None)]
        assert store.counts()["air_readings"] == 1 and store.counts()["air_hourly"] == 1


def test_downgrade_to_0003_drops_air_hourly_and_its_count(store: Store) -> None:
    store.ingest_air([air("35t", 0, averaging="1h")])
    assert store.counts()["air_hourly"] == 1
    with store.edit_engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0003_row_counts")
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counted = {r[0] for r in conn.exec_driver_sql("SELECT table_name FROM row_counts")}
    assert "air_hourly" not in tables and "air_readings" in tables
    assert "air_hourly" not in counted
