"""Hostile text through every text path of the map, with zero executions and the map still working.

Each payload, if it ever ran, would set ``window.__xss``, post a message over the bridge, or open a dialog.
The page shows all text through textContent / canvas fillText, and its Content-Security-Policy allows only its
own inline scripts by hash; this test checks the text paths themselves (no injected element exists in the DOM)
as well as the outcome (nothing ran)."""

from __future__ import annotations

from typing import Any

import pytest

from maps.map_view import MapView
from tests.maps.conftest import ask, js, point

pytestmark = pytest.mark.webengine

POST = "ConsoleMap.app.post({type:'log',level:'error',message:'XSS-RAN'})"
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    '<svg onload="window.__xss=3"></svg>',
    '"><img src=x onerror=window.__xss=4>',
    "'><script>window.__xss=5</script>",
    "${window.__xss=6}",
    "`;window.__xss=7;`",
    "</script><script>window.__xss=8</script>",
    "javascript:window.__xss=9",
    '<a href="javascript:window.__xss=10">click</a>',
    '<iframe src="javascript:window.__xss=11"></iframe>',
    '<body onload="window.__xss=12">',
    "{{7*7}} {% if 1 %}x{% endif %}",
    "\u2028\u2029'\";window.__xss=14;//",
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div style="background:url(javascript:window.__xss=16)">d</div>',
    f'<img src=x onerror="{POST}">',
    "<img src=x onerror=\"alert('XSS')\">",
    "น้ำท่วม <b>ถนนช้างคลาน</b> & \"ช้าง\" 'ป่า' ฝุ่น PM2.5",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=21>",
    "%3Cscript%3Ewindow.__xss=22%3C/script%3E",
    '<object data="javascript:window.__xss=23"></object>',
    "' + (window.__xss=24) + '",
    "\x00<script>window.__xss=25</script>",
    '<img src="https://evil.example/pixel.png">',
    "A" * 100_000 + "<img src=x onerror=window.__xss=27>",
]

# Elements a payload would create if it were parsed as HTML (injected scripts are caught by counting scripts).
INJECTED = "img[src='x'], img[src^='https'], iframe, object, svg, math, a[href^='javascript'], b, [onerror], [onload]"


def test_payload_corpus_is_big_enough() -> None:
    assert len(PAYLOADS) >= 20


