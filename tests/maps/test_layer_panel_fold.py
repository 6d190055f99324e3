"""The layer panel folds to one line a layer on a small map (1366x768 leaves about 910 x 370 px): toggle, name,
count and the state's glyph, with the state's word when it is not fresh; "Details" opens legends and badges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from maps.map_view import MapView
from tests.maps.conftest import READY_TIMEOUT_MS, ask, js

pytestmark = pytest.mark.webengine

PANEL = """const box = document.querySelector('.console-panel');
  const rows = {};
  for (const row of box.querySelectorAll('.console-layer')) {
    const state = row.querySelector('.console-layer-state');
    rows[row.dataset.layer] = {height: row.getBoundingClientRect().height, state: state.textContent,
      stateShown: getComputedStyle(state).display !== 'none', hover: row.querySelector('label').title,
      legendShown: getComputedStyle(row.querySelector('.console-legend')).display !== 'none',
      badgeShown: getComputedStyle(row.querySelector('.console-badge')).display !== 'none'};
  }
  const r = box.getBoundingClientRect();
  return {folded: box.classList.contains('console-folded'), width: r.width, height: r.height, rows: rows,
          toggle: box.querySelector('.console-details-toggle').textContent};"""

META = {"last_success": "2026-12-04T19:06:00Z", "age_s": 120, "cadence_s": 600}


def _panel(qtbot: Any, view: MapView) -> dict[str, Any]:
    ask(qtbot, view, "paint")
    return js(qtbot, view, PANEL)


def test_a_small_map_folds_the_panel_to_a_line_a_layer_that_still_says_what_is_stale(
        map_view: MapView, qtbot: Any) -> None:
    map_view.set_layer_meta("air", source="Air4Thai", freshness="fresh", failing=False, **META)
    map_view.set_layer_meta("hotspots", source="NASA FIRMS", freshness="stale", failing=True, **META)
    map_view.set_layer_meta("river", source="ThaiWater", freshness="fresh", failing=True, **META)
    folded = _panel(qtbot, map_view)  # the fixture's map is 900 x 700: narrower than the open panel allows
    assert folded["folded"] and folded["toggle"] == "▸ รายละเอียด"
    rows = folded["rows"]
    assert all(r["height"] <= 26 and not r["legendShown"] and not r["badgeShown"] for r in rows.values()), rows
    assert rows["air"]["state"] == "●" and rows["air"]["stateShown"]
    assert rows["hotspots"]["state"] == "✖ ข้อมูลเก่า"
    assert rows["river"]["state"] == "▲ ดึงข้อมูลไม่สำเร็จ"  # fresh data, but its last poll failed
    assert "NASA FIRMS" in rows["hotspots"]["hover"] and "ข้อมูลเก่า" in rows["hotspots"]["hover"]

    js(qtbot, map_view, "document.querySelector('.console-details-toggle').click(); return true;")
    opened = _panel(qtbot, map_view)
    assert not opened["folded"] and opened["toggle"] == "▾ รายละเอียด"
    assert all(r["legendShown"] and r["badgeShown"] and not r["stateShown"] for r in opened["rows"].values())
    # folded, the panel took well under half the room it takes open
    assert folded["width"] * folded["height"] < 0.5 * opened["width"] * opened["height"], (folded, opened)


def test_a_large_map_opens_the_panel(qtbot: Any, page_dir: Path) -> None:
    big = MapView(page_dir)
    qtbot.addWidget(big, before_close_func=lambda w: w.shutdown())
    big.resize(1400, 800)
    big.show()
    with qtbot.waitSignal(big.sig_ready, timeout=READY_TIMEOUT_MS):
        big.load()
    panel = _panel(qtbot, big)
    assert not panel["folded"] and panel["toggle"] == "▾ รายละเอียด"
    big.shutdown()
