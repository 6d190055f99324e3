"""Map layer features from the store, and diffs by id."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

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


def test_stored_non_finite_coordinates_are_left_out_and_logged(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    """A store written before the feeds checked coordinates may hold NaN / Infinity (issue 9 §4): the page takes
    strict JSON only, so every layer must still build and serialise, leaving those features out with a log line."""
    from services.records import AirReading, RiverReading

    inf, nan = float("inf"), float("nan")
    good_ring = [[98.9, 18.7], [99.0, 18.7], [99.0, 18.8], [98.9, 18.7]]
    store.ingest_boundaries("districts", [
        BoundaryFeature("TH5001", "Mueang", None, "Polygon", {"type": "Polygon", "coordinates": [good_ring]}, {}),
        BoundaryFeature("TH5002", "Bad", None, "Polygon",
                        {"type": "Polygon", "coordinates": [[[98.9, nan], [99.0, 18.7], [99.0, 18.8], [98.9, nan]]]},
                        {}),
        BoundaryFeature("TH5003", "Worse", None, "Point", {"type": "Point", "coordinates": [inf, 18.7]}, {}),
    ])
    store.ingest_service_requests([
        ServiceRequest(id="1", status="open", service_code="flood", description="ok", lat=18.79, lon=98.99,
                       requested_at=NOW, updated_at=NOW),
        ServiceRequest(id="2", status="open", service_code="flood", description="inf", lat=18.8, lon=98.99,
                       requested_at=NOW, updated_at=NOW),
    ])
    with store.feed_engine.begin() as conn:  # the ingest path no longer takes one; an old store may hold it
        conn.exec_driver_sql("UPDATE incidents SET lat = ? WHERE server_id = '2'", (inf,))
    store.ingest_hotspots([
        FireHotspot("VIIRS_SNPP_NRT", "N", 19.5, 98.9, NOW, "high", 5.0, "D"),
        FireHotspot("VIIRS_SNPP_NRT", "N", 19.5, -inf, NOW, "high", 5.0, "D"),
    ])
    store.ingest_air([AirReading("35t", "City Hall", None, 18.84, 98.97, NOW, pm25=20.0),
                      AirReading("99t", "Nowhere", None, inf, 98.97, NOW, pm25=20.0)])
    store.ingest_river([RiverReading("P.1", None, "Nawarat", 18.787, 99.0051, NOW, 2.0, 302.0, -1.5, 2, "50"),
                        RiverReading("P.9", None, "Nowhere", 18.7, inf, NOW, 2.0, 302.0, -1.5, 2, "50")])

    with caplog.at_level("WARNING", logger="services.map_layers"):
        layers = {
            "districts": district_features(store.boundary_features("districts")),
            "incidents": incident_features(store.incidents_for_map(), NOW),
            "hotspots": hotspot_features(store.hotspots_for_map(NOW - timedelta(days=1)), NOW),
            "air": air_features(store.latest_air()),
            "river": river_features(store.latest_river()),
        }
    assert {name: [f["id"] for f in features] for name, features in layers.items()} == {
        "districts": ["TH5001"], "incidents": ["1"], "hotspots": [layers["hotspots"][0]["id"]], "air": ["35t"],
        "river": ["P.1"]}
    json.dumps(layers, allow_nan=False)  # what maps/map_view.py sends to the page
    logged = caplog.text
    for needle in ("TH5002", "TH5003", "incidents", "hotspots", "99t", "P.9"):
        assert needle in logged


def test_districts_fall_back_to_centroids_when_no_stored_polygon_can_be_drawn(store: Store) -> None:
    store.ingest_boundaries("districts", [BoundaryFeature("TH5001", "Mueang", None, "Point",
                                                          {"type": "Point", "coordinates": [float("nan"), 18.7]}, {})])
    assert len(district_features(store.boundary_features("districts"))) == 25


def test_river_features_carry_the_band_of_the_one_river_scale(store: Store) -> None:
    """P.1 at 4.37 m is above its city-flooding level (4.20 m): the map draws the band the river table shows."""
    from services.records import RiverReading
    from services.river_status import status_of

    store.ingest_river([
        RiverReading("P.1", "สะพานนวรัฐ", "Nawarat Bridge", 18.787, 99.0051, NOW, 4.37, 304.0, 0.67, 5, "50"),
        RiverReading("P.67", "บ้านแม่แต", "Ban Mae Tae", 18.96, 98.99, NOW, 2.1, 330.0, -0.3, 4, "50"),
        RiverReading("P.73", "บ้านสบสอย", "Ban Sop Soi", 18.40, 98.67, NOW, 1.9, 280.0, -4.1, 3, "50"),
    ])
    rows = store.latest_river()
    features = {f["id"]: f["properties"] for f in river_features(rows)}
    assert features["P.1"]["band"] == "flooding"
    assert features["P.1"]["level_m"] == 4.37 and features["P.1"]["flood_m"] == 4.20
    for row in rows:  # the same function the river table and the situation strip call
        assert features[row.code]["band"] == status_of(row).band
    assert features["P.67"]["band"] == "high" and features["P.73"]["band"] == "normal"


def test_incident_features_carry_what_clusters_and_tooltips_need(store: Store) -> None:
    store.ingest_service_requests([
        ServiceRequest(id="9101", status="open", service_code="forest_fire", description="ไฟป่า", lat=18.79,
                       lon=98.99, requested_at=NOW - timedelta(hours=5), updated_at=NOW - timedelta(hours=1),
                       expected_at=NOW - timedelta(minutes=5), service_name="Forest fire", priority="P1",
                       status_detail="on_scene", extra={"source": "hotline"}),
        ServiceRequest(id="9102", status="closed", service_code="road", description="x", lat=18.8, lon=98.9,
                       requested_at=NOW - timedelta(hours=5), updated_at=NOW, expected_at=NOW - timedelta(hours=1),
                       priority="P2"),
    ])
    props = {f["id"]: f["properties"] for f in incident_features(store.incidents_for_map(), NOW)}
    p1 = props["9101"]
    assert (p1["priority"], p1["status"], p1["state"], p1["sla_breached"]) == ("P1", "open", "on_scene", True)
    assert (p1["district"], p1["source"], p1["expected"]) == ("TH5001", "hotline", "2026-11-25T06:55:00Z")
    closed = props["9102"]
    assert closed["sla_breached"] is False  # a closed incident is never past its SLA on the map
    assert closed["expected"] == "2026-11-25T06:00:00Z" and closed["source"] == "open311"


def test_the_page_style_is_the_thai_aqi_table_and_the_river_scale() -> None:
    from maps.page_style import contrast, page_style
    from services import river_status
    from services.feeds.thai_aqi import BANDS

    style = page_style()
    assert [(b["band"], b["colour"], b["min"], b["max"], b["label_th"]) for b in style["aqi"]] == [
        (b.number, "#{:02x}{:02x}{:02x}".format(*b.rgb), b.aqi_min, b.aqi_max, b.label_th) for b in BANDS]
    assert [b["band"] for b in style["river"]] == list(river_status.BANDS)
    assert {b["band"]: b["label_th"] for b in style["river"]}["flooding"] == "น้ำท่วมเมือง"
    for band in style["aqi"] + style["river"]:
        rgb = tuple(int(band["colour"][i:i + 2], 16) for i in (1, 3, 5))
        text = (0, 0, 0) if band["text"] == "#000000" else (255, 255, 255)
        assert contrast(rgb, text) >= 4.5, band["band"]  # type: ignore[arg-type]
    assert len(set(river_status.GLYPHS.values())) == len(river_status.BANDS)  # each band its own glyph
    json.dumps(style, allow_nan=False, ensure_ascii=False)
