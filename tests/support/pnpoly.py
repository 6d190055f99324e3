"""A brute-force reference for the area filter: PNPOLY for one point at a time, written as the map page runs it
(``insidePolygon`` in resources/web/console_map.js), to check the vectorised queue filter and the page against."""

from __future__ import annotations

from collections.abc import Sequence


def brute_inside(x: float, y: float, ring: Sequence[Sequence[float]]) -> bool:
    """Whether (x, y) = (lon, lat) is inside ``ring`` by the even-odd rule, each edge taken from its lower end."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        (xi, yi), (xj, yj) = sorted(((ring[i][0], ring[i][1]), (ring[j][0], ring[j][1])), key=lambda p: p[1])
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside
