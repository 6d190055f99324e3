"""Chiang Mai's 25 districts (codes, Thai and English names, centroids) and the nearest one to a point."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

from resources import resource


@dataclass(frozen=True, slots=True)
class District:
    code: str  # TH50xx
    name_en: str
    name_th: str
    lat: float
    lon: float


@lru_cache(maxsize=1)
def districts() -> tuple[District, ...]:
    raw = json.loads(resource("seed", "districts.json").read_text(encoding="utf-8"))
    return tuple(District(d["code"], d["name_en"], d["name_th"], float(d["lat"]), float(d["lon"])) for d in raw)


def nearest_district(lat: float, lon: float) -> District:
    """The district whose centroid is nearest (an approximation until boundary polygons are imported)."""
    scale = math.cos(math.radians(lat))
    return min(districts(), key=lambda d: (d.lat - lat) ** 2 + ((d.lon - lon) * scale) ** 2)
