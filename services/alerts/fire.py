"""Fire rules: new hotspots near a landmark or inside a named drawn area, or many hotspots in one district.

A hotspot counts from its confidence class up (services.alerts.rules: one mapping for VIIRS and MODIS). Its hour is
the hour of its acquisition, so a detection published three hours late still lands where it was seen.

- Near: each qualifying hotspot within ``radius_km`` (great-circle) of the landmark, or inside the area (the map's
  even-odd rule, services.point_in_polygon), is an occurrence; the alert clears after ``clear_hours`` without one.
- Count: the hotspots of the last ``window_hours`` in a district (the nearest centroid, as the hotspot charts place
  them) or the province, at ``district_count`` or more; it clears after ``clear_hours`` without a hotspot there.
"""

from __future__ import annotations

import numpy as np

from services.alerts.rules import CONFIDENCE_CLASSES, FireRule, Landmark, RuleContext, landmarks
from services.alerts.series import Describe, Scope, ScopeRows, hour_matrix, no_scopes, rolling_sum
from services.alerts.window_data import WindowData
from services.districts import districts
from services.point_in_polygon import inside_mask
from services.store.chart_queries import nearest_district_index

EARTH_RADIUS_KM = 6371.0088


def fire_rows(rule: FireRule, data: WindowData, context: RuleContext) -> ScopeRows:
    """Every scope's hours for a fire rule."""
    spots = data.hotspots(CONFIDENCE_CLASSES.index(rule.min_confidence))
    if rule.district_count is None:
        return _near(rule, data, context, spots)
    return _counts(rule, data, spots)


def distance_km(lat: np.ndarray | float, lon: np.ndarray | float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances (haversine) between points (broadcast: one to many, or places × hotspots)."""
    p1, p2 = np.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _within(marks: list[Landmark], radius_km: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """(landmark × hotspot) whether each hotspot is within ``radius_km`` of each landmark. The great-circle distance
    is at least the radius times the difference in latitude (in radians), so only the hotspots in the band of
    latitudes that can be that close are measured (the margin is far above the arithmetic's rounding)."""
    centre_lats = np.array([m.lat for m in marks])
    reach = np.degrees(radius_km / EARTH_RADIUS_KM) * (1 + 1e-6) + 1e-9
    near = np.flatnonzero((lats >= centre_lats.min() - reach) & (lats <= centre_lats.max() + reach))
    out = np.zeros((len(marks), len(lats)), dtype=bool)
    if len(near):
        out[:, near] = distance_km(centre_lats[:, None], np.array([m.lon for m in marks])[:, None],
                                   lats[None, near], lons[None, near]) <= radius_km
    return out


def _near(rule: FireRule, data: WindowData, context: RuleContext, spots: np.ndarray) -> ScopeRows:
    window = data.window
    lats, lons = spots[:, 1], spots[:, 2]
    places: list[tuple[Scope, str, str]] = []
    inside: list[np.ndarray] = []
    known = landmarks()
    keys = list(known) if rule.near == "all" else list(rule.near or ())
    if keys:
        marks = [known[key] for key in keys]
        inside.extend(_within(marks, rule.radius_km, lats, lons))
        places += [(Scope("area", m.key, m.name_th, m.name_en, m.lat, m.lon),
                    f"ในรัศมี {rule.radius_km:g} กม. จาก{m.name_th}", f"within {rule.radius_km:g} km of {m.name_en}")
                   for m in marks]
    for name in rule.areas:
        ring = context.areas.get(name)
        if ring is None:
            continue  # the area was deleted from the settings: nothing to watch (its alerts stay as they are)
        inside.append(inside_mask(lons, lats, ring) if len(spots) else np.zeros(0, dtype=bool))
        centre_lon, centre_lat = (float(np.mean([p[i] for p in ring])) for i in (0, 1))
        places.append((Scope("area", name, name, name, centre_lat, centre_lon), f"ในพื้นที่ {name}", f"inside {name}"))
    if not places:
        return no_scopes(window.hours)
    which, spot = np.nonzero(np.vstack(inside)) if len(spots) else (np.empty(0, np.int64), np.empty(0, np.int64))
    hits = hour_matrix(which, spots[spot, 0], None, window.start + 3600, (len(places), window.hours), "count")
    return ScopeRows([scope for scope, _th, _en in places], hits.astype(np.float64), hits > 0, hits == 0, hits,
                     lambda k: _near_words(hits[k], places[k][1], places[k][2]))


def _near_words(hits: np.ndarray, where_th: str, where_en: str) -> Describe:
    def describe(i: int, run: int) -> tuple[float | None, str, str]:
        n = int(hits[i])
        return (float(n), f"จุดความร้อนใหม่ {n} จุด {where_th}", f"{n} new hotspot{'s' if n != 1 else ''} {where_en}")
    return describe


def _counts(rule: FireRule, data: WindowData, spots: np.ndarray) -> ScopeRows:
    assert rule.district_count is not None
    window = data.window
    lead = rule.window_hours - 1
    first_end = window.start + 3600 - lead * 3600
    table = districts()
    if rule.scope == "province":
        scopes = [(Scope("province", "chiang_mai", "จังหวัดเชียงใหม่", "Chiang Mai province"), "ทั้งจังหวัด",
                   "across the province")]
        rows = np.zeros(len(spots), dtype=np.int64)
    else:
        scopes = [(Scope("district", d.name_en, d.name_th, d.name_en, d.lat, d.lon), f"ที่อำเภอ{d.name_th}",
                   f"in {d.name_en}") for d in table]
        rows = _district_rows(spots)
    per_hour = hour_matrix(rows, spots[:, 0], None, first_end, (len(scopes), window.hours + lead), "count")
    totals = rolling_sum(per_hour, rule.window_hours)
    fresh = per_hour[:, lead:]
    return ScopeRows([scope for scope, _th, _en in scopes], totals.astype(np.float64),
                     totals >= rule.district_count, fresh == 0, None,
                     lambda k: _count_words(rule, totals[k], scopes[k][1], scopes[k][2]))


_last_districts: list[tuple[np.ndarray, np.ndarray]] = []  # (hotspots, their districts) of the last evaluation


def _district_rows(spots: np.ndarray) -> np.ndarray:
    """Each hotspot's district (services.store.chart_queries.nearest_district_index), taking those of the hotspots
    the previous evaluation placed from its answer: after a sync the window holds the same hotspots in the same
    (time) order, less a few at its start and with the new ones at its end. Anything else (a back-fill, another
    store) is placed afresh."""
    if not len(spots):
        return np.zeros(0, dtype=np.int64)
    start = 0
    found = np.zeros(0, dtype=np.int64)
    if _last_districts:
        before, rows = _last_districts[0]
        first = int(np.searchsorted(before[:, 0], spots[0, 0], side="left"))
        same = min(len(before) - first, len(spots))
        if same > 0 and np.array_equal(before[first:first + same], spots[:same]):
            start, found = same, rows[first:first + same]
    fresh = spots[start:]
    out = np.concatenate((found, nearest_district_index(fresh[:, 1], fresh[:, 2]))) if len(fresh) else found
    _last_districts[:] = [(spots, out)]
    return out


def _count_words(rule: FireRule, totals: np.ndarray, where_th: str, where_en: str) -> Describe:
    def describe(i: int, run: int) -> tuple[float | None, str, str]:
        n = int(totals[i])
        return (float(n), f"จุดความร้อน {n} จุดใน {rule.window_hours} ชม. {where_th} (เกณฑ์ {rule.district_count} จุด)",
                f"{n} hotspots in {rule.window_hours} h {where_en} (threshold {rule.district_count})")
    return describe
