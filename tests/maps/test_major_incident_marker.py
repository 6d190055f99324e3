"""A major incident on the map: a larger marker ringed in its own colour with its child count, the count and the
parent in the tooltips (as text), and the legend entry."""

from __future__ import annotations

from typing import Any

import pytest

from maps.map_view import MapView
from tests.maps.conftest import ask, js, point

pytestmark = pytest.mark.webengine


def test_a_major_incident_has_its_own_marker_and_says_its_children(map_view: MapView, qtbot: Any) -> None:
    map_view.set_language("en", {})
    map_view.set_layer("incidents", [
        point("1001", 98.98, 18.79, title="Forest fire", priority="P1", status="open", state="dispatched",
              major=True, children=3, parent=""),
        point("1002", 99.18, 18.79, title="Smoke", priority="P3", status="open", state="new", major=False,
              children=0, parent="1001"),
        point("1003", 98.98, 18.99, title="Pothole", priority="P3", status="open", state="new"),
    ])
    map_view.fit((98.9, 18.7, 99.3, 19.1))
    ask(qtbot, map_view, "paint")
    drawn = js(qtbot, map_view, """
        const app = ConsoleMap.app, out = {};
        for (const it of app.canvas.items.slice()) {
          if (it.layer !== 'incidents' || it.id === undefined) continue;
          const ll = app.map.containerPointToLatLng([it.x, it.y]);
          app.map.fire('mousemove', {latlng: ll, containerPoint: L.point(it.x, it.y)});
          const tip = document.querySelector('.leaflet-tooltip');
          out[it.id] = {r: it.r, tip: tip ? tip.textContent : ''};
        }
        return out;""")
    assert drawn["1001"]["r"] > drawn["1003"]["r"] == drawn["1002"]["r"]  # the major incident stands out
    assert "Major incident · children 3" in drawn["1001"]["tip"]
    assert "Part of major incident #1001" in drawn["1002"]["tip"]
    assert "major incident" not in drawn["1003"]["tip"].lower()
    assert "★3" in ask(qtbot, map_view, "dom_text")["labels"]
    assert "major incident" in ask(qtbot, map_view, "dom_text")["controls"]  # the legend entry
