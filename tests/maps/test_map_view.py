"""The map page in real QtWebEngine (offscreen): ready, offline, layers, diffs without reload, tiles, signals,
hardening and teardown. Page state is read through the bridge's ``query``."""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QTimer, QUrl
from PySide6.QtGui import QColor, QImage
from PySide6.QtWebEngineCore import QWebEnginePage
from shiboken6 import delete

from maps.map_view import MapView
from tests.maps.conftest import ask, js, make_view, point

pytestmark = pytest.mark.webengine


def incidents(n: int, seed: int = 1, spread: float = 0.3) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    return [point(f"i{k}", 98.98 + rnd.uniform(-spread, spread), 18.79 + rnd.uniform(-spread, spread),
                  title=f"t{k}", priority=f"P{1 + k % 4}", status="open" if k % 5 else "closed",
                  sla_breached=k % 7 == 0, time=f"2026-11-{1 + k % 20:02d}T00:00:00Z") for k in range(n)]


def sample_layers(view: MapView) -> None:
    view.set_layer("air", [point("35t", 98.97, 18.84, name="ศาลากลาง", aqi=87, band=3, pm25=41)])
    view.set_layer("hotspots", [point("h1", 98.7, 19.1, age_band="24h", confidence="high", frp=12.0),
                                point("h2", 98.8, 19.2, age_band="5d", confidence=40, frp=3.0)])
    view.set_layer("river", [point("P.1", 99.0, 18.78, name="สะพานนวรัฐ", level_m=3.9, bank_full_m=3.7,
                                   flood_m=4.2, trend_m=0.1)])
    view.set_layer("districts", [point("5001", 98.98, 18.79, name="Mueang Chiang Mai", name_th="เมืองเชียงใหม่")])


def test_page_loads_offline_and_says_ready(map_view: MapView, qtbot: Any) -> None:
    state = ask(qtbot, map_view, "state")
    assert state["ready"] is True and state["zoom"] == 9
    assert state["province_box"] is True  # no district polygons yet
    assert state["background"] == "rgb(223, 227, 232)"  # plain background under the data when tiles fail
    # Every request went to pao://; nothing even tried the network.
    assert map_view.remote_requests_blocked == 0
    text = ask(qtbot, map_view, "dom_text")["controls"]
    assert "เหตุการณ์" in text and "คุณภาพอากาศ" in text


def test_layers_render_with_exact_cluster_counts(map_view: MapView, qtbot: Any) -> None:
    sample_layers(map_view)
    map_view.set_layer("incidents", incidents(1000))
    state = ask(qtbot, map_view, "state")
    layers = state["layers"]
    assert {k: v["count"] for k, v in layers.items()} == {
        "incidents": 1000, "air": 1, "hotspots": 2, "river": 1, "districts": 1, "alerts": 0}
    assert all(v["drawn"] >= 1 for k, v in layers.items() if k != "alerts")  # alerts: Leaflet outlines, none here
    assert state["clusters"] >= 1
    # The clusters and single points in view account for every incident exactly.
    total = js(qtbot, map_view, "return ConsoleMap.app.canvas.items.filter(i => i.layer === 'incidents')"
                                ".reduce((s, i) => s + (i.cluster !== undefined ? i.count : 1), 0);")
    assert total == 1000
    labels = ask(qtbot, map_view, "dom_text")["labels"]
    assert "87" in labels and "3.90 m ▲" in labels and "เมืองเชียงใหม่" in labels


def test_diff_applies_without_reload(map_view: MapView, qtbot: Any) -> None:
    map_view.set_layer("incidents", incidents(500))
    ask(qtbot, map_view, "state")
    js(qtbot, map_view, "window.__before_diff = 42; return 1;")
    before = ask(qtbot, map_view, "state")["counters"]
    changed = incidents(500)[:100]
    for f in changed:
        f["properties"]["status"] = "closed"
    map_view.diff_layer("incidents", update=changed)
    state = ask(qtbot, map_view, "state")
    assert state["counters"]["reindex"] == before["reindex"]  # property changes keep the cluster index
    status = js(qtbot, map_view, "return ConsoleMap.app.layers.incidents.features.get('i3').properties.status;")
    assert status == "closed"
    map_view.diff_layer("incidents", add=[point("new", 98.9, 18.8, priority="P1", title="n")], remove=["i0", "i1"])
    state = ask(qtbot, map_view, "state")
    assert state["layers"]["incidents"]["count"] == 499
    assert state["counters"]["reindex"] == before["reindex"] + 1
    assert js(qtbot, map_view, "return window.__before_diff;") == 42  # same page: nothing reloaded


