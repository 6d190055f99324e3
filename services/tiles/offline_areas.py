"""What "save area for offline" saves: areas of the map, each with its own zoom range, and the tiles they cover.

The default is where the console goes on a bad night: the whole province to zoom 12 (enough to find any place), and
the city with the districts along the Ping that flood, in street detail to zoom 16, since selecting an incident
there zooms the map in to street level. Several parts overlap, so every count here is of distinct tiles, and tiles
are listed zoom by zoom, shallow first: a download cancelled half-way still has the whole overview.

Districts are known by their centroids (resources/seed/districts.json) until boundaries are imported, so a detail
part is a square around its district's centroid: the lowland core of the district, where the flood-prone communities
are; the city's reaches the Ping from the Nawarat Bridge (P.1) up to the 3rd ring-road bridge (P.103).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from services.tiles.tile_math import MAX_ZOOM, BBox, check_bbox, tile_ranges

PROVINCE_BBOX: BBox = (98.011, 17.242, 99.573, 20.147)  # Chiang Mai province (west, south, east, north)
PROVINCE_ZOOMS = (8, 12)
DETAIL_ZOOMS = (13, 16)
# The city and the districts the Ping (and the Kuang at San Kamphaeng) floods, upstream to downstream, with the
# half-size (km) of the square saved around each centroid.
FLOOD_PRONE_DISTRICTS: tuple[tuple[str, float], ...] = (
    ("TH5007", 6.0), ("TH5014", 6.0), ("TH5001", 9.5), ("TH5013", 6.0), ("TH5015", 6.0), ("TH5019", 6.0),
)
# Exact counts walk every tile; past this many (before removing overlaps) the sum of the parts stands in for the
# count, which only matters for areas far beyond what may be saved at once.
_EXACT_COUNT_LIMIT = 100_000
_KM_PER_DEGREE = 111.32


@dataclass(frozen=True, slots=True)
class AreaPart:
    """One rectangle of an offline area and the zoom levels saved for it; the names say what it is."""

    bbox: BBox
    zmin: int
    zmax: int
    name_en: str = ""
    name_th: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "bbox", check_bbox(self.bbox))
        if not 0 <= self.zmin <= self.zmax <= MAX_ZOOM:
            raise ValueError(f"zoom range must satisfy 0 <= zmin <= zmax <= {MAX_ZOOM}, got {self.zmin}..{self.zmax}")


def around(lat: float, lon: float, half_km: float) -> BBox:
    """The square of ``half_km`` each way around a point, as (west, south, east, north)."""
    dlat = half_km / _KM_PER_DEGREE
    dlon = half_km / (_KM_PER_DEGREE * math.cos(math.radians(lat)))
    return (round(lon - dlon, 5), round(lat - dlat, 5), round(lon + dlon, 5), round(lat + dlat, 5))


def province_with_flood_districts() -> tuple[AreaPart, ...]:
    """The default offline area: the province to zoom 12, then each flood-prone district to zoom 16 (reads the
    district seed file once; call it on a worker)."""
    from services.districts import districts

    by_code = {d.code: d for d in districts()}
    parts = [AreaPart(PROVINCE_BBOX, *PROVINCE_ZOOMS, "Chiang Mai province", "จังหวัดเชียงใหม่")]
    for code, half_km in FLOOD_PRONE_DISTRICTS:
        d = by_code[code]
        parts.append(AreaPart(around(d.lat, d.lon, half_km), *DETAIL_ZOOMS, d.name_en, d.name_th))
    return tuple(parts)


def envelope(parts: Sequence[AreaPart]) -> BBox:
    """The bbox around every part."""
    if not parts:
        raise ValueError("an offline area needs at least one part")
    return (min(p.bbox[0] for p in parts), min(p.bbox[1] for p in parts), max(p.bbox[2] for p in parts),
            max(p.bbox[3] for p in parts))


def tiles_by_zoom(parts: Sequence[AreaPart]) -> dict[int, set[tuple[int, int]]]:
    """The distinct ``(x, y)`` tiles of each zoom the parts cover."""
    out: dict[int, set[tuple[int, int]]] = {}
    for part in parts:
        for r in tile_ranges(part.bbox, part.zmin, part.zmax):
            out.setdefault(r.z, set()).update((x, y) for _, x, y in r.tiles())
    return out


def count_area_tiles(parts: Sequence[AreaPart]) -> int:
    """How many distinct tiles the parts cover (the sum of the parts when that is past ``_EXACT_COUNT_LIMIT``)."""
    ranges = [r for p in parts for r in tile_ranges(p.bbox, p.zmin, p.zmax)]
    total = sum(r.count for r in ranges)
    if len(parts) <= 1 or total > _EXACT_COUNT_LIMIT:
        return total
    return sum(len(tiles) for tiles in tiles_by_zoom(parts).values())


def area_tiles(parts: Sequence[AreaPart]) -> Iterator[tuple[int, int, int]]:
    """Every distinct ``(z, x, y)`` of the parts, shallow zooms first, each zoom row by row."""
    if len(parts) == 1:
        part = parts[0]
        for r in tile_ranges(part.bbox, part.zmin, part.zmax):
            yield from r.tiles()
        return
    by_zoom = tiles_by_zoom(parts)
    for z in sorted(by_zoom):
        for x, y in sorted(by_zoom[z], key=lambda t: (t[1], t[0])):
            yield z, x, y
