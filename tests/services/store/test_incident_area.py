"""The queue's area filter in SQL: the bounding box from ``ix_incidents_latlon``, then the map page's even-odd rule
(services.point_in_polygon), checked against a brute-force loop over every incident in the store.

The points sit on a 0.01° grid, so many lie exactly on the polygons' edges and vertices, plus random points at full
double precision, incidents without a location and a merged one. The brute force (tests/support/pnpoly.py) runs
the page's PNPOLY one point at a time, as ``insidePolygon`` in resources/web/console_map.js does.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from services.point_in_polygon import inside_mask
from services.store import QueueFilter, QueueSort, Store
from services.store.incident_queue import _exact_scale
from tests.support.pnpoly import brute_inside

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
_SERVER_IDS = itertools.count()
Ring = Sequence[tuple[float, float]]

SQUARE: Ring = ((98.85, 18.75), (98.95, 18.75), (98.95, 18.85), (98.85, 18.85))
# Concave: a "C" opening east, and a comb with diagonal teeth whose edges pass through grid points.
C_SHAPE: Ring = ((98.82, 18.72), (99.00, 18.72), (99.00, 18.76), (98.86, 18.76), (98.86, 18.84), (99.00, 18.84),
                 (99.00, 18.88), (98.82, 18.88))
COMB: Ring = ((98.80, 18.80), (99.10, 18.80), (99.10, 18.90), (99.05, 18.85), (99.00, 18.90), (98.95, 18.85),
              (98.90, 18.90), (98.85, 18.85), (98.80, 18.90))
# Its bounding box holds many grid points, the polygon none: both arms lie between grid lines.
THIN_L: Ring = ((98.802, 18.702), (98.888, 18.702), (98.888, 18.708), (98.808, 18.708), (98.808, 18.788),
                (98.802, 18.788))
FAR_AWAY: Ring = ((100.0, 20.0), (100.5, 20.0), (100.2, 20.5))  # no incident anywhere near


def _insert(store: Store, points: Sequence[tuple[float | None, float | None]]) -> list[int]:
    """Incidents at (lon, lat), one a minute apart (newest last); returns their ids in the same order."""
    ids = []
    with store.edit_engine.begin() as conn:
        for k, (lon, lat) in enumerate(points):
            at = int(NOW.timestamp()) - 60 * (len(points) - k)
            values = (f"CM-{next(_SERVER_IDS)}", "open" if k % 3 else "closed", lat, lon, at, at, f"P{1 + k % 4}")
            cursor = conn.exec_driver_sql(
                "INSERT INTO incidents (server_id, status, lat, lon, requested_at, updated_at, priority) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", values)
            ids.append(int(cursor.lastrowid))
    return ids


@pytest.fixture
def grid_store(store: Store) -> tuple[Store, dict[int, tuple[float, float]]]:
    rnd = random.Random(10)
    points: list[tuple[float | None, float | None]] = [
        (round(98.78 + i * 0.01, 2), round(18.68 + j * 0.01, 2)) for i in range(36) for j in range(26)]
    points += [(98.78 + rnd.random() * 0.35, 18.68 + rnd.random() * 0.25) for _ in range(400)]
    points += [(None, None), (98.9, None)]  # no location: never in an area
    ids = _insert(store, points)
    located = {i: p for i, p in zip(ids, points, strict=True) if p[0] is not None and p[1] is not None}
    # A merged incident inside every polygon's box is never in the queue.
    merged = _insert(store, [(98.9, 18.8)])[0]
    with store.edit_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE incidents SET merged_into = ? WHERE id = ?", (ids[0], merged))
    return store, located  # type: ignore[return-value]


@pytest.mark.parametrize("ring", [SQUARE, C_SHAPE, COMB, THIN_L, FAR_AWAY],
                         ids=["square", "concave-c", "concave-comb", "box-but-nothing", "far-away"])
def test_area_matches_the_brute_force_and_keeps_the_queue_order(grid_store, ring: Ring) -> None:  # type: ignore[no-untyped-def]
    store, located = grid_store
    expected = [i for i, (x, y) in sorted(located.items()) if brute_inside(x, y, ring)]
    if ring is FAR_AWAY:
        assert expected == []
    elif ring is THIN_L:  # many grid points in its box, none inside: the exact test is what leaves them out
        grid = [(x, y) for x, y in located.values() if (x, y) == (round(x, 2), round(y, 2))]
        assert sum(98.802 <= x <= 98.888 and 18.702 <= y <= 18.788 for x, y in grid) > 50
        assert not any(brute_inside(x, y, ring) for x, y in grid)
    else:
        on_lines = [i for i in expected if any(located[i][0] == vx or located[i][1] == vy for vx, vy in ring)]
        assert len(expected) > 20 and on_lines  # grid points on the vertices' lines (edges, vertices) among them

    area = tuple(ring)
    every = QueueFilter(area=area)
    assert store.incident_queue_ids(every, QueueSort("id", False)).tolist() == expected
    assert store.incident_queue_count(every) == len(expected)
    # The queue's own order and its other filters still hold: the area only keeps the ids inside.
    for flt in (QueueFilter(), QueueFilter(status={"open"}), QueueFilter(text="CM-1")):
        for sort in (QueueSort("age", True), QueueSort("priority", False)):
            with_area = replace(flt, area=area)
            plain = store.incident_queue_ids(flt, sort).tolist()
            inside = set(expected)
            assert store.incident_queue_ids(with_area, sort).tolist() == [i for i in plain if i in inside]
    first = store.incident_queue_first_page(QueueFilter(area=area), QueueSort("age", True), 5)
    assert [r.id for r in first] == sorted(expected, key=lambda i: -i)[:5]


def test_points_exactly_on_an_edge_stay_exact(store: Store) -> None:
    """A coordinate that 15 significant digits would round down (as SQLite prints a REAL) must reach the test as
    stored: on the left edge of a box the page counts it inside, one ulp to the left it is outside."""
    edge = next(x for x in (98.91234567890123 + k * 1e-14 for k in range(200)) if float(f"{x:.15g}") < x)
    right = 99.01234567890127
    ring = ((edge, 18.7), (right, 18.7), (right, 18.9), (edge, 18.9))
    points = [(edge, 18.8), (np.nextafter(edge, 0.0), 18.8), (right, 18.8), (edge, 18.7), (edge, 18.9),
              (np.nextafter(edge, 100.0), np.nextafter(18.9, 0.0))]
    ids = _insert(store, [(float(x), float(y)) for x, y in points])
    expected = [i for i, (x, y) in zip(ids, points, strict=True) if brute_inside(float(x), float(y), ring)]
    assert expected == [ids[0], ids[3], ids[5]]  # left edge and bottom-left vertex in; right edge and top out
    assert store.incident_queue_ids(QueueFilter(area=ring), QueueSort("id", False)).tolist() == expected


def test_an_area_around_zero_takes_the_other_path_and_agrees(store: Store) -> None:
    """Around 0° no power of two makes every coordinate an integer: the rows are read as floats instead."""
    ring = ((-0.5, -0.5), (0.5, -0.5), (0.0, 0.0), (0.5, 0.5), (-0.5, 0.5))  # concave, across both zero lines
    assert _exact_scale(-0.5, 0.5) is None and _exact_scale(98.0, 99.0) is not None
    rnd = random.Random(3)
    points = [(rnd.uniform(-0.6, 0.6), rnd.uniform(-0.6, 0.6)) for _ in range(300)] + [(0.0, 0.0), (-0.5, 0.0)]
    ids = _insert(store, points)
    expected = [i for i, (x, y) in zip(ids, points, strict=True) if brute_inside(x, y, ring)]
    assert 50 < len(expected) < 250
    assert store.incident_queue_ids(QueueFilter(area=ring), QueueSort("id", False)).tolist() == expected


def test_exact_scale_makes_integers_of_every_double_in_range() -> None:
    rnd = random.Random(5)
    for low, high in ((15.5, 21.0), (96.5, 101.5), (0.001, 0.002), (-101.5, -96.5), (8.0, 31.9)):
        scale = _exact_scale(low, high)
        assert scale is not None
        for x in [low, high, *(rnd.uniform(low, high) for _ in range(2000))]:
            assert (x * scale).is_integer() and abs(x * scale) < 2.0 ** 62
    assert _exact_scale(-1.0, 1.0) is None and _exact_scale(0.0, 1.0) is None


def test_inside_mask_unsorted_nan_and_closed_rings_match_the_brute_force() -> None:
    rnd = np.random.default_rng(8)
    xs = np.round(rnd.uniform(98.78, 99.13, 5000), 2)
    ys = np.round(rnd.uniform(18.68, 18.93, 5000), 2)
    xs[::97] = np.nan
    for ring in (SQUARE, C_SHAPE, COMB, (*COMB, COMB[0])):
        mask = inside_mask(xs, ys, ring)
        assert mask.tolist() == [brute_inside(x, y, ring) for x, y in zip(xs.tolist(), ys.tolist(), strict=True)]
        assert not mask[::97].any()
    with pytest.raises(ValueError):
        inside_mask(np.zeros(3), np.zeros(4), SQUARE)


def test_a_shared_edge_puts_each_point_in_exactly_one_area() -> None:
    """Areas drawn side by side count an incident on their common border once, never twice or not at all. The two
    rings run along the shared edge in opposite directions; where the edge's crossing computed from one end differs
    in the last bit from the one computed from the other end, a point right there would be in both or in neither,
    unless both compute it the same way."""
    rnd = np.random.default_rng(12)
    for _ in range(300):
        (x1, x2), (y1, y2) = rnd.uniform(98.85, 99.05, 2), np.sort(rnd.uniform(18.70, 18.90, 2))
        x1, x2, y1, y2 = float(x1), float(x2), float(y1), float(y2)
        west: Ring = ((98.70, y1), (x1, y1), (x2, y2), (98.70, y2))  # the shared edge from its upper end
        east: Ring = ((x1, y1), (99.20, y1), (99.20, y2), (x2, y2))  # ... and from its lower end
        ys = rnd.uniform(y1, y2, 100)
        from_low = (x2 - x1) * (ys - y1) / (y2 - y1) + x1
        from_high = (x1 - x2) * (ys - y2) / (y1 - y2) + x2
        xs = np.concatenate([from_low, from_high, np.nextafter(from_low, 0.0), np.nextafter(from_high, 200.0)])
        ys = np.tile(ys, 4)
        assert (inside_mask(xs, ys, west) ^ inside_mask(xs, ys, east)).all()
