"""Candidate duplicates for intake: same category, within ``radius_m`` and ``window_h`` of the new report.

A bounding box on ``ix_incidents_latlon`` narrows the search in SQL (latitude range from the index, longitude
checked on the index entry, no table read until then); the exact great-circle distance is computed in Python on
the handful left. Sources are not compared on purpose: a hotline call and a citizen-app report of the same fallen
tree are the duplicates that matter.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Engine

from services.store.incident_queue import fetch_rows
from services.store.incident_rows import QueueRow
from services.store.schema import to_unix

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def duplicate_candidates(engine: Engine, category: str, lat: float, lon: float, at: datetime, *,
                         radius_m: float = 300, window_h: float = 48, exclude_id: int | None = None
                         ) -> list[QueueRow]:
    """Unmerged incidents of ``category`` within ``radius_m`` of (lat, lon) requested within ``window_h`` of ``at``
    (either side), nearest first, each with ``distance_m`` set."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    window = timedelta(hours=window_h)
    where = ("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? AND service_code = ? AND merged_into IS NULL "
             "AND requested_at BETWEEN ? AND ? AND id IS NOT ?")
    args = (lat - dlat, lat + dlat, lon - dlon, lon + dlon, category, to_unix(at - window), to_unix(at + window),
            exclude_id)
    with engine.connect() as conn:
        rows = fetch_rows(conn, where, args)
    found = []
    for row in rows:
        distance = haversine_m(lat, lon, row.lat, row.lon)  # type: ignore[arg-type]
        if distance <= radius_m:
            found.append(replace(row, distance_m=distance))
    return sorted(found, key=lambda r: (r.distance_m, r.id))
