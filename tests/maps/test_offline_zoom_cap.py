"""Offline, selecting an incident zooms in no deeper than the basemap saved at it: ``select`` with ``max_zoom``."""

from __future__ import annotations

from typing import Any

import pytest

from maps.map_view import MapView
from tests.maps.conftest import ask, js, point

pytestmark = pytest.mark.webengine


def _zoom(qtbot: Any, view: MapView) -> int:
    return ask(qtbot, view, "state")["zoom"]


def _overview(qtbot: Any, view: MapView, zoom: int = 8) -> None:
    """The province in view, set at once (no animation for a selection to race with); asked again until it takes,
    since Leaflet ignores a new view while the last zoom animation runs."""
    qtbot.waitUntil(lambda: js(qtbot, view, f"ConsoleMap.app.map.setView([18.7, 98.8], {zoom}, {{animate: false}}); "
                                            "return ConsoleMap.app.map.getZoom();") == zoom, timeout=10_000)


def test_select_stops_at_the_saved_zoom_and_never_zooms_out(map_view: MapView, qtbot: Any) -> None:
    map_view.set_layer("incidents", [point("1001", 99.0051, 18.7870, title="P.1", priority="P1", status="open"),
                                     point("1002", 98.35, 18.50, title="Mae Chaem", priority="P1", status="open")])
    _overview(qtbot, map_view)
    map_view.select("incidents", "1002", max_zoom=12)  # only the province is saved there (zoom 8-12)
    qtbot.waitUntil(lambda: _zoom(qtbot, map_view) == 12, timeout=10_000)
    assert ask(qtbot, map_view, "state")["selected"] == {"layer": "incidents", "id": "1002"}
    _overview(qtbot, map_view)
    map_view.select("incidents", "1001", max_zoom=16)  # the city is saved to 16: the usual street zoom fits
    qtbot.waitUntil(lambda: _zoom(qtbot, map_view) == 15, timeout=10_000)
    _overview(qtbot, map_view, 14)
    map_view.select("incidents", "1002", max_zoom=12)  # the operator is already deeper: never zoomed out
    qtbot.waitUntil(lambda: ask(qtbot, map_view, "state")["selected"]["id"] == "1002", timeout=10_000)
    assert _zoom(qtbot, map_view) == 14
    _overview(qtbot, map_view)
    map_view.select("incidents", "1002")  # online: no cap
    qtbot.waitUntil(lambda: _zoom(qtbot, map_view) == 15, timeout=10_000)
