"""Fire rules on real stores: every new hotspot of enough confidence near a landmark or inside a named area is an
occurrence of one alert; K hotspots in a district within the window raise, K - 1 do not."""

from __future__ import annotations

import numpy as np

from services.alerts.fire import distance_km
from services.alerts.rules import RuleContext, landmarks
from services.districts import districts
from services.store import Store

from tests.services.alerts.conftest import alerts_by, at, hotspot, rules

GATE = landmarks()["tha_phae_gate"]
KM_LAT = 1 / 111.195  # degrees of latitude in a kilometre


def _north(km: float) -> tuple[float, float]:
    return round(GATE.lat + km * KM_LAT, 5), GATE.lon


def test_each_qualifying_hotspot_near_a_landmark_is_an_occurrence_of_one_alert(store: Store) -> None:
    inside, outside = _north(2.9), _north(3.1)
    lats, lons = np.array([inside[0], outside[0]]), np.array([inside[1], outside[1]])
    assert distance_km(GATE.lat, GATE.lon, lats, lons).round(2).tolist() == [2.9, 3.1]
    store.ingest_hotspots([
        hotspot(2.5, *inside, "n"),  # counts
        hotspot(2.6, *inside, "l"),  # low confidence: below the rule's nominal
        hotspot(2.7, *outside, "h"),  # 3.1 km away
        hotspot(4.5, *_north(1.0), 30, "MODIS_NRT"),  # MODIS 30 % is nominal
        hotspot(4.5, *_north(-1.0), 29, "MODIS_NRT"),  # 29 % is low
        hotspot(4.6, *_north(0.5), "h"),
    ])
    rule = {"id": "near", "kind": "fire", "near": ["tha_phae_gate"], "radius_km": 3, "min_confidence": "nominal",
            "clear_hours": 6, "quiet_minutes": 0}
    store.evaluate_alerts(rules(rule), at(12))
    [alert] = alerts_by(store).values()
    assert (alert.scope_kind, alert.scope_key, alert.scope_name_en) == ("area", "tha_phae_gate", "Tha Phae Gate")
    assert (alert.first_at, alert.last_at, alert.occurrences) == (at(3), at(5), 3)
    assert alert.message_en == "2 new hotspots within 3 km of Tha Phae Gate"
    assert alert.message_th == "จุดความร้อนใหม่ 2 จุด ในรัศมี 3 กม. จากประตูท่าแพ"
    assert (alert.state, alert.cleared_at) == ("cleared", at(11))  # six hours without one after hour 5
    assert [(a.action, a.at) for a in store.alert_history(alert.id)] == [
        ("raised", at(3)), ("occurred", at(5)), ("cleared", at(11))]


def test_hotspots_inside_a_named_drawn_area(store: Store) -> None:
    ring = ((98.99, 18.78), (99.01, 18.78), (99.01, 18.80), (98.99, 18.80))
    store.ingest_hotspots([hotspot(1.5, 18.79, 99.0), hotspot(1.5, 18.81, 99.0)])
    rule = {"id": "areas", "kind": "fire", "areas": ["Riverside", "Deleted since"], "quiet_minutes": 0}
    store.evaluate_alerts(rules(rule, context=RuleContext(areas={"Riverside": ring})), at(3))
    [alert] = alerts_by(store).values()
    assert (alert.scope_kind, alert.scope_key, alert.occurrences, alert.first_at) == ("area", "Riverside", 1, at(2))
    assert alert.message_en == "1 new hotspot inside Riverside"
    assert (round(alert.lat, 3), round(alert.lon, 3)) == (18.79, 99.0)  # the area's middle, for the map


def test_k_hotspots_in_a_district_within_the_window_raise_k_minus_one_do_not(store: Store) -> None:
    table = {d.name_en: d for d in districts()}
    chaem, thong = table["Mae Chaem"], table["Chom Thong"]
    spots = [hotspot(h, chaem.lat, chaem.lon + 0.001 * i) for i, h in enumerate((0.5, 1.5, 9.5, 11.5, 13.5))]
    spots += [hotspot(h, thong.lat, thong.lon) for h in (9.5, 13.5)]
    store.ingest_hotspots(spots)
    rule = {"id": "cluster", "kind": "fire", "scope": "district", "district_count": 3, "window_hours": 6,
            "clear_hours": 6, "quiet_minutes": 0}
    store.evaluate_alerts(rules(rule), at(24))
    [alert] = alerts_by(store).values()
    # Hours 1 and 2 make two; 10, 12 and 14 make three in the 6 hours ending at 14.
    assert (alert.scope_kind, alert.scope_key, alert.scope_name_th) == ("district", "Mae Chaem", "แม่แจ่ม")
    assert (alert.first_at, alert.value) == (at(14), 3.0)
    assert alert.message_en == "3 hotspots in 6 h in Mae Chaem (threshold 3)"
    assert (alert.state, alert.cleared_at) == ("cleared", at(20))
