"""The charts' store reads: buckets at their edges, gaps as NaN, gauges upstream first, hotspots per Bangkok day and
district split by confidence, incident load against a hand count, annotations."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from services.districts import districts, nearest_district
from services.records import AirReading, FireHotspot
from services.store import Store
from services.store.chart_queries import nearest_district_index
from services.store.incident_rows import IncidentDraft

from tests.services.store.conftest import T0, air, river

H = 3600
T0S = int(T0.timestamp())


def _hourly(code: str, hour: int, pm25: float | None) -> AirReading:
    return air(code, hour, pm25, averaging="1h")


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# --- PM2.5 -------------------------------------------------------------------------------------------------------

def test_air_charts_bucket_edges_gaps_and_both_series(store: Store) -> None:
    store.ingest_air([_hourly("35t", h, 10.0 * h) for h in (0, 1, 3, 5)]  # hour 2 and 4 missing: gaps
                     + [_hourly("35t", 6, None)]  # a row without PM2.5 is a gap too, never a zero
                     + [air("35t", h, 50.0 + h, area_en="Si Phum, Mueang, Chiang Mai") for h in range(6)])
    [chart] = store.air_charts(["35t"], _at(1), _at(6), H)
    assert (chart.code, chart.name_en, chart.province_en) == ("35t", "Station 35t", "Chiang Mai")
    # [start, end): the reading at 01:00 is in, the one at 06:00 (the end) is not.
    assert chart.hourly.t.tolist() == [T0S + h * H for h in range(1, 6)]
    assert chart.hourly.v[[0, 2, 4]].tolist() == [10.0, 30.0, 50.0]
    assert np.isnan(chart.hourly.v[[1, 3]]).all()
    assert chart.mean24.t.tolist() == chart.hourly.t.tolist()
    assert chart.mean24.v.tolist() == [51.0, 52.0, 53.0, 54.0, 55.0]


def test_air_charts_average_within_a_bucket_and_keep_the_asked_order(store: Store) -> None:
    store.ingest_air([_hourly(code, h, float(h)) for code in ("35t", "cm02t") for h in range(12)])
    charts = store.air_charts(["cm02t", "nope", "35t"], _at(0), _at(12), 6 * H)
    assert [c.code for c in charts] == ["cm02t", "35t"]  # an unknown code is left out
    assert charts[0].hourly.v.tolist() == [2.5, 8.5]  # the mean of hours 0-5 and 6-11
    assert np.isnan(charts[0].mean24.v).all()
    assert store.air_charts([], _at(0), _at(1), H) == []


def test_chart_stations_list_chiang_mai_first_and_gauges_upstream_first(store: Store) -> None:
    store.ingest_air([air("68t", 0, area_en="Nai Mueang, Mueang, Lamphun"),
                      air("cm02t", 0, area_en="Chang Khoeng, Mae Chaem, Chiang Mai", name_en="Mae Chaem "),
                      air("35t", 0, area_en="Chang Phueak, Mueang, Chiang Mai")])
    store.ingest_river([river("P.1", 0, 2.0, lat=18.787), river("P.67", 0, 1.5, lat=19.0099),
                        river("P.73", 0, 2.0, lat=18.2913), river("P.103", 0, 1.6, lat=18.8665)])
    stations = store.chart_stations()
    assert [s[0] for s in stations.air] == ["35t", "cm02t", "68t"]
    assert stations.air[1] == ("cm02t", "cm02t", "Mae Chaem", "Chiang Mai")  # no Thai name: the code
    assert [s[0] for s in stations.river] == ["P.67", "P.103", "P.1", "P.73"]


# --- river levels ------------------------------------------------------------------------------------------------

def test_river_charts_upstream_order_thresholds_and_gaps(store: Store) -> None:
    rows = []
    for code, lat in (("P.73", 18.2913), ("P.1", 18.787), ("P.67", 19.0099), ("P.103", 18.8665)):
        rows += [river(code, h / 6, 2.0 + h / 100, lat=lat) for h in range(36) if not 12 <= h < 18]
    store.ingest_river(rows)
    charts = store.river_charts(None, _at(0), _at(6), 600)
    assert [(c.code, c.rank) for c in charts] == [("P.67", 0), ("P.103", 1), ("P.1", 2), ("P.73", 3)]
    p1 = charts[2]
    assert (p1.bank_full_m, p1.flood_m) == (3.70, 4.20)
    assert charts[0].bank_full_m is None and charts[0].flood_m is None
    assert len(p1.level) == 36 and p1.level.t[0] == T0S and p1.level.t[-1] == T0S + 35 * 600
    assert np.isnan(p1.level.v[12:18]).all()
    assert p1.level.v[11] == pytest.approx(2.11) and p1.level.v[18] == pytest.approx(2.18)
    # Asked in any order, the answer is still upstream first, ranked along what was asked.
    asked = store.river_charts(["P.73", "P.1"], _at(0), _at(6), 3600)
    assert [(c.code, c.rank) for c in asked] == [("P.1", 0), ("P.73", 1)]
    assert asked[0].level.v[0] == pytest.approx(np.mean([2.0 + h / 100 for h in range(6)]))


def test_a_level_without_a_local_value_is_a_gap(store: Store) -> None:
    store.ingest_river([river("CHM002", 0, None, level_msl=264.5), river("CHM002", 1, 1.9)])
    [chart] = store.river_charts(["CHM002"], _at(0), _at(2), H)
    assert np.isnan(chart.level.v[0]) and chart.level.v[1] == 1.9


# --- hotspots ----------------------------------------------------------------------------------------------------

def _hotspot(at: datetime, lat: float, lon: float, confidence: str | int, source: str = "VIIRS_SNPP_NRT"
             ) -> FireHotspot:
    return FireHotspot(source=source, satellite="N", lat=lat, lon=lon, acquired_at=at, confidence=confidence,
                       frp=3.0, daynight="D", instrument="VIIRS" if source != "MODIS_NRT" else "MODIS")


MAE_CHAEM = (18.5959, 98.3092)
OMKOI = (17.6743, 98.337)


def test_hotspot_days_are_bangkok_days_across_utc_midnight(store: Store) -> None:
    # 16:59 UTC is 23:59 in Bangkok (still 1 March); 17:00 UTC is midnight, 2 March.
    store.ingest_hotspots([
        _hotspot(datetime(2026, 3, 1, 16, 59, tzinfo=UTC), *MAE_CHAEM, "n"),
        _hotspot(datetime(2026, 3, 1, 17, 0, tzinfo=UTC), *MAE_CHAEM, "n"),
        _hotspot(datetime(2026, 3, 1, 23, 0, tzinfo=UTC), 18.6, 98.31, "h"),
    ])
    start = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)  # midnight 1 March, Bangkok
    days = store.hotspot_days(start, start + timedelta(days=3))
    assert days.day_starts.tolist() == [start.timestamp() + i * 86400 for i in range(3)]
    assert days.districts == (("TH5003", "แม่แจ่ม", "Mae Chaem"),)
    assert days.counts[:, 0, :].tolist() == [[0, 1, 0], [0, 1, 1], [0, 0, 0]]
    # A window starting mid-day still starts its first bar at that day's Bangkok midnight.
    later = store.hotspot_days(start + timedelta(hours=20), start + timedelta(days=1, hours=1))
    assert later.day_starts.tolist() == [start.timestamp(), start.timestamp() + 86400]
    assert later.counts.sum() == 2  # the 23:00 one is after this window


def test_hotspot_confidence_split_and_districts_most_first(store: Store) -> None:
    at = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    store.ingest_hotspots([
        _hotspot(at, *OMKOI, "l"), _hotspot(at, 17.68, 98.34, "n"), _hotspot(at, 17.67, 98.33, "h"),
        *(_hotspot(at, MAE_CHAEM[0] + i / 1000, MAE_CHAEM[1], pct, "MODIS_NRT")
          for i, pct in enumerate((0, 29, 30, 79, 80, 100))),
    ])
    days = store.hotspot_days(at - timedelta(hours=1), at + timedelta(hours=1))
    assert [d[0] for d in days.districts] == ["TH5003", "TH5018"]  # Mae Chaem 6, Omkoi 3
    assert days.counts.shape == (1, 2, 3)
    assert days.counts[0].tolist() == [[2, 2, 2], [1, 1, 1]]
    assert days.total == 9
    empty = store.hotspot_days(at + timedelta(days=5), at + timedelta(days=7))
    assert empty.districts == () and empty.counts.shape == (3, 0, 3)  # three Bangkok days touched


def test_vectorised_district_matches_nearest_district() -> None:
    rng = random.Random(12)
    lat = np.array([rng.uniform(17.2, 20.2) for _ in range(500)])
    lon = np.array([rng.uniform(98.0, 99.6) for _ in range(500)])
    table = districts()
    assert [table[i].code for i in nearest_district_index(lat, lon)] == [
        nearest_district(a, b).code for a, b in zip(lat.tolist(), lon.tolist(), strict=True)]


# --- incident load and annotations -------------------------------------------------------------------------------

def _incident(store: Store, at: datetime, *, category: str = "flooding", priority: str = "P2") -> int:
    draft = IncidentDraft(category=category, priority=priority, description="x", lat=18.79, lon=99.0,
                          source="hotline", expected_at=at + timedelta(hours=4))
    return store.create_incident_local(draft, "op", at)


def _move(store: Store, incident: int, state: str, at: datetime) -> None:
    status = "closed" if state in ("resolved", "closed", "cancelled") else "open"
    store.apply_action_local(incident, {"workflow_state": state, "status": status}, "op", at, action=state)


def test_incident_load_against_a_hand_count(store: Store) -> None:
    before = _incident(store, _at(-5))  # opened before the window, still open: backlog from the start
    closed_early = _incident(store, _at(-6))
    _move(store, closed_early, "resolved", _at(-4))  # closed before the window: never counted
    a = _incident(store, _at(0.5))
    b = _incident(store, _at(0.9))
    c = _incident(store, _at(2.2))
    _move(store, a, "acknowledged", _at(1.0))
    _move(store, a, "resolved", _at(1.5))
    store.escalate_breaches(_at(2.0))  # "before" is past its 4 h target (an hour before the window)
    _move(store, before, "cancelled", _at(3.0))
    store.escalate_breaches(_at(5.0))  # b is (opened 00:54); c (02:12) is not yet, a and "before" are closed
    del b, c
    load = store.incident_load(_at(0), _at(6), H)
    assert load.t.tolist() == [T0S + h * H for h in range(6)]
    assert load.opened.tolist() == [2, 0, 1, 0, 0, 0]
    assert load.closed.tolist() == [0, 1, 0, 1, 0, 0]
    assert load.backlog.tolist() == [3, 2, 3, 2, 2, 2]
    assert load.breaches.tolist() == [0, 0, 1, 0, 0, 1]
    assert load.opened.dtype == np.int64 and load.backlog.dtype == np.int64


def test_annotations_reports_and_state_changes_newest_limit(store: Store) -> None:
    a = _incident(store, _at(0.5), category="forest_fire", priority="P1")
    _move(store, a, "acknowledged", _at(1.0))
    store.apply_action_local(a, {"assignee": "ทีม 1"}, "op", _at(1.2), action="assign")  # no state change
    _move(store, a, "dispatched", _at(2.0))
    b = _incident(store, _at(2.5))
    notes = store.chart_annotations(_at(0), _at(3))
    assert [(n.at, n.incident_id, n.kind, n.state) for n in notes] == [
        (T0S + 1800, a, "opened", None), (T0S + 3600, a, "state", "acknowledged"),
        (T0S + 7200, a, "state", "dispatched"), (T0S + 9000, b, "opened", None)]
    assert (notes[0].priority, notes[0].category) == ("P1", "forest_fire")
    newest = store.chart_annotations(_at(0), _at(3), limit=2)
    assert [(n.incident_id, n.kind) for n in newest] == [(a, "state"), (b, "opened")]
    # A window after the report still shows the later change, compared with the state before the window.
    assert [(n.kind, n.state) for n in store.chart_annotations(_at(1.5), _at(3))] == [
        ("state", "dispatched"), ("opened", None)]
