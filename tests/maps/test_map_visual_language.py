"""The map's visual language in real QtWebEngine: clusters coloured by their most urgent member and ringed when any
member is past its SLA, open P1 incidents never clustered, river gauges drawn above clusters and stations, one AQI
palette handed over as data, a shape per layer (so red-green colour-blind eyes need no colour), freshness badges
that turn amber or red, and a metric-only scale bar."""

from __future__ import annotations

import math
from typing import Any

import pytest

from maps.map_view import MapView
from maps.page_style import contrast, page_style
from services import river_status
from services.feeds.thai_aqi import BANDS as AQI_BANDS
from tests.maps.conftest import ask, js, point

pytestmark = pytest.mark.webengine

CITY = (98.985, 18.79)


def _near(k: int, base: tuple[float, float] = CITY, step: float = 0.0004) -> tuple[float, float]:
    return base[0] + (k % 5) * step, base[1] + (k // 5) * step


def _clusters(qtbot: Any, view: MapView) -> list[dict[str, Any]]:
    return js(qtbot, view, "return ConsoleMap.app.canvas.items.filter(i => i.cluster !== undefined)"
                           ".map(i => ({x: i.x, y: i.y, r: i.r, count: i.count, worst: i.worst, "
                           "breached: i.breached}));")


def _singles(qtbot: Any, view: MapView) -> list[str]:
    return js(qtbot, view, "return ConsoleMap.app.canvas.items.filter(i => i.layer === 'incidents' && "
                           "i.id !== undefined).map(i => String(i.id));")


def _pixel(qtbot: Any, view: MapView, pane: str, x: float, y: float) -> list[int]:
    return js(qtbot, view, f"const c = ConsoleMap.app.canvas.canvasOf('{pane}'), r = window.devicePixelRatio || 1;"
                           f"return Array.from(c.getContext('2d').getImageData(Math.round({x} * r), "
                           f"Math.round({y} * r), 1, 1).data);")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def _close(pixel: list[int], colour: str, tolerance: int = 12) -> bool:
    return pixel[3] > 200 and all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], _rgb(colour), strict=True))


def test_clusters_take_the_colour_of_their_most_urgent_member_and_a_ring_when_any_is_past_sla(
        map_view: MapView, qtbot: Any) -> None:
    west = [point(f"w{k}", *_near(k), priority="P4" if k % 2 else "P3", status="open", sla_breached=False)
            for k in range(20)]
    west[7]["properties"].update(priority="P2", sla_breached=True)
    east = [point(f"e{k}", *_near(k, (99.25, 18.79)), priority="P4", status="open", sla_breached=False)
            for k in range(12)]
    closed = [point(f"c{k}", *_near(k, (98.70, 18.79)), priority="P1", status="closed") for k in range(6)]
    map_view.set_layer("incidents", west + east + closed)
    ask(qtbot, map_view, "paint")
    clusters = sorted(_clusters(qtbot, map_view), key=lambda c: c["x"])
    assert [(c["count"], c["worst"], c["breached"] > 0) for c in clusters] == [
        (6, 5, False),  # closed only: grey (rank 5), closed P1s may be clustered
        (20, 2, True),  # P2 is its most urgent, and that P2 is past its SLA
        (12, 4, False)]
    colours = js(qtbot, map_view, "return ConsoleMap.PRIORITY_COLOURS;")
    west_cluster = clusters[1]
    # Its fill (left of the count) is P2's colour; the ring outside it is the breach black.
    assert _close(_pixel(qtbot, map_view, "data", west_cluster["x"] - west_cluster["r"] + 5, west_cluster["y"]),
                  colours["P2"])
    assert _close(_pixel(qtbot, map_view, "data", west_cluster["x"] - west_cluster["r"] - 4, west_cluster["y"]),
                  "#000000", 40)
    east_cluster = clusters[2]
    assert _close(_pixel(qtbot, map_view, "data", east_cluster["x"] - east_cluster["r"] + 5, east_cluster["y"]),
                  colours["P4"])
    assert _pixel(qtbot, map_view, "data", east_cluster["x"] - east_cluster["r"] - 4, east_cluster["y"])[3] == 0

    # A property change re-aggregates without rebuilding the index: the P2 calms down, the cluster follows.
    reindex = ask(qtbot, map_view, "state")["counters"]["reindex"]
    calmer = point("w7", *_near(7), priority="P4", status="open", sla_breached=False)
    map_view.diff_layer("incidents", update=[calmer])
    ask(qtbot, map_view, "paint")
    west_cluster = sorted(_clusters(qtbot, map_view), key=lambda c: c["x"])[1]
    assert (west_cluster["worst"], west_cluster["breached"]) == (3, 0)
    assert ask(qtbot, map_view, "state")["counters"]["reindex"] == reindex