def _png() -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor("#a0c8a0"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


@pytest.mark.parametrize("tile", [None, "png"])
def test_tiles_from_provider_or_missing(qtbot: Any, page_dir: Path, tile: str | None) -> None:
    png = _png() if tile else None
    asked: list[tuple[int, int, int]] = []

    def provider(z: int, x: int, y: int, reply: Any) -> None:
        asked.append((z, x, y))
        QTimer.singleShot(5, lambda: reply(png))  # the console answers later, from its cache worker

    view = make_view(qtbot, page_dir, provider)
    view.set_basemap("pao://tiles/{z}/{x}/{y}.png", "© test tiles")
    sample_layers(view)
    key = "tilesLoaded" if tile else "tileErrors"
    qtbot.waitUntil(lambda: (ask(qtbot, view, "state")["counters"].get(key) or 0) > 0, timeout=10_000)
    state = ask(qtbot, view, "state")
    assert asked and all(z == 9 for z, _x, _y in asked)
    assert state["layers"]["air"]["drawn"] == 1 and state["layers"]["river"]["drawn"] == 1
    assert "© test tiles" in ask(qtbot, view, "dom_text")["controls"]
    assert view.remote_requests_blocked == 0
    view.shutdown()


def test_basemap_outside_our_scheme_is_refused(map_view: MapView, qtbot: Any) -> None:
    errors: list[str] = []
    map_view.sig_page_error.connect(errors.append)
    map_view.set_basemap("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "x")
    qtbot.waitUntil(lambda: bool(errors))
    assert ask(qtbot, map_view, "state")["tiles"] is False
    assert map_view.remote_requests_blocked == 0


def test_click_contextmenu_polygon_and_toggle_signals(map_view: MapView, qtbot: Any) -> None:
    map_view.set_layer("incidents", [point("a", 98.98, 18.79, priority="P1", title="x"),
                                     point("b", 98.5, 18.3, priority="P2", title="y")])
    ask(qtbot, map_view, "state")
    with qtbot.waitSignal(map_view.sig_feature_clicked) as clicked:
        js(qtbot, map_view, "const m = ConsoleMap.app.map, ll = L.latLng(18.79, 98.98);"
                            "m.fire('click', {latlng: ll, containerPoint: m.latLngToContainerPoint(ll)}); return 1;")
    assert clicked.args == ["incidents", "a"]
    with qtbot.waitSignal(map_view.sig_new_incident_requested) as ctx:
        js(qtbot, map_view, "ConsoleMap.app.map.fire('contextmenu', {latlng: L.latLng(18.5, 98.9)}); return 1;")
    assert ctx.args == pytest.approx([18.5, 98.9])
    with qtbot.waitSignal(map_view.sig_polygon_drawn) as drawn:
        js(qtbot, map_view, "ConsoleMap.app.map.fire('draw:created', {layerType: 'polygon', layer: "
                            "L.polygon([[18.7, 98.9], [18.7, 99.1], [18.9, 99.1], [18.9, 98.9]])}); return 1;")
    assert len(drawn.args[0]) == 4
    assert ask(qtbot, map_view, "state")["layers"]["incidents"]["shown"] == 1  # only "a" is inside
    with qtbot.waitSignal(map_view.sig_polygon_cleared):
        js(qtbot, map_view, "const a = ConsoleMap.app; a.drawn.clearLayers(); a.map.fire('draw:deleted', "
                            "{layers: L.layerGroup()}); return 1;")
    assert ask(qtbot, map_view, "state")["layers"]["incidents"]["shown"] == 2
    with qtbot.waitSignal(map_view.sig_layer_toggled) as toggled:
        js(qtbot, map_view, "document.querySelector('.console-layer[data-layer=air] input').click(); return 1;")
    assert toggled.args == ["air", False]


def test_time_window_heatmap_and_language(map_view: MapView, qtbot: Any) -> None:
    map_view.set_layer("incidents", incidents(200))
    map_view.set_layer("hotspots", [point(f"h{k}", 98.7 + k / 100, 19.0, age_band="24h", confidence="high",
                                          time="2026-11-20T00:00:00Z") for k in range(30)])
    map_view.set_time_window("2026-11-10T00:00:00Z", "2026-11-15T00:00:00Z")
    state = ask(qtbot, map_view, "state")
    assert state["layers"]["incidents"]["shown"] == 60  # days 10..15 at 00:00, 10 incidents each
    assert state["layers"]["hotspots"]["shown"] == 0
    map_view.set_time_window(None, None)
    # The slider's "last 24 h" ends at the newest data (2026-11-20): incidents of the 19th and 20th.
    js(qtbot, map_view, "const s = document.querySelector('.console-time-slider'); s.value = 4;"
                        "s.dispatchEvent(new Event('input')); return 1;")
    state = ask(qtbot, map_view, "state")
    assert state["layers"]["incidents"]["shown"] == 20 and state["layers"]["hotspots"]["shown"] == 30
    map_view.set_heatmap("hotspots", True)
    state = ask(qtbot, map_view, "state")
    assert state["layers"]["hotspots"]["heat_points"] == 30 and state["layers"]["hotspots"]["drawn"] == 0
    map_view.set_language("en", {"layer.air": "Air (PM2.5)"})
    text = ask(qtbot, map_view, "dom_text")["controls"]
    assert "Air (PM2.5)" in text and "Incidents" in text and "24 h latest" in text
    map_view.set_layer_meta("air", source="Air4Thai", last_success="2026-11-20T01:00:00Z", age_s=1200,
                            cadence_s=3600, freshness="fresh")
    text = ask(qtbot, map_view, "dom_text")["controls"]
    assert "Air4Thai" in text and "age 20 min / every 60 min" in text


def test_select_highlights_and_districts_polygons_replace_box(map_view: MapView, qtbot: Any) -> None:
    map_view.set_layer("air", [point("35t", 98.97, 18.84, name="x", aqi=20, band=1)])
    map_view.select("air", "35t")
    qtbot.waitUntil(lambda: ask(qtbot, map_view, "state")["zoom"] >= 11)  # the view animates to the station
    assert ask(qtbot, map_view, "state")["selected"] == {"layer": "air", "id": "35t"}
    square = {"type": "Feature", "id": "5001", "properties": {"name": "A", "name_th": "ก"},
              "geometry": {"type": "Polygon", "coordinates": [[[98.9, 18.7], [99.0, 18.7], [99.0, 18.8],
                                                               [98.9, 18.8], [98.9, 18.7]]]}}
    map_view.set_layer("districts", [square])
    state = ask(qtbot, map_view, "state")
    assert state["district_shapes"] is True and state["province_box"] is False


def test_hardening(map_view: MapView, qtbot: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="maps.page"):
        js(qtbot, map_view, "console.error('from the page'); return 1;")
        qtbot.waitUntil(lambda: any("from the page" in r.getMessage() for r in caplog.records))
    assert js(qtbot, map_view, "return window.open('pao://app/map.html') === null;") is True
    js(qtbot, map_view, "window.__still_here = 1; location.href = 'https://example.com/'; return 1;")
    qtbot.wait(200)  # give a refused navigation the chance to (wrongly) happen; nothing to wait for otherwise
    assert js(qtbot, map_view, "return window.__still_here;") == 1
    assert map_view.page.url() == QUrl("pao://app/map.html")
    assert map_view.remote_requests_blocked == 0


def test_interceptor_blocks_and_counts_remote_requests(map_view: MapView, qtbot: Any) -> None:
    # A second page on the map's profile, with no CSP, asking for a remote URL: the interceptor must stop it.
    probe = QWebEnginePage(map_view.page.profile(), map_view)
    with qtbot.waitSignal(probe.loadFinished, timeout=10_000):
        probe.load(QUrl("http://127.0.0.1:9/blocked"))
    assert map_view.remote_requests_blocked >= 1
    delete(probe)  # before the profile, which would otherwise warn


def test_late_callbacks_after_shutdown_are_ignored(qtbot: Any, page_dir: Path) -> None:
    view = make_view(qtbot, page_dir)
    called: list[Any] = []
    view.query("state", called.append)
    view.shutdown()
    view.send({"type": "query", "id": 99, "what": "state"})  # dropped, no error
    view.query("state", called.append)
    qtbot.wait(100)  # nothing may arrive; there is no event to wait for
    assert called == []
    view.shutdown()


def test_missing_river_level_is_not_drawn_as_zero(map_view: MapView, qtbot: Any) -> None:
    map_view.set_layer("river", [point("CHM002", 98.6302, 18.1786, name="ฮอด", level_m=None, bank_diff_m=-3.5,
                                       trend_m=None, bank_full_m=None, flood_m=None)])
    ask(qtbot, map_view, "state")
    labels = ask(qtbot, map_view, "dom_text")["labels"]
    assert "ฮอด" in labels
    assert not any(label.startswith("0.00") for label in labels)


def test_river_names_follow_the_page_language(map_view: MapView, qtbot: Any) -> None:
    map_view.set_layer("river", [point("P.1", 99.0051, 18.7870, name="สะพานนวรัฐ", name_en="Nawarat Bridge",
                                       level_m=1.8, bank_diff_m=-1.9, trend_m=0.0)])
    map_view.set_language("en", {})
    ask(qtbot, map_view, "state")
    assert "Nawarat Bridge" in ask(qtbot, map_view, "dom_text")["labels"]
    map_view.set_language("th", {})
    ask(qtbot, map_view, "state")
    assert "สะพานนวรัฐ" in ask(qtbot, map_view, "dom_text")["labels"]
