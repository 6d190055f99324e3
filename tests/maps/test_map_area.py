"""The area filter on the real map page: ``area.set`` draws a saved area and filters the incidents layer exactly as
the queue's SQL does (the page's JavaScript against services.point_in_polygon, points on edges and vertices
included); its name is text; the console's own message is never echoed back as the operator's drawing."""

from __future__ import annotations

from typing import Any

import numpy as np

from maps.map_view import MapView
from services.point_in_polygon import inside_mask
from tests.maps.conftest import ask, js

COMB = [[98.80, 18.80], [99.10, 18.80], [99.10, 18.90], [99.05, 18.85], [99.00, 18.90], [98.95, 18.85],
        [98.90, 18.90], [98.85, 18.85], [98.80, 18.90]]
# Run the other way round, with a vertex that 15 digits would not give back.
SQUARE = [[98.93234567890127, 18.9], [99.02, 18.9], [99.02, 18.75], [98.93234567890127, 18.75]]
HOSTILE_NAME = '<img src=x onerror="window.__xss=1">ริมน้ำ & "flood"'


def _incident(fid: str, lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"priority": "P3", "status": "open", "time": "2026-11-20T00:00:00Z"}}


def _grid() -> list[tuple[float, float]]:
    """Grid points (many on edges and vertices), points where an edge meets a horizontal line as computed from
    either of its ends (they differ in the last bit now and then), and random points."""
    rnd = np.random.default_rng(4)
    points = [(round(98.78 + i * 0.01, 2), round(18.73 + j * 0.01, 2)) for i in range(35) for j in range(20)]
    points += [(98.93234567890127, 18.8), (float(np.nextafter(98.93234567890127, 0.0)), 18.8)]
    for (x1, y1), (x2, y2) in zip(COMB, COMB[1:] + COMB[:1], strict=True):
        if y1 != y2:
            ys = rnd.uniform(min(y1, y2), max(y1, y2), 400)
            for xs in ((x2 - x1) * (ys - y1) / (y2 - y1) + x1, (x1 - x2) * (ys - y2) / (y1 - y2) + x2):
                points += [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]
    points += [(float(x), float(y)) for x, y in zip(rnd.uniform(98.78, 99.12, 500), rnd.uniform(18.73, 18.93, 500),
                                                     strict=True)]
    return points


def test_the_page_filters_exactly_as_the_queue(map_view: MapView, qtbot: Any) -> None:
    points = _grid()
    map_view.set_layer("incidents", [_incident(str(k), x, y) for k, (x, y) in enumerate(points)])
    xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    for ring in (COMB, SQUARE):
        map_view.set_area(ring, None)
        shown = ask(qtbot, map_view, "shown", layer="incidents")
        expected = np.flatnonzero(inside_mask(xs, ys, ring))
        assert len(expected) > 50
        assert sorted(int(i) for i in shown) == expected.tolist()
    assert ask(qtbot, map_view, "state")["layers"]["incidents"]["shown"] == len(expected)


def test_area_set_draws_names_as_text_clears_and_is_not_echoed(map_view: MapView, qtbot: Any) -> None:
    map_view.set_layer("incidents", [_incident("in", 98.96, 18.8), _incident("out", 98.7, 18.6)])
    with qtbot.assertNotEmitted(map_view.sig_polygon_drawn, wait=300), \
            qtbot.assertNotEmitted(map_view.sig_polygon_cleared, wait=0):
        map_view.set_area(SQUARE, HOSTILE_NAME)
        state = ask(qtbot, map_view, "state")
    assert state["polygon"] == SQUARE and state["area_name"] == HOSTILE_NAME
    assert state["layers"]["incidents"]["shown"] == 1
    assert ask(qtbot, map_view, "shown", layer="incidents") == ["in"]
    # Drawn in the operator's own layer group (so the draw toolbar can remove it), its name a text node.
    tooltip = js(qtbot, map_view, "const l = ConsoleMap.app.drawn.getLayers(); const c = l[0].getTooltip()"
                                  ".getContent(); return [l.length, c.nodeType, c.textContent, c.children.length];")
    assert tooltip == [1, 1, HOSTILE_NAME, 0]
    js(qtbot, map_view, "const l = ConsoleMap.app.drawn.getLayers()[0]; l.openTooltip(l.getBounds().getCenter());"
                        "return 1;")
    assert js(qtbot, map_view, "return document.querySelectorAll('.leaflet-tooltip img').length;") == 0
    assert js(qtbot, map_view, "return window.__xss === undefined;") is True

    with qtbot.assertNotEmitted(map_view.sig_polygon_cleared, wait=300):
        map_view.set_area(None)
        state = ask(qtbot, map_view, "state")
    assert state["polygon"] is None and state["area_name"] is None
    assert state["layers"]["incidents"]["shown"] == 2
    assert js(qtbot, map_view, "return ConsoleMap.app.drawn.getLayers().length;") == 0

    # The operator's own drawing replaces a named area and is reported, without the old name.
    map_view.set_area(SQUARE, "old name")
    ask(qtbot, map_view, "state")
    with qtbot.waitSignal(map_view.sig_polygon_drawn) as drawn:
        js(qtbot, map_view, "ConsoleMap.app.map.fire('draw:created', {layerType: 'polygon', layer: "
                            "L.polygon([[18.5, 98.6], [18.5, 98.8], [18.7, 98.8]])}); return 1;")
    assert len(drawn.args[0]) == 3
    state = ask(qtbot, map_view, "state")
    assert state["area_name"] is None and state["layers"]["incidents"]["shown"] == 1  # only "out"
    assert js(qtbot, map_view, "return ConsoleMap.app.drawn.getLayers().length;") == 1


def test_a_malformed_area_is_refused_by_the_page(map_view: MapView, qtbot: Any) -> None:
    map_view.set_layer("incidents", [_incident("in", 98.96, 18.8), _incident("out", 98.7, 18.6)])
    map_view.set_area(SQUARE, None)
    ask(qtbot, map_view, "state")
    with qtbot.waitSignal(map_view.sig_page_error) as error:
        map_view.send({"type": "area.set", "coordinates": [[98.9, 18.8], ["x", 18.9]], "name": None})
    assert "area.set" in error.args[0]
    state = ask(qtbot, map_view, "state")
    assert state["polygon"] == SQUARE and state["layers"]["incidents"]["shown"] == 1  # the area in effect stays
