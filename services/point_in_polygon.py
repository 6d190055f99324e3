"""Which points lie inside a polygon, vectorised with numpy: the even-odd (crossing-number) rule of the map page.

The rule and its arithmetic are exactly those of ``insidePolygon`` in ``resources/web/console_map.js`` (W. Randolph
Franklin's PNPOLY): a point is inside when a ray from it towards +x crosses the ring an odd number of times, where
an edge counts when exactly one of its ends lies strictly above the point (``(yi > y) != (yj > y)``) and the
point lies strictly left of where the edge meets the ray. The same IEEE operations in the same order give the same
answer bit for bit, so the incident queue and the map always agree, also on points on an edge or a vertex.

What that means on the boundary: a point on an edge is inside on some sides (left, bottom) and outside on others,
never ambiguous. Each edge is computed from its lower end, so the arithmetic does not depend on which way a ring
runs: a point on an edge two polygons share lies in exactly one of them, and areas drawn side by side (districts)
count every incident on their border once.

No geometry library is installed (numpy is), so the rule is written here. It is vectorised per edge and only
touches the points in the edge's latitude band: with the points sorted by latitude, each band is one slice found by
binary search, so the cost is a sort (or none, when the points come sorted from an index) plus, for each point, the
few edges whose band holds it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def inside_mask(xs: np.ndarray, ys: np.ndarray, ring: Sequence[Sequence[float]], *,
                ys_sorted: bool = False) -> np.ndarray:
    """A boolean array: which points (``xs[k]``, ``ys[k]``) lie inside ``ring`` ([(x, y), ...], open or closed).

    ``ys_sorted``: the points are already in ascending ``ys`` order (as an index on latitude returns them), so no
    sort is needed. Points with a NaN coordinate are outside.
    """
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError("xs and ys must be one-dimensional arrays of the same length")
    order = None
    if not ys_sorted:
        order = np.argsort(ys, kind="stable")  # NaN sorts last: never inside a finite band
        xs, ys = xs[order], ys[order]
    inside = np.zeros(len(ys), dtype=bool)
    n = len(ring)
    for i in range(n):
        xi, yi = float(ring[i][0]), float(ring[i][1])
        xj, yj = float(ring[i - 1][0]), float(ring[i - 1][1])  # i = 0 pairs with the last point, as in PNPOLY
        if yi == yj:
            continue  # a horizontal edge: no point has exactly one of its ends above it
        if yi > yj:
            xi, yi, xj, yj = xj, yj, xi, yi  # from the lower end: the same arithmetic whichever way the ring runs
        # (yi > y) != (yj > y)  <=>  yi <= y < yj: one slice of the sorted points
        start = int(np.searchsorted(ys, yi, side="left"))
        stop = int(np.searchsorted(ys, yj, side="left"))
        if start == stop:
            continue
        band_x, band_y = xs[start:stop], ys[start:stop]
        # The page's expression, operation for operation: lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi
        inside[start:stop] ^= band_x < (xj - xi) * (band_y - yi) / (yj - yi) + xi
    if order is None:
        return inside
    result = np.empty_like(inside)
    result[order] = inside
    return result


def bounding_box(ring: Sequence[Sequence[float]]) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a ring of (x, y) = (lon, lat) points."""
    xs = [float(p[0]) for p in ring]
    ys = [float(p[1]) for p in ring]
    return min(xs), min(ys), max(xs), max(ys)