def test_no_payload_runs_through_any_text_path(map_view: MapView, qtbot: Any) -> None:
    received: list[dict[str, Any]] = []
    map_view.bridge.sig_received.connect(received.append)
    scripts_before = js(qtbot, map_view, "return document.scripts.length;")
    n = len(PAYLOADS)
    base = (98.98, 18.79)

    def at(k: int, layer: int = 0) -> tuple[float, float]:
        # A grid wide enough that nothing clusters, each layer shifted so that every feature can be hovered.
        return base[0] + (k % 6) * 0.2 + layer * 0.035, base[1] + (k // 6) * 0.2

    map_view.set_layer("incidents", [
        point(f"i{k}", *at(k), title=p, description=PAYLOADS[(k + 1) % n], category=PAYLOADS[(k + 2) % n],
              priority=p, status=p, state=p, major=k % 2 == 0, children=p, parent=PAYLOADS[(k + 3) % n],
              district=p[:200], source=p, expected=p, time=p, sla_breached=k % 3 == 0)
        for k, p in enumerate(PAYLOADS)])
    map_view.set_layer("air", [point(f"a{k}", *at(k, 1), name=p, name_en=p, aqi=p, pm25=p, band=p, time=p)
                               for k, p in enumerate(PAYLOADS)])
    map_view.set_layer("river", [point(f"r{k}", *at(k, 2), name=p, situation=p, level_m=p, trend_m=p, band=p,
                                       bank_full_m=p, flood_m=p, bank_diff_m=p, time=p)
                                 for k, p in enumerate(PAYLOADS)])
    map_view.set_layer("districts", [point(p[:200], *at(k, 3), name=p, name_th=p) for k, p in enumerate(PAYLOADS)])
    map_view.set_layer("hotspots", [point(f"h{k}", *at(k, 4), source=p, confidence=p, age_band=p, time=p)
                                    for k, p in enumerate(PAYLOADS)])
    for k, layer in enumerate(("incidents", "air", "hotspots", "river", "districts")):
        map_view.set_layer_meta(layer, title=PAYLOADS[k], source=PAYLOADS[k + 5], freshness=PAYLOADS[k + 10],
                                last_success=PAYLOADS[k + 15], age_s=60, cadence_s=3600)
    keys = js(qtbot, map_view, "return Object.keys(ConsoleMap.DEFAULT_STRINGS);")
    words = {key: PAYLOADS[i % n] for i, key in enumerate(keys)}
    # The words the console hands over for codes (workflow states, sources), keyed by hostile codes too.
    words.update({f"state.{p}": PAYLOADS[(k + 4) % n] for k, p in enumerate(PAYLOADS)})
    words.update({f"source.{p}": PAYLOADS[(k + 5) % n] for k, p in enumerate(PAYLOADS)})
    map_view.set_language("en", words)
    map_view.set_basemap("pao://tiles/{z}/{x}/{y}.png", PAYLOADS[1] + PAYLOADS[17])
    map_view.set_time_window(None, None)
    map_view.fit((98.9, 18.7, 100.2, 19.7))
    ask(qtbot, map_view, "paint")

    # Hover over every drawn feature: each tooltip is built from the payload text.
    tooltips = js(qtbot, map_view, """
        const app = ConsoleMap.app, out = [];
        for (const it of app.canvas.items.slice()) {
          const ll = app.map.containerPointToLatLng([it.x, it.y]);
          app.map.fire('mousemove', {latlng: ll, containerPoint: L.point(it.x, it.y)});
          const tip = document.querySelector('.leaflet-tooltip');
          if (tip) out.push(tip.textContent);
        }
        return out;""")
    assert len(tooltips) == 5 * n
    assert any(PAYLOADS[0] in t for t in tooltips) and any("ถนนช้างคลาน" in t for t in tooltips)
    assert any("#" + PAYLOADS[3] in t for t in tooltips)  # a child's major incident, as text
    assert any(PAYLOADS[4 + 1] in t and PAYLOADS[1] in t for t in tooltips)  # a state's word, as text
    dom = ask(qtbot, map_view, "dom_text")
    for i, key in enumerate(keys):
        if key.startswith("legend."):
            assert PAYLOADS[i % n][:1000] in dom["controls"], key  # language strings, as text
    for k in range(5):
        assert PAYLOADS[k] in dom["controls"] and PAYLOADS[k + 5] in dom["controls"]  # meta title and source
    assert PAYLOADS[1] + PAYLOADS[17] in dom["controls"]  # the attribution, as text
    assert PAYLOADS[2] in dom["labels"]  # a district name drawn on the canvas

    ask(qtbot, map_view, "paint")  # one more frame: an <img onerror> would have fired by now
    assert js(qtbot, map_view, "return typeof window.__xss;") == "undefined"
    assert js(qtbot, map_view, f"return document.querySelectorAll(\"{INJECTED}\").length;") == 0
    assert js(qtbot, map_view, "return document.scripts.length;") == scripts_before
    assert map_view.page.dialogs_refused == 0
    assert not [m for m in received if m["type"] in ("log", "error")]  # what the payloads would post
    assert {m["type"] for m in received} <= {"reply", "view.changed"}
    assert map_view.remote_requests_blocked == 0

    # And the map still works: a diff lands and the state answers.
    map_view.diff_layer("incidents", add=[point("ok", 99.0, 18.8, title="ปกติ", priority="P2")], remove=["i0"])
    state = ask(qtbot, map_view, "state")
    assert state["layers"]["incidents"]["count"] == n
    assert state["layers"]["air"]["drawn"] > 0
