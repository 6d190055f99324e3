"""Map layer features from the store, and diffs by id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.map_layers import (
    air_features,
    diff_layer,
    district_features,
    hotspot_features,
    incident_features,
    river_features,
)
from services.records import BoundaryFeature, FireHotspot, ServiceRequest
from services.simulator.server import SimulatorServer
from services.store.store import Store
from services.sync.feed_catalog import build_catalog
from services.sync.sync_service import SyncService
from tests.services.test_sync_service import demo_settings

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def test_layers_from_a_synced_store(simulator: SimulatorServer, store: Store) -> None:
    settings = demo_settings(simulator)
    sync = SyncService(build_catalog(settings), settings, {"firms_map_key": simulator.map_key})
    for spec in sync.specs:
        sync.run_feed(store, spec.name)
    sync.close()
    now = datetime.now(UTC)
    incidents = incident_features(store.incidents_for_map(), now)
    assert incidents and all(f["geometry"]["type"] == "Point" for f in incidents)
    assert len({f["id"] for f in incidents}) == len(incidents)
    props = incidents[0]["properties"]
    assert set(props) >= {"id", "title", "description", "category", "priority", "status", "state", "sla_breached",
                          "time"}
    assert props["time"].endswith("Z")
    air = air_features(store.latest_air())
    assert {f["id"] for f in air} >= {"35t", "36t"}
    assert all(1 <= f["properties"]["band"] <= 5 for f in air if f["properties"]["band"] is not None)
    river = {f["id"]: f for f in river_features(store.latest_river())}
    assert river["P.1"]["properties"]["bank_full_m"] == 3.70 and river["P.1"]["properties"]["flood_m"] == 4.20
    hotspots = hotspot_features(store.hotspots_for_map(now - timedelta(days=5)), now)
    assert all(f["properties"]["age_band"] in ("24h", "48h", "5d") for f in hotspots)


def test_incident_sla_and_hostile_text_stays_data(store: Store) -> None:
    hostile = '<img src=x onerror="alert(1)">${1+1}`x`</script>'
    store.ingest_service_requests([
        ServiceRequest(id="9001", status="open", service_code="flood", description=hostile, lat=18.79, lon=98.99,
                       requested_at=NOW - timedelta(hours=5), updated_at=NOW - timedelta(hours=1),
                       expected_at=NOW - timedelta(minutes=1), service_name="น้ำท่วม", priority="P1"),
        ServiceRequest(id="9002", status="open", service_code="road", description="pothole", lat=None, lon=None,
                       requested_at=NOW, updated_at=NOW),
    ])
    [feature] = incident_features(store.incidents_for_map(), NOW)
    assert feature["id"] == "9001"
    assert feature["properties"]["description"] == hostile
    assert feature["properties"]["sla_breached"] is True
    assert feature["properties"]["title"] == "น้ำท่วม"


def test_hotspot_age_bands(store: Store) -> None:
    spots = [FireHotspot(source="VIIRS_SNPP_NRT", satellite="N", lat=19.5, lon=98.9 + i / 100,
                         acquired_at=NOW - timedelta(hours=h), confidence="high", frp=5.0, daynight="D")
             for i, h in enumerate((2, 30, 80))]
    store.ingest_hotspots(spots)
    features = hotspot_features(store.hotspots_for_map(NOW - timedelta(days=5)), NOW)
    assert sorted(f["properties"]["age_band"] for f in features) == ["24h", "48h", "5d"]


def test_districts_fall_back_to_centroids_until_imported(store: Store) -> None:
    centroids = district_features(store.boundary_features("districts"))
    assert len(centroids) == 25
    assert {f["properties"]["name"] for f in centroids} >= {"Mueang Chiang Mai", "Omkoi", "Galyani Vadhana"}
    polygon = {"type": "Polygon", "coordinates": [[[98.9, 18.7], [99.0, 18.7], [99.0, 18.8], [98.9, 18.7]]]}
    store.ingest_boundaries("districts", [BoundaryFeature(id="TH5001", name="Mueang Chiang Mai", name_th="เมือง",
                                                          geometry_type="Polygon", geometry=polygon,
                                                          properties={"ADM2_PCODE": "TH5001"})])
    [imported] = district_features(store.boundary_features("districts"))
    assert imported["geometry"] == polygon and imported["properties"]["name_th"] == "เมือง"


def test_diff_by_id() -> None:
    def point(fid: str, x: float) -> dict:
        return {"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": [x, 18.0]},
                "properties": {"id": fid}}

    old = {"a": point("a", 1), "b": point("b", 2), "c": point("c", 3)}
    diff = diff_layer(old, [point("a", 1), point("b", 2.5), point("d", 4)])
    assert [f["id"] for f in diff.add] == ["d"]
    assert [f["id"] for f in diff.update] == ["b"]
    assert diff.remove == ["c"]
    assert diff_layer(old, list(old.values())).empty
