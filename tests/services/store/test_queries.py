"""Read queries: latest per station (and its plan), series buckets, keyset pagination."""

from __future__ import annotations

import random
from datetime import timedelta

from services.records import ServiceRequest
from services.store import Store
from services.store.queries import _LATEST_AIR

from tests.services.store.conftest import T0, air, river


def test_latest_air_per_station_with_many_stations_and_times(store: Store) -> None:
    rng = random.Random(7)
    records, newest = [], {}
    for i in range(40):
        hours = rng.sample(range(500), 30)
        newest[f"s{i:02d}"] = max(hours)
        records += [air(f"s{i:02d}", h, pm25=float(i * 1000 + h)) for h in hours]
    rng.shuffle(records)
    store.ingest_air(records)
    latest = store.latest_air()
    assert [r.code for r in latest] == sorted(newest)
    for row in latest:
        assert row.observed_at == T0 + timedelta(hours=newest[row.code])
        assert row.pm25 == float(int(row.code[1:]) * 1000 + newest[row.code])


def test_latest_air_seeks_the_primary_key(store: Store) -> None:
    store.ingest_air([air(f"s{i}", h) for i in range(20) for h in range(50)])
    with store.feed_engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + _LATEST_AIR)]
    readings_steps = [step for step in plan if "air_readings" in step or step.startswith(("SCAN r", "SEARCH r"))]
    assert readings_steps, plan
    assert not any(step.startswith("SCAN") for step in readings_steps), plan
    assert any("PRIMARY KEY" in step for step in readings_steps), plan


def test_air_series_buckets(store: Store) -> None:
    store.ingest_air([air("35t", h, pm25=float(h)) for h in range(48)] + [air("35t", 48, pm25=None)])
    series = store.air_series("35t", "pm25", T0 + timedelta(hours=6), T0 + timedelta(hours=30), 12 * 3600)
    # buckets [00,12) [12,24) [24,36) clipped to [06,30): hours 6..11, 12..23, 24..29
    assert series == [
        (T0, sum(range(6, 12)) / 6),
        (T0 + timedelta(hours=12), sum(range(12, 24)) / 12),
        (T0 + timedelta(hours=24), sum(range(24, 30)) / 6),
    ]
    assert store.air_series("nope", "pm25", T0, T0 + timedelta(days=9), 3600) == []


def test_river_series_and_bad_metric(store: Store) -> None:
    import pytest

    store.ingest_river([river("P.1", h, 2.0 + h / 10) for h in range(4)])
    assert store.river_series("P.1", "level_m", T0, T0 + timedelta(hours=4), 7200) == [
        (T0, 2.05), (T0 + timedelta(hours=2), 2.25)
    ]
    with pytest.raises(ValueError, match="unknown metric"):
        store.river_series("P.1", "level_m; DROP TABLE stations", T0, T0, 60)


def test_keyset_pagination_walks_every_row_once_in_order(store: Store) -> None:
    rng = random.Random(3)
    requests = [
        ServiceRequest(
            id=str(i), status=rng.choice(["open", "closed"]), service_code="road", description=None, lat=None,
            lon=None, requested_at=T0, updated_at=T0 + timedelta(minutes=rng.randrange(40)),  # many ties
        )
        for i in range(237)
    ]
    store.ingest_service_requests(requests)
    for status in (None, "open"):
        seen, after = [], None
        while page := store.incidents_page(after=after, limit=20, status=status):
            seen += page
            after = page[-1].page_key
        keys = [(r.updated_at, r.id) for r in seen]
        assert keys == sorted(keys, reverse=True)
        expected = [r for r in requests if status is None or r.status == status]
        assert sorted(r.server_id for r in seen) == sorted(r.id for r in expected)
        assert len(set(keys)) == len(keys)


def test_incident_pages_seek_the_index(store: Store) -> None:
    from sqlalchemy import event

    plans: list[str] = []

    @event.listens_for(store.edit_engine, "before_cursor_execute")
    def _plan(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().startswith("SELECT incidents."):
            plans.extend(r[-1] for r in cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters))

    store.incidents_page(after=(T0, 5), limit=10, status="open")
    store.incidents_page(after=(T0, 5), limit=10)
    assert len(plans) == 2, plans
    assert all(p.startswith("SEARCH incidents USING INDEX") and "updated_at<" in p for p in plans), plans


def test_counts(store: Store) -> None:
    store.ingest_air([air("a", h) for h in range(3)])
    store.ingest_river([river("P.1", 0, 1.0)])
    assert store.counts() == {
        "stations": 2, "air_readings": 3, "air_hourly": 0, "river_readings": 1, "hotspots": 0, "incidents_open": 0,
        "outbox_pending": 0,
    }
    with store.feed_engine.begin() as conn:  # written behind the ingest's back, so the maintained count is stale
        conn.exec_driver_sql("DELETE FROM air_readings")
    assert store.counts()["air_readings"] == 3
    store.recount()
    assert store.counts()["air_readings"] == 0
