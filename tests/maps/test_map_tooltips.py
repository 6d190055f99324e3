"""Map tooltips in real QtWebEngine: words in the UI language instead of codes, Asia/Bangkok times with four-digit
Buddhist-Era years in Thai, PM2.5 with its unit, and Thai broken between words (never one glyph per line)."""

from __future__ import annotations

from typing import Any

import pytest

from maps.map_view import MapView
from services.workflow import SOURCES, STATES
from tests.maps.conftest import js, point
from widgets.i18n import set_language
from widgets.incident_rows import source_label, state_label

pytestmark = pytest.mark.webengine

LONG_THAI = ("ไฟป่าลุกลามใกล้หมู่บ้านบริเวณเชิงดอยสุเทพ ชาวบ้านแจ้งว่าควันหนาแน่นมากจนมองไม่เห็นถนน "
             "ขอให้ส่งทีมดับไฟป่าและรถน้ำไปด่วนที่สุดเพราะลมพัดแรงเข้าหาบ้านเรือน")


def _words(language: str) -> dict[str, str]:
    """The words the console hands the page (console/map_controller.py set_language), from the tables' labels."""
    set_language(language)
    try:
        words = {f"state.{s}": state_label(s) for s in STATES}
        words.update({f"source.{s}": source_label(s) for s in SOURCES})
        return words
    finally:
        set_language("th")


def _layers(view: MapView) -> None:
    view.set_layer("districts", [point("TH5001", 98.90, 18.70, name="Mueang Chiang Mai", name_th="เมืองเชียงใหม่")])
    view.set_layer("incidents", [point(
        "1001", 98.90, 18.80, title="ไฟป่า", category="forest_fire", priority="P1", status="open", state="on_scene",
        sla_breached=False, expected="2026-12-04T21:00:00Z", time="2026-12-04T19:06:00Z", district="TH5001",
        source="hotline", description=LONG_THAI)])
    view.set_layer("air", [point("35t", 99.00, 18.80, name="ศาลากลาง", name_en="City Hall", aqi=187, band=4,
                                 pm25=96.4, time="2026-12-04T18:00:00Z")])
    view.set_layer("river", [point("P.1", 99.10, 18.80, name="สะพานนวรัฐ", name_en="Nawarat Bridge", level_m=4.37,
                                   bank_full_m=3.7, flood_m=4.2, bank_diff_m=0.67, trend_m=0.12, situation=3,
                                   band="flooding", time="2026-12-04T18:30:00Z")])
    view.set_layer("hotspots", [point("h1", 98.80, 18.80, source="VIIRS_SNPP_NRT", confidence="high", frp=12.5,
                                      age_band="24h", time="2026-12-04T06:30:00Z")])


def _hover_all(qtbot: Any, view: MapView) -> dict[str, dict[str, Any]]:
    return js(qtbot, view, """
        const app = ConsoleMap.app, out = {};
        app.render();
        for (const it of app.canvas.items.slice()) {
          const ll = app.map.containerPointToLatLng([it.x, it.y]);
          app.map.fire('mousemove', {latlng: ll, containerPoint: L.point(it.x, it.y)});
          const tip = document.querySelector('.leaflet-tooltip .console-tooltip');
          const text = tip.querySelector('.console-tooltip-text');
          const box = (text || tip).getBoundingClientRect();
          out[it.layer] = {lines: Array.from(tip.children).map(d => d.textContent),
                           width: tip.getBoundingClientRect().width, text_height: box.height,
                           line_height: parseFloat(getComputedStyle(text || tip).lineHeight),
                           wrap: getComputedStyle(tip).overflowWrap};
        }
        return out;""")


def test_tooltips_show_words_times_and_units_in_thai(map_view: MapView, qtbot: Any) -> None:
    map_view.set_language("th", _words("th"))
    _layers(map_view)
    tips = _hover_all(qtbot, map_view)
    everything = "\n".join(line for tip in tips.values() for line in tip["lines"])
    for code in ("on_scene", "forest_fire", "hotline", "TH5001", "VIIRS_SNPP_NRT", "2026-12-04T", "Z"):
        assert code not in everything, code
    incident = tips["incidents"]["lines"]
    assert incident[0] == "ไฟป่า"
    assert "P1 วิกฤต · ถึงที่เกิดเหตุ" in incident  # the queue's word for the state
    assert "อำเภอ เมืองเชียงใหม่ · สายด่วน" in incident
    assert "กำหนด SLA 5 ธ.ค. 2569 04:00" in incident  # Asia/Bangkok, Buddhist Era, four digits
    assert "ปรับปรุง 5 ธ.ค. 2569 02:06" in incident
    air = tips["air"]["lines"]
    assert "AQI 187 · เริ่มมีผลกระทบต่อสุขภาพ" in air and "PM2.5 เฉลี่ย 24 ชม. 96.4 µg/m³" in air
    river = tips["river"]["lines"]
    assert river[1] == "น้ำท่วมเมือง"  # the band of the one river scale, not ThaiWater's situation "3"
    assert "ระดับน้ำ 4.37 ม. ▲" in river and "ตลิ่ง 3.70 ม. · น้ำท่วมเมือง 4.20 ม." in river
    assert "3" not in river and "สูงกว่าตลิ่ง 0.67 ม." in river
    hotspot = tips["hotspots"]["lines"]
    assert hotspot[0] == "จุดความร้อน · VIIRS SNPP" and "ความเชื่อมั่น สูง" in hotspot
    assert "ตรวจพบ 4 ธ.ค. 2569 13:30 · อายุ 24 ชม." in hotspot

    # Thai wraps between words at a sensible width, never one glyph per line.
    tip = tips["incidents"]
    assert tip["wrap"] != "anywhere"
    assert 200 <= tip["width"] <= 321
    lines = round(tip["text_height"] / tip["line_height"])
    assert lines <= len(LONG_THAI) / 25, lines  # dozens of characters per line


def test_tooltips_follow_the_page_language(map_view: MapView, qtbot: Any) -> None:
    map_view.set_language("en", _words("en"))
    _layers(map_view)
    tips = _hover_all(qtbot, map_view)
    incident = tips["incidents"]["lines"]
    assert "P1 critical · on scene" in incident and "district Mueang Chiang Mai · hotline" in incident
    assert "updated 5 Dec 2026 02:06" in incident
    assert "PM2.5 24-h mean 96.4 µg/m³" in tips["air"]["lines"] and tips["air"]["lines"][0] == "City Hall"
    assert tips["river"]["lines"][0] == "Nawarat Bridge · P.1" and tips["river"]["lines"][1] == "city flooding"


def test_a_cluster_tooltip_says_its_count_most_urgent_priority_and_breaches(map_view: MapView, qtbot: Any) -> None:
    map_view.set_language("en", _words("en"))
    map_view.set_layer("incidents", [point(f"i{k}", 98.98 + k * 1e-4, 18.79, priority="P2" if k < 2 else "P4",
                                           status="open", sla_breached=k == 0) for k in range(9)])
    tips = _hover_all(qtbot, map_view)
    assert tips["incidents"]["lines"] == ["9 incidents", "most urgent P2 high", "past SLA 1"]
