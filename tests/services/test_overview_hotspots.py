"""The overview's hotspot list (with the totals, on a real store): the last 24 hours' detections, newest first, each
in its district; older detections and other parts' loads leave it out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.districts import districts
from services.overview import HOTSPOT_COUNT_WINDOW, load_overview
from services.records import FireHotspot
from services.store import Store


def detection(minutes_ago: int, lat: float, lon: float, confidence: str | int = "nominal") -> FireHotspot:
    return FireHotspot(source="VIIRS_SNPP_NRT", satellite="N", lat=lat, lon=lon,
                       acquired_at=datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes_ago),
                       confidence=confidence, frp=5.5, daynight="D")


def test_hotspots_come_with_the_totals_newest_first_with_their_district(store: Store) -> None:
    by_code = {d.code: d for d in districts()}
    mae_chaem = next(d for d in by_code.values() if d.name_en == "Mae Chaem")
    omkoi = next(d for d in by_code.values() if d.name_en == "Omkoi")
    store.ingest_hotspots([
        detection(300, omkoi.lat, omkoi.lon, 90),
        detection(20, mae_chaem.lat + 0.01, mae_chaem.lon, "high"),
        detection(int(HOTSPOT_COUNT_WINDOW.total_seconds() // 60) + 30, mae_chaem.lat, mae_chaem.lon),  # too old
    ])
    snapshot = load_overview(store, ("counts",))
    assert snapshot.counts is not None and snapshot.counts["hotspots_24h"] == 2
    assert snapshot.hotspots is not None
    assert [(h.district_en, h.district_th, h.confidence) for h in snapshot.hotspots] == [
        ("Mae Chaem", mae_chaem.name_th, "high"), ("Omkoi", omkoi.name_th, 90)]
    assert snapshot.hotspots[0].acquired_at > snapshot.hotspots[1].acquired_at
    assert load_overview(store, ("air",)).hotspots is None  # only with the totals
