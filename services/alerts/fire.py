"""Fire rules: new hotspots near a landmark or inside a named drawn area, or many hotspots in one district.

A hotspot counts from its confidence class up (services.alerts.rules: one mapping for VIIRS and MODIS). Its hour is
the hour of its acquisition, so a detection published three hours late still lands where it was seen.

- Near: each qualifying hotspot within ``radius_km`` (great-circle) of the landmark, or inside the area (the map's
  even-odd rule, services.point_in_polygon), is an occurrence; the alert clears after ``clear_hours`` without one.
- Count: the hotspots of the last ``window_hours`` in a district (the nearest centroid, as the hotspot charts place
  them) or the province, at ``district_count`` or more; it clears after ``clear_hours`` without a hotspot there.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from services.alerts.machine import Hours
from services.alerts.rules import CONFIDENCE_CLASSES, FireRule, RuleContext, landmarks
from services.alerts.series import Describe, Scope, ScopeHours, hour_matrix, rolling_sum
from services.alerts.window_data import WindowData
from services.districts import districts
from services.point_in_polygon import inside_mask
from services.store.chart_queries import nearest_district_index

EARTH_RADIUS_KM = 6371.0088


def fire_hours(rule: FireRule, data: WindowData, context: RuleContext) -> Iterator[ScopeHours]:
    """Each scope's hours for a fire rule."""
    spots = data.hotspots
    spots = spots[spots[:, 3] >= CONFIDENCE_CLASSES.index(rule.min_confidence)]
    if rule.district_count is None:
        yield from _near(rule, data, context, spots)
    else:
        yield from _counts(rule, data, spots)


def distance_km(lat: np.ndarray | float, lon: np.ndarray | float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances (haversine) between points (broadcast: one to many, or places × hotspots)."""
    p1, p2 = np.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _near(rule: FireRule, data: WindowData, context: RuleContext, spots: np.ndarray) -> Iterator[ScopeHours]:
    window = data.window
    lats, lons = spots[:, 1], spots[:, 2]
    places: list[tuple[Scope, str, str]] = []
    inside: list[np.ndarray] = []
    known = landmarks()
    keys = list(known) if rule.near == "all" else list(rule.near or ())
    if keys:
        marks = [known[key] for key in keys]
        distances = distance_km(np.array([m.lat for m in marks])[:, None], np.array([m.lon for m in marks])[:, None],
                                lats[None, :], lons[None, :])
        inside.extend(distances <= rule.radius_km)
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
        return
    which, spot = np.nonzero(np.vstack(inside)) if len(spots) else (np.empty(0, np.int64), np.empty(0, np.int64))
    hits = hour_matrix(which, spots[spot, 0], None, window.start + 3600, (len(places), window.hours), "count")
    grid = window.grid()
    for k, (scope, where_th, where_en) in enumerate(places):
        mine = hits[k]
        hours = Hours(grid, mine.astype(np.float64), mine > 0, mine == 0, mine)
        yield ScopeHours(scope, hours, _near_words(mine, where_th, where_en))


def _near_words(hits: np.ndarray, where_th: str, where_en: str) -> Describe:
    def describe(i: int, run: int) -> tuple[float | None, str, str]:
        n = int(hits[i])
        return (float(n), f"จุดความร้อนใหม่ {n} จุด {where_th}", f"{n} new hotspot{'s' if n != 1 else ''} {where_en}")
    return describe


def _counts(rule: FireRule, data: WindowData, spots: np.ndarray) -> Iterator[ScopeHours]:
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
        rows = nearest_district_index(spots[:, 1], spots[:, 2]) if len(spots) else np.zeros(0, dtype=np.int64)
    per_hour = hour_matrix(rows, spots[:, 0], None, first_end, (len(scopes), window.hours + lead), "count")
    totals = rolling_sum(per_hour, rule.window_hours)
    fresh = per_hour[:, lead:]
    grid = window.grid()
    for k, (scope, where_th, where_en) in enumerate(scopes):
        mine = totals[k]
        hours = Hours(grid, mine.astype(np.float64), mine >= rule.district_count, fresh[k] == 0)
        yield ScopeHours(scope, hours, _count_words(rule, mine, where_th, where_en))


def _count_words(rule: FireRule, totals: np.ndarray, where_th: str, where_en: str) -> Describe:
    def describe(i: int, run: int) -> tuple[float | None, str, str]:
        n = int(totals[i])
        return (float(n), f"จุดความร้อน {n} จุดใน {rule.window_hours} ชม. {where_th} (เกณฑ์ {rule.district_count} จุด)",
                f"{n} hotspots in {rule.window_hours} h {where_en} (threshold {rule.district_count})")
    return describe