def test_open_p1_incidents_are_never_clustered(map_view: MapView, qtbot: Any) -> None:
    crowd = [point(f"p{k}", *_near(k, step=0.0001), priority="P1", status="open", sla_breached=k % 3 == 0)
             for k in range(30)]
    crowd += [point(f"q{k}", *_near(k, step=0.0001), priority="P3", status="open") for k in range(30)]
    map_view.set_layer("incidents", crowd)
    ask(qtbot, map_view, "paint")
    singles = _singles(qtbot, map_view)
    assert sorted(singles) == sorted(f"p{k}" for k in range(30))  # every open P1 on its own
    [cluster] = _clusters(qtbot, map_view)
    assert (cluster["count"], cluster["worst"]) == (30, 3)  # the P3s, counted exactly, without the P1s
    # A P3 raised to P1 leaves its cluster at once (no re-index); a P1 closed joins one.
    reindex = ask(qtbot, map_view, "state")["counters"]["reindex"]
    map_view.diff_layer("incidents", update=[point("q0", *_near(0, step=0.0001), priority="P1", status="open"),
                                             point("p1", *_near(1, step=0.0001), priority="P1", status="closed")])
    ask(qtbot, map_view, "paint")
    singles = _singles(qtbot, map_view)
    assert "q0" in singles and "p1" not in singles and len(singles) == 30
    [cluster] = _clusters(qtbot, map_view)
    assert cluster["count"] == 30 and cluster["worst"] == 3
    assert ask(qtbot, map_view, "state")["counters"]["reindex"] == reindex
    # The P1 marker is its own shape, drawn above the cluster: the pixel at a P1 is P1's colour, not the cluster's.
    p1 = js(qtbot, map_view, "const i = ConsoleMap.app.canvas.items.find(i => i.id === 'p0'); return [i.x, i.y];")
    colours = js(qtbot, map_view, "return ConsoleMap.PRIORITY_COLOURS;")
    assert _close(_pixel(qtbot, map_view, "data", p1[0] - 6, p1[1]), colours["P1"])


def test_river_gauges_and_their_labels_are_drawn_above_clusters_and_stations(map_view: MapView, qtbot: Any) -> None:
    here = (99.0051, 18.7870)
    map_view.set_layer("incidents", [point(f"i{k}", *_near(k, here, 0.0002), priority="P2", status="open")
                                     for k in range(40)])
    map_view.set_layer("air", [point("35t", *here, name="ศาลากลาง", aqi=180, band=4, pm25=96.0)])
    map_view.set_layer("river", [point("P.1", *here, name="สะพานนวรัฐ", name_en="Nawarat Bridge", level_m=4.37,
                                       bank_full_m=3.7, flood_m=4.2, trend_m=0.12, band="flooding")])
    ask(qtbot, map_view, "paint")
    state = ask(qtbot, map_view, "state")
    assert state["panes"]["river"] > state["panes"]["data"]
    gauge = js(qtbot, map_view, "const i = ConsoleMap.app.canvas.items.find(i => i.layer === 'river');"
                                "return [i.x, i.y];")
    # What a click or hover at the gauge finds first is the gauge, not the cluster or the station under it.
    top = js(qtbot, map_view, f"return ConsoleMap.app.canvas.hit(L.point({gauge[0]}, {gauge[1]})).layer;")
    assert top == "river"
    flooding = next(b for b in page_style()["river"] if b["band"] == "flooding")
    assert _close(_pixel(qtbot, map_view, "river", gauge[0] - 6, gauge[1] + 4), flooding["colour"])
    labels = ask(qtbot, map_view, "dom_text")["labels"]
    assert "4.37 m ▲" in labels and "น้ำท่วมเมือง" in labels  # the level and the band, in words
    # The labels are on the river canvas too: above the cluster drawn at the same place.
    assert js(qtbot, map_view, "return ConsoleMap.app.canvas.canvasOf('river').parentNode.style.zIndex;") == "470"


