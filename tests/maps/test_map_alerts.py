"""The alerts layer of the map in real QtWebEngine (issue 13): a ring round a station's marker, a district's outline,
a landmark's circle and a drawn area's outline, each severity with its colour, weight and dash, the critical on top;
text tooltips in the UI language; a click on a line names the alert, a click on the station inside a ring still names
the station; its own row in the layer control with its count, hideable; and changes travel as diffs by id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from maps.map_view import MapView
from services.map_layers import alert_features, diff_layer
from tests.maps.alert_views import alert_view
from tests.maps.conftest import ask, js, point

pytestmark = pytest.mark.webengine

MUEANG = {"type": "Feature", "id": "TH5001", "geometry": {"type": "Polygon", "coordinates": [[
    [98.90, 18.74], [99.03, 18.74], [99.03, 18.84], [98.90, 18.84], [98.90, 18.74]]]},  # clockwise: rewound
    "properties": {"id": "TH5001", "name": "Mueang Chiang Mai", "name_th": "เมืองเชียงใหม่"}}
AREA = [[98.80, 18.60], [98.85, 18.60], [98.85, 18.65]]

HOSTILE = '<img src=x onerror="window.pwned=1">'


def _alerts() -> list[Any]:
    return [
        alert_view(1, message_en=HOSTILE, message_th=HOSTILE),  # warning, ring round 35t
        alert_view(2, rule_id="river_city_flooding", rule_name_en="River at the city-flooding level",
                   rule_name_th="ระดับน้ำถึงเกณฑ์น้ำท่วมเมือง", kind="river", severity="critical",
                   scope_kind="gauge", scope_key="P.1", scope_name_en="Nawarat Bridge", scope_name_th="สะพานนวรัฐ",
                   lat=18.66, lon=99.06),
        alert_view(3, rule_id="fire_district_cluster", kind="fire", severity="warning", scope_kind="district",
                   scope_key="Mueang Chiang Mai", scope_name_en="Mueang Chiang Mai", scope_name_th="เมืองเชียงใหม่",
                   state="acknowledged", lat=18.785, lon=98.962),
        alert_view(4, rule_id="fire_near_landmarks", kind="fire", severity="info", scope_kind="area",
                   scope_key="cmu", scope_name_en="Chiang Mai University", scope_name_th="มหาวิทยาลัยเชียงใหม่",
                   lat=18.8063, lon=98.9511),
        alert_view(5, rule_id="fire_in_area", kind="fire", severity="warning", scope_kind="area",
                   scope_key="Burn scar", scope_name_en="Burn scar", scope_name_th="Burn scar", lat=18.62, lon=98.83),
        alert_view(6, state="cleared"),  # not shown
        alert_view(7, kind="data", scope_kind="feed", scope_key="air4thai", lat=None, lon=None),  # no place
    ]


def _features() -> list[dict[str, Any]]:
    return alert_features(_alerts(), districts={"TH5001": MUEANG}, radius_km={"fire_near_landmarks": 3.0},
                          areas={"Burn scar": AREA})


def _show(view: MapView) -> None:
    view.set_layer("air", [point("35t", 99.00, 18.80, name="ศาลากลาง", name_en="City Hall", aqi=187, band=4,
                                 pm25=96.4, time="2026-12-04T18:00:00Z")])
    view.set_layer("alerts", _features())
    view.fit((98.78, 18.58, 99.08, 18.86))


def _state(qtbot: Any, view: MapView) -> dict[str, Any]:
    return ask(qtbot, view, "state")


def test_alert_features_are_rfc7946_and_cover_each_kind_of_place() -> None:
    features = _features()
    by_id = {f["id"]: f for f in features}
    assert set(by_id) == {"1", "2", "3", "4", "5"}  # cleared and placeless alerts left out
    assert [f["properties"]["severity"] for f in features] == ["info", "warning", "warning", "warning", "critical"]
    assert by_id["1"]["properties"]["shape"] == "ring" and by_id["1"]["geometry"]["type"] == "Point"
    assert by_id["3"]["properties"]["shape"] == "outline" and by_id["3"]["geometry"]["type"] == "Polygon"
    assert by_id["4"]["properties"]["shape"] == "circle" and by_id["4"]["properties"]["radius_m"] == 3000.0
    assert by_id["4"]["geometry"]["coordinates"] == [98.9511, 18.8063]  # the landmark, [lon, lat]
    assert by_id["5"]["properties"]["shape"] == "outline"
    for f in features:
        assert f["type"] == "Feature" and isinstance(f["id"], str) and "crs" not in f
        json.dumps(f, allow_nan=False)
        g = f["geometry"]
        if g["type"] == "Polygon":
            for k, ring in enumerate(g["coordinates"]):
                assert len(ring) >= 4 and ring[0] == ring[-1]
                area = sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))
                assert (area > 0) == (k == 0)  # right-hand rule: exterior counter-clockwise
                assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring)
    # A province's alert is ringed at the station its words name (the worst); without a place it is left out.
    province = {"rule_id": "pm25_unhealthy", "scope_kind": "province", "scope_key": "chiang_mai"}
    [haze] = alert_features([alert_view(8, **province, lat=17.6743, lon=98.337), alert_view(9, **province, lat=None,
                                                                                            lon=None)])
    assert haze["id"] == "8" and haze["properties"]["shape"] == "ring"
    assert haze["geometry"] == {"type": "Point", "coordinates": [98.337, 17.6743]}
    # Without imported boundaries a district alert is a circle round the district's centroid.
    fallback = alert_features([_alerts()[2]])
    assert fallback[0]["properties"]["shape"] == "circle" and fallback[0]["geometry"]["coordinates"] == [98.962,
                                                                                                          18.785]


def test_alerts_are_drawn_by_severity_with_text_tooltips(qtbot, map_view: MapView) -> None:  # type: ignore[no-untyped-def]
    map_view.set_language("en", {"severity.critical": "⚠ critical", "severity.warning": "▲ warning",
                                 "alert_state.acknowledged": "acknowledged by somchai"})
    _show(map_view)
    qtbot.waitUntil(lambda: len(_state(qtbot, map_view)["alerts"]["shapes"]) == 5, timeout=10_000)
    state = _state(qtbot, map_view)
    shapes = state["alerts"]["shapes"]
    assert state["layers"]["alerts"]["count"] == 5 and state["alerts"]["visible"]
    # Severity: colour from the console, and weight and dash so it does not rest on colour alone.
    assert shapes["2"]["colour"] == "#b71c1c" and shapes["2"]["dash"] is None
    assert shapes["1"]["dash"] and shapes["4"]["dash"] and shapes["1"]["dash"] != shapes["4"]["dash"]
    assert shapes["2"]["weight"] > shapes["1"]["weight"] > shapes["4"]["weight"]
    assert not any(s["fill"] for s in shapes.values())  # outlines hide nothing under them
    assert shapes["3"]["opacity"] < shapes["5"]["opacity"]  # acknowledged: fainter
    # A ring sits outside the station's marker; the critical one is drawn last, on top.
    assert shapes["1"]["shape"] == "ring" and shapes["1"]["radius_px"] >= 14
    assert state["alerts"]["order"][-1] == "2" and state["alerts"]["order"][0] == "4"
    # Tooltips are text, in the UI language: severity and rule, place, message (hostile markup stays text).
    assert shapes["2"]["tooltip"].startswith("⚠ critical · River at the city-flooding level")
    assert "Nawarat Bridge" in shapes["2"]["tooltip"]
    assert HOSTILE in shapes["1"]["tooltip"]
    assert "acknowledged by somchai" in shapes["3"]["tooltip"]
    assert js(qtbot, map_view, "return window.pwned === undefined && !document.querySelector('img[src=x]');")
    # The layer control has its own row, title and count.
    text = ask(qtbot, map_view, "dom_text")["controls"]
    assert "Alerts (5)" in text and "critical" in text


def test_a_click_on_an_alert_line_names_the_alert_and_the_station_inside_stays_clickable(  # type: ignore[no-untyped-def]
        qtbot, map_view: MapView) -> None:
    _show(map_view)
    with qtbot.waitSignal(map_view.sig_view_changed, timeout=10_000):
        map_view.fit((98.94, 18.70, 99.34, 18.90))  # the station left of the layer panel
    qtbot.waitUntil(lambda: "1" in _state(qtbot, map_view)["alerts"]["shapes"], timeout=10_000)
    clicks: list[tuple[str, str]] = []
    map_view.sig_feature_clicked.connect(lambda layer, fid: clicks.append((layer, fid)))
    ring = _state(qtbot, map_view)["alerts"]["shapes"]["1"]
    x, y, r = ring["centre"][0], ring["centre"][1], ring["radius_px"]

    def click(px: float, py: float) -> None:
        # A real DOM click at that pixel, through Leaflet's renderer and the map's own handlers.
        js(qtbot, map_view, f"""
            const m = ConsoleMap.app.map, rect = m.getContainer().getBoundingClientRect();
            const el = document.elementFromPoint(rect.left + {px}, rect.top + {py});
            for (const type of ['mousedown', 'mouseup', 'click']) {{
              el.dispatchEvent(new MouseEvent(type, {{bubbles: true, cancelable: true, view: window, button: 0,
                clientX: rect.left + {px}, clientY: rect.top + {py}}}));
            }}
            return el.tagName;""")

    click(x - r, y)  # on the ring's line (its west side: the district's edge is east of it)
    qtbot.waitUntil(lambda: bool(clicks), timeout=5_000)
    assert clicks == [("alerts", "1")]
    clicks.clear()
    click(x, y)  # the station's marker inside the ring
    qtbot.waitUntil(lambda: bool(clicks), timeout=5_000)
    assert clicks == [("air", "35t")]


def test_the_alerts_layer_hides_and_changes_by_diff(qtbot, map_view: MapView) -> None:  # type: ignore[no-untyped-def]
    _show(map_view)
    qtbot.waitUntil(lambda: len(_state(qtbot, map_view)["alerts"]["shapes"]) == 5, timeout=10_000)
    toggled: list[tuple[str, bool]] = []
    map_view.sig_layer_toggled.connect(lambda layer, visible: toggled.append((layer, visible)))
    js(qtbot, map_view, """
        const box = document.querySelector('.console-layer[data-layer="alerts"] input');
        box.checked = false; box.dispatchEvent(new Event('change')); return true;""")
    qtbot.waitUntil(lambda: toggled == [("alerts", False)], timeout=5_000)
    assert not _state(qtbot, map_view)["alerts"]["visible"]
    map_view.set_layer_visible("alerts", True)
    qtbot.waitUntil(lambda: _state(qtbot, map_view)["alerts"]["visible"], timeout=5_000)

    # The flood alert acknowledged, the haze one cleared: one diff, the page rebuilds nothing else.
    before = _state(qtbot, map_view)["counters"]
    old = {f["id"]: f for f in _features()}
    alerts = _alerts()
    alerts[1] = alert_view(2, **{**alerts[1].__dict__, "state": "acknowledged", "id": 2})
    alerts[0] = alert_view(1, state="cleared")
    new = alert_features(alerts, districts={"TH5001": MUEANG}, radius_km={"fire_near_landmarks": 3.0},
                         areas={"Burn scar": AREA})
    diff = diff_layer(old, new)
    assert [f["id"] for f in diff.update] == ["2"] and diff.remove == ["1"] and not diff.add
    map_view.diff_layer("alerts", add=diff.add, update=diff.update, remove=diff.remove)
    qtbot.waitUntil(lambda: "1" not in _state(qtbot, map_view)["alerts"]["shapes"], timeout=5_000)
    state = _state(qtbot, map_view)
    assert state["alerts"]["shapes"]["2"]["state"] == "acknowledged"
    assert state["counters"]["sets"] == before["sets"] and state["counters"]["diffs"] == before["diffs"] + 1
    assert state["alerts"]["order"][-1] == "2"  # still on top
