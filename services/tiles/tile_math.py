"""Web-Mercator ("slippy map") tile arithmetic: lon/lat ↔ tile and pixel coordinates, and tile ranges of a bbox.

Coordinates are XYZ as Leaflet and OpenStreetMap use them (``y`` grows southwards). MBTiles stores rows in TMS order
(``y`` grows northwards); :func:`tms_row` flips between the two. A bbox is always ``(west, south, east, north)`` in
degrees, the order the rest of the console uses.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

TILE_SIZE = 256
MAX_LATITUDE = 85.0511287798  # Web Mercator is square at this latitude; beyond it there are no tiles
MAX_ZOOM = 19  # the deepest zoom any tile server we talk to (or the simulator) serves

BBox = tuple[float, float, float, float]


def tms_row(z: int, y: int) -> int:
    """The MBTiles (TMS) row of XYZ row ``y`` at zoom ``z`` — the same formula maps it back."""
    return (1 << z) - 1 - y


def valid_tile(z: int, x: int, y: int, max_zoom: int = MAX_ZOOM) -> bool:
    """True when ``z/x/y`` names a tile that exists (0 ≤ z ≤ max_zoom, 0 ≤ x, y < 2**z)."""
    return 0 <= z <= max_zoom and 0 <= x < (1 << z) and 0 <= y < (1 << z)


def world_pixel(lon: float, lat: float, z: int) -> tuple[float, float]:
    """The Web-Mercator pixel of ``lon/lat`` at zoom ``z`` (origin at the north-west corner of the world)."""
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    scale = TILE_SIZE * (1 << z)
    px = (lon + 180.0) / 360.0 * scale
    sin_lat = math.sin(math.radians(lat))
    py = (0.5 - math.log((1 + sin_lat) / (1 - sin_lat)) / (4 * math.pi)) * scale
    return px, py


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding ``lon/lat`` at zoom ``z`` (points on the east/south world edge fall in the last tile)."""
    px, py = world_pixel(lon, lat, z)
    last = (1 << z) - 1
    return min(max(int(px // TILE_SIZE), 0), last), min(max(int(py // TILE_SIZE), 0), last)


def check_bbox(bbox: BBox) -> BBox:
    """``bbox`` as floats, or ``ValueError`` when it is not (west, south, east, north) with west < east and
    south < north."""
    try:
        west, south, east, north = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise ValueError(f"bbox must be (west, south, east, north), got {bbox!r}") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError(f"bbox must be (west, south, east, north) in degrees with west < east, south < north; "
                         f"got {bbox!r}")
    return west, south, east, north


@dataclass(frozen=True, slots=True)
class TileRange:
    """The tiles of one zoom level covering a bbox: columns ``x0..x1`` and rows ``y0..y1`` inclusive (XYZ)."""

    z: int
    x0: int
    x1: int
    y0: int
    y1: int

    @property
    def count(self) -> int:
        return (self.x1 - self.x0 + 1) * (self.y1 - self.y0 + 1)

    def tiles(self) -> Iterator[tuple[int, int, int]]:
        """Every ``(z, x, y)`` of the range, row by row."""
        for y in range(self.y0, self.y1 + 1):
            for x in range(self.x0, self.x1 + 1):
                yield self.z, x, y


def tile_ranges(bbox: BBox, zmin: int, zmax: int) -> list[TileRange]:
    """One :class:`TileRange` per zoom from ``zmin`` to ``zmax`` covering ``bbox``."""
    west, south, east, north = check_bbox(bbox)
    if not 0 <= zmin <= zmax <= MAX_ZOOM:
        raise ValueError(f"zoom range must satisfy 0 <= zmin <= zmax <= {MAX_ZOOM}, got {zmin}..{zmax}")
    ranges = []
    for z in range(zmin, zmax + 1):
        x0, y0 = tile_of(west, north, z)
        x1, y1 = tile_of(east, south, z)
        ranges.append(TileRange(z, x0, x1, y0, y1))
    return ranges


def count_tiles(bbox: BBox, zmin: int, zmax: int) -> int:
    """How many tiles cover ``bbox`` from ``zmin`` to ``zmax`` (cheap: no tile list is built)."""
    return sum(r.count for r in tile_ranges(bbox, zmin, zmax))
