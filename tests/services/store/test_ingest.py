"""Bulk upserts: idempotence, updates, metadata merging, hotspots, incidents, services and boundaries."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.records import BoundaryFeature, FireHotspot, ServiceDefinition, ServiceRequest
from services.store import IngestSummary, Store

from tests.services.store.conftest import T0, air, river


def _dump(store: Store, table: str) -> list[tuple]:
    with store.feed_engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1, 2")]


def test_double_ingest_changes_nothing(store: Store) -> None:
    records = [air(f"s{i}", h, pm25=float(i * h)) for i in range(5) for h in range(24)]
    assert store.ingest_air(records) == IngestSummary(120, 120, 0, 0)
    before = _dump(store, "air_readings"), _dump(store, "stations")
    assert store.ingest_air(records) == IngestSummary(120, 0, 0, 120)
    assert (_dump(store, "air_readings"), _dump(store, "stations")) == before
    assert store.counts()["air_readings"] == 120


def test_changed_values_update_and_missing_values_keep(store: Store) -> None:
    store.ingest_air([air("35t", 0, pm25=10.0, pm10=30.0), air("35t", 1, pm25=11.0)])
    summary = store.ingest_air([air("35t", 0, pm25=12.5, pm10=None), air("35t", 1, pm25=11.0), air("35t", 2)])
    assert summary == IngestSummary(3, 1, 1, 1)
    rows = _dump(store, "air_readings")
    assert rows[0][2:4] == (12.5, 30.0)  # pm25 updated, pm10 kept although the new record had None
    assert store.counts()["air_readings"] == 3


def test_station_metadata_merges(store: Store) -> None:
    store.ingest_air([air("35t", 0, name_en="City Hall", name_th="ศาลากลาง", lat=18.84, lon=98.97,
                          area_en="Chiang Mai")])
    store.ingest_air([air("35t", 1, name_en="City Hall (new)", name_th=None, lat=None, lon=None)])
    (latest,) = store.latest_air()
    assert (latest.name_en, latest.name_th, latest.lat, latest.lon, latest.area_en) == (
        "City Hall (new)", "ศาลากลาง", 18.84, 98.97, "Chiang Mai",
    )
    # a fresh station whose newest record lacks names takes them from an older record of the same batch
    store.ingest_air([air("36t", 0, name_en="Yupparaj"), air("36t", 1, name_en=None, lat=None)])
    assert {r.code: r.name_en for r in store.latest_air()}["36t"] == "Yupparaj"


def test_river_ingest_and_default_thresholds(store: Store) -> None:
    assert store.ingest_river([river("P.1", 0, 2.1), river("P.1", 1, 2.4), river("P.67", 1, 1.0)]).inserted == 3
    assert store.ingest_river([river("P.1", 1, 2.4)]).unchanged == 1
    by_code = {r.code: r for r in store.latest_river()}
    p1 = by_code["P.1"]
    assert p1.level_m == 2.4 and p1.previous_level_m == 2.1
    assert abs(p1.trend_m - 0.3) < 1e-9
    assert p1.thresholds == {"bank_full_m": 3.70, "flood_m": 4.20}
    assert by_code["P.67"].previous_level_m is None and by_code["P.67"].thresholds == {}


def _hotspot(lat: float, minute: int, frp: float = 5.0, confidence: str | int | None = "n") -> FireHotspot:
    return FireHotspot(
        source="VIIRS_SNPP_NRT", satellite="N", lat=lat, lon=98.9, acquired_at=T0 + timedelta(minutes=minute),
        confidence=confidence, frp=frp, daynight="D", instrument="VIIRS",
    )


def test_hotspots_upsert_by_identity(store: Store) -> None:
    batch = [_hotspot(18.0 + i / 100, i) for i in range(10)] + [_hotspot(19.0, 5, confidence=80)]
    assert store.ingest_hotspots(batch) == IngestSummary(11, 11, 0, 0)
    assert store.ingest_hotspots(batch) == IngestSummary(11, 0, 0, 11)
    assert store.ingest_hotspots([_hotspot(18.0, 0, frp=9.0)]) == IngestSummary(1, 0, 1, 0)
    got = store.hotspots_between(T0, T0 + timedelta(hours=1), limit=100)
    assert len(got) == 11 and got[0].acquired_at >= got[-1].acquired_at
    assert {h.confidence for h in got} == {"n", 80}
    assert [h.frp for h in got if h.lat == 18.0] == [9.0]
    assert store.hotspot_count_since(T0 + timedelta(minutes=5)) == 6
    assert store.counts()["hotspots"] == 11


def _request(server_id: str, status: str = "open", minutes: int = 0,
             description: str = "flooded soi") -> ServiceRequest:
    at = T0 + timedelta(minutes=minutes)
    return ServiceRequest(
        id=server_id, status=status, service_code="flood", description=description, lat=18.79, lon=98.99,
        requested_at=at, updated_at=at, version=1,
    )


def test_service_requests_upsert_and_defer_local_edits(store: Store) -> None:
    assert store.ingest_service_requests([_request("1"), _request("2")]) == IngestSummary(2, 2, 0, 0)
    assert store.ingest_service_requests([_request("1"), _request("2")]) == IngestSummary(2, 0, 0, 2)
    with store.edit_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE incidents SET local_changes = 1, description = 'mine' WHERE server_id = '2'")
    summary = store.ingest_service_requests(
        [_request("1", "closed", 5, "pumped"), _request("2", "closed", 5, "theirs"), _request("3")]
    )
    assert summary == IngestSummary(3, 1, 1, 0, deferred=1)
    rows = {r.server_id: r for r in store.incidents_page(limit=10)}
    assert (rows["1"].status, rows["1"].description) == ("closed", "pumped")
    assert (rows["2"].status, rows["2"].description) == ("open", "mine")
    assert store.counts()["incidents_open"] == 2


def test_services_and_boundaries_are_idempotent(store: Store) -> None:
    services = [ServiceDefinition("flood", "Flooding", keywords=("water", "flood"), group="water")]
    assert store.ingest_services(services) == IngestSummary(1, 1, 0, 0)
    assert store.ingest_services(services) == IngestSummary(1, 0, 0, 1)
    assert store.ingest_services([ServiceDefinition("flood", "Flood")]) == IngestSummary(1, 0, 1, 0)

    feature = BoundaryFeature(
        id="TH5001", name="Mueang Chiang Mai", name_th="เมืองเชียงใหม่", geometry_type="Polygon",
        geometry={"type": "Polygon", "coordinates": [[[98.9, 18.7], [99.0, 18.7], [99.0, 18.8], [98.9, 18.7]]]},
        properties={"ADM2_PCODE": "TH5001", "ADM1_PCODE": "TH50"},
    )
    assert store.ingest_boundaries("districts", [feature]) == IngestSummary(1, 1, 0, 0)
    assert store.ingest_boundaries("districts", [feature]) == IngestSummary(1, 0, 0, 1)
    assert store.ingest_boundaries("other", [feature]).inserted == 1


def test_naive_datetimes_are_refused(store: Store) -> None:
    naive = air("35t", 0)
    naive = type(naive)(**{**{f: getattr(naive, f) for f in naive.__slots__}, "observed_at": datetime(2026, 1, 1)})
    with pytest.raises(ValueError, match="naive"):
        store.ingest_air([naive])
    assert store.latest_air() == []