def test_one_aqi_palette_from_the_thai_aqi_table(map_view: MapView, qtbot: Any) -> None:
    stations = [point(f"s{b.number}", 98.6 + b.number * 0.12, 18.6, name=f"s{b.number}", aqi=b.aqi_min + 5,
                      band=b.number) for b in AQI_BANDS]
    map_view.set_layer("air", stations)
    ask(qtbot, map_view, "paint")
    items = js(qtbot, map_view, "return ConsoleMap.app.canvas.items.filter(i => i.layer === 'air')"
                                ".map(i => [i.id, i.x, i.y]);")
    assert len(items) == len(AQI_BANDS)
    for fid, x, y in items:
        band = AQI_BANDS[int(fid[1:]) - 1]
        pixel = _pixel(qtbot, map_view, "data", x - 11, y + 5)  # inside the square, clear of the number
        assert pixel[3] > 200 and all(abs(a - b) <= 3 for a, b in zip(pixel[:3], band.rgb, strict=True)), fid
    # The page keeps no AQI colour table of its own.
    assert js(qtbot, map_view, "return typeof ConsoleMap.AQI_COLOURS;") == "undefined"
    legend = ask(qtbot, map_view, "dom_text")["controls"]
    assert all(b.label_th in legend for b in AQI_BANDS)


def _deuteranopia(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """Machado, Oliveira & Fernandes (2009), deuteranopia at severity 1.0, on linear RGB."""
    m = ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881))
    lin = [((c / 255 + 0.055) / 1.055) ** 2.4 if c / 255 > 0.04045 else c / 255 / 12.92 for c in rgb]
    return tuple(min(1.0, max(0.0, sum(m[i][j] * lin[j] for j in range(3)))) for i in range(3))  # type: ignore


def test_colour_is_never_the_only_cue_even_for_red_green_colour_blind_eyes(map_view: MapView, qtbot: Any) -> None:
    # Each marker alone on a canvas, as the map draws it, seen through a deuteranopia simulation and reduced to
    # light and dark: what is left is shape and glyph. Every pair the issue names must still differ clearly.
    markers = js(qtbot, map_view, """
        const CM = ConsoleMap, app = CM.app, out = {};
        const river = function (b) { return CM.riverMarker(app.style.river[b]).sprite; };
        const cases = {
          P1: CM.incidentMarker({priority: 'P1', status: 'open'}).sprite,
          P2: CM.incidentMarker({priority: 'P2', status: 'open'}).sprite,
          hotspot: CM.hotspotMarker('24h', 'high').sprite,
          bank_full: river('bank_full'), flooding: river('flooding'), normal: river('normal'),
        };
        for (const b of [4, 5]) {
          const c = document.createElement('canvas'); c.width = 34; c.height = 34;
          CM.drawAqi(c.getContext('2d'), [], 17, 17, String(app.style.aqi[b].min), app.style.aqi[b]);
          cases['aqi' + b] = c;
        }
        for (const k in cases) {
          const src = cases[k], c = document.createElement('canvas'); c.width = 34; c.height = 34;
          const ctx = c.getContext('2d');
          ctx.drawImage(src, (34 - src.width) / 2, (34 - src.height) / 2);
          out[k] = Array.from(ctx.getImageData(0, 0, 34, 34).data);
        }
        return out;""")

    def pattern(data: list[int]) -> list[int]:
        # 0 background, 1 dark, 2 light: luminance of the simulated colour, split at the marker's own middle.
        lum = []
        for i in range(0, len(data), 4):
            if data[i + 3] < 128:
                lum.append(None)
            else:
                r, g, b = _deuteranopia((data[i], data[i + 1], data[i + 2]))
                lum.append(0.2126 * r + 0.7152 * g + 0.0722 * b)
        values = [v for v in lum if v is not None]
        middle = (min(values) + max(values)) / 2
        return [0 if v is None else (1 if v < middle else 2) for v in lum]

    patterns = {k: pattern(v) for k, v in markers.items()}
    pairs = [("P1", "P2"), ("P1", "hotspot"), ("P2", "hotspot"), ("P1", "aqi5"), ("aqi4", "aqi5"),
             ("bank_full", "flooding"), ("normal", "flooding"), ("P1", "flooding"), ("hotspot", "aqi4")]
    for a, b in pairs:
        differ = sum(x != y for x, y in zip(patterns[a], patterns[b], strict=True))
        assert differ >= 25, (a, b, differ)  # dozens of pixels of shape or glyph, not a colour shade


def test_text_on_every_marker_colour_meets_4_5_to_1(map_view: MapView, qtbot: Any) -> None:
    colours = js(qtbot, map_view, "return [ConsoleMap.PRIORITY_COLOURS, ConsoleMap.PRIORITY_TEXT];")
    for priority, fill in colours[0].items():
        assert contrast(_rgb(fill), _rgb(colours[1][priority])) >= 4.5, priority
    for band in page_style()["aqi"] + page_style()["river"]:
        assert contrast(_rgb(band["colour"]), _rgb(band["text"])) >= 4.5, band["band"]


def test_the_legend_draws_each_layer_in_its_own_shape(map_view: MapView, qtbot: Any) -> None:
    shapes = js(qtbot, map_view, """
        const out = {};
        for (const row of document.querySelectorAll('.console-layer')) {
          out[row.dataset.layer] = Array.from(row.querySelectorAll('canvas.console-swatch')).map(c => c.dataset.shape);
        }
        return out;""")
    assert set(shapes["incidents"]) == {"incident", "cluster", "major"}
    assert shapes["air"] == ["aqi"] * 5
    assert shapes["hotspots"] == ["hotspot"] * 3
    assert shapes["river"] == ["river"] * (len(river_status.BANDS) - 1)  # every band but "no data"
    text = ask(qtbot, map_view, "dom_text")["controls"]
    assert all(river_status.LABELS[b][0] in text for b in river_status.BANDS if b != "unknown")


def test_badges_turn_amber_when_failing_and_red_when_stale(map_view: MapView, qtbot: Any) -> None:
    def badge(layer: str) -> dict[str, Any]:
        return js(qtbot, map_view, f"const b = document.querySelector('.console-layer[data-layer={layer}] "
                                   f".console-badge'); return {{state: b.dataset.state, text: b.textContent, "
                                   f"bg: getComputedStyle(b).backgroundColor}};")

    common = {"source": "Air4Thai", "last_success": "2026-12-04T19:06:00Z", "age_s": 120, "cadence_s": 600}
    map_view.set_layer_meta("air", freshness="fresh", failing=False, **common)
    map_view.set_layer_meta("river", freshness="fresh", failing=True, **common)
    map_view.set_layer_meta("hotspots", freshness="stale", failing=True, **common)
    ask(qtbot, map_view, "paint")
    fresh, failing, stale = badge("air"), badge("river"), badge("hotspots")
    assert fresh["state"] == "fresh" and fresh["text"].endswith("ล่าสุด")
    assert failing["state"] == "failing" and "ล่าสุด" not in failing["text"] and "ไม่สำเร็จ" in failing["text"]
    assert stale["state"] == "stale" and "ล่าสุด" not in stale["text"]
    amber, red = failing["bg"], stale["bg"]
    assert amber == "rgb(255, 243, 205)" and red == "rgb(253, 224, 224)"
    assert fresh["bg"] == "rgba(0, 0, 0, 0)"
    # Asia/Bangkok and a four-digit Buddhist-Era year (not "5/12/69").
    assert "5 ธ.ค. 2569 02:06" in fresh["text"]


def test_the_scale_bar_is_metric_only(map_view: MapView, qtbot: Any) -> None:
    scale = ask(qtbot, map_view, "state")["scale"]
    assert len(scale) == 1 and scale[0].endswith("km")
    map_view.fit((98.98, 18.78, 98.99, 18.79))
    qtbot.waitUntil(lambda: ask(qtbot, map_view, "state")["zoom"] >= 15)
    [line] = ask(qtbot, map_view, "state")["scale"]
    assert line.endswith(" m") and not math.isnan(float(line.split()[0]))


def test_thousands_of_open_p1_incidents_each_stay_their_own_marker(map_view: MapView, qtbot: Any) -> None:
    many = [point(f"p{k}", 98.3 + (k % 60) * 0.02, 18.3 + (k // 60) * 0.02, priority="P1", status="open")
            for k in range(2400)]
    many += [point(f"q{k}", 98.3 + (k % 60) * 0.02, 18.31 + (k // 60) * 0.02, priority="P4", status="open")
             for k in range(2400)]
    map_view.set_layer("incidents", many)
    map_view.fit((98.2, 18.2, 99.6, 19.2))
    qtbot.waitUntil(lambda: ask(qtbot, map_view, "state")["open_p1"] == 2400)
    ask(qtbot, map_view, "paint")
    singles = set(_singles(qtbot, map_view))
    assert {f"p{k}" for k in range(2400)} <= singles  # each hit-testable, none inside a cluster
    clustered = sum(c["count"] for c in _clusters(qtbot, map_view))
    assert clustered + len(singles) == 4800 and all(c["worst"] == 4 for c in _clusters(qtbot, map_view))
