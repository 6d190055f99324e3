"""The river chart: gauges upstream to downstream, each gauge's thresholds as labelled lines, the projection drawn
dashed from the latest reading and worded as a projection, the read-out's band words, gaps, zoom kept, languages."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from services.chart_math import Projection
from tests.widgets.charts.chart_data import HOUR, NOW, clock, river_gauge
from tests.widgets.charts.chart_driver import show_chart
from widgets.charts.river_chart import RiverLevelChart
from widgets.charts.river_words import hours_text, projection_sentence
from widgets.i18n import set_language

GRID = NOW - 600.0 * np.arange(144, 0, -1)  # 24 h of 10-minute buckets


def _gauges() -> list:  # type: ignore[type-arg]
    rising = np.linspace(2.5, 3.2, GRID.size)
    return [
        river_gauge("P.73", 3, GRID, 1.4),
        river_gauge("P.1", 2, GRID, rising, bank_full=3.70, flood=4.20),
        river_gauge("P.67", 0, GRID, 2.1),
        river_gauge("P.103", 1, GRID, 1.8),
    ]


def _chart(qtbot) -> RiverLevelChart:  # type: ignore[no-untyped-def]
    return show_chart(qtbot, RiverLevelChart(clock=clock()))


def test_gauges_are_drawn_upstream_to_downstream_with_their_thresholds(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    chart.set_data(_gauges(), {}, {"P.1": 0.1, "P.67": 0.0})
    chart.flush()
    assert [c.code for c in chart.charts()] == ["P.67", "P.103", "P.1", "P.73"]
    legend = chart.legend.text()
    positions = [legend.index(code + " ") for code in ("P.67", "P.103", "P.1", "P.73")]
    assert positions == sorted(positions) and "ต้นน้ำ → ท้ายน้ำ" in legend
    assert "P.1 3.20 ม. ↑ +0.10 ม./ชม." in legend and "P.67 2.10 ม. →" in legend
    p1 = chart.gauge_items("P.1")
    assert p1 is not None
    bank, flood = p1.lines["bank_full"], p1.lines["flooding"]
    assert bank.isVisible() and bank.value() == pytest.approx(3.70) and flood.value() == pytest.approx(4.20)
    assert bank.label.toPlainText() == "P.1 เต็มตลิ่ง 3.70 ม." and flood.label.toPlainText() == "P.1 น้ำท่วมเมือง 4.20 ม."
    assert bank.pen.style() == Qt.PenStyle.DashLine
    p67 = chart.gauge_items("P.67")
    assert p67 is not None and not any(line.isVisible() for line in p67.lines.values())  # no thresholds, no lines
    y0, y1 = chart.view.viewRange()[1]
    assert y0 < 1.4 and y1 > 4.20  # every level and both thresholds in view


def test_the_projection_is_drawn_dashed_and_worded_as_one(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    projection = Projection("bank_full", 3.70, 5.0, NOW + 5 * HOUR)
    chart.set_data(_gauges(), {"P.1": projection, "P.67": None}, {"P.1": 0.1})
    chart.flush()
    items = chart.gauge_items("P.1")
    assert items is not None
    x, y = items.projection.getData()
    assert list(x) == pytest.approx([GRID[-1], NOW + 5 * HOUR]) and list(y) == pytest.approx([3.2, 3.70])
    assert items.projection.opts["pen"].style() == Qt.PenStyle.DashLine
    assert items.projection_tag.isVisible() and "คาดการณ์" in items.projection_tag.toPlainText()
    sentence = "ถึงระดับเต็มตลิ่งในราว 5 ชม. ตามอัตราปัจจุบัน (คาดการณ์)"
    assert chart.projection_texts() == {"P.1": sentence}
    assert chart.notes.isVisible() and sentence in chart.notes.text()
    _t0, t1 = chart.visible_range()
    assert t1 >= NOW + 5 * HOUR  # following, the window reaches far enough ahead to show where it ends
    set_language("en")
    chart.retranslate()
    assert chart.projection_texts() == {"P.1": "bank-full in about 5 h at the current rate (projection)"}
    assert "projection" in items.projection_tag.toPlainText()
    assert items.lines["bank_full"].label.toPlainText() == "P.1 bank-full 3.70 m"
    chart.set_data(_gauges(), {"P.1": None}, {})  # no longer rising: the projection goes
    chart.flush()
    assert items.projection.getData()[0] is None or len(items.projection.getData()[0]) == 0
    assert not items.projection_tag.isVisible() and not chart.notes.isVisible()


def test_projection_words() -> None:
    assert hours_text(4.6) == ("5 ชม.", "5 h") and hours_text(0.62) == ("40 นาที", "40 min")
    assert hours_text(0.01) == ("10 นาที", "10 min") and hours_text(0.97) == ("1 ชม.", "1 h")
    set_language("en")
    assert projection_sentence("flooding", 2.2) == "city flooding in about 2 h at the current rate (projection)"


def test_the_read_out_gives_each_gauge_its_level_and_band(qtbot) -> None:  # type: ignore[no-untyped-def]
    gauges = _gauges()
    chart = _chart(qtbot)
    chart.set_data(gauges, {}, {})
    text = chart.read_at(GRID[-1] + 60)
    lines = text.splitlines()
    assert lines[0] == "5 ธ.ค. 2569 13:50"
    assert lines[1:] == ["P.67 สถานี P.67: 2.10 ม.", "P.103 สถานี P.103: 1.80 ม.",
                         "P.1 สถานี P.1: 3.20 ม. (น้ำมาก)", "P.73 สถานี P.73: 1.40 ม."]


def test_a_gap_in_a_gauge_is_a_gap(qtbot) -> None:  # type: ignore[no-untyped-def]
    level = np.full(GRID.shape, 2.0)
    level[50:60] = np.nan
    chart = _chart(qtbot)
    chart.set_data([river_gauge("P.1", 2, GRID, level, 3.7, 4.2)], {}, {})
    chart.flush()
    items = chart.gauge_items("P.1")
    assert items is not None and items.curve.curve.opts["connect"] == "finite"
    assert np.isnan(items.curve.getData()[1]).sum() == 10
    assert "ไม่มีข้อมูล" in chart.read_at(GRID[55] + 1)


def test_live_data_keeps_a_zoomed_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(qtbot)
    chart.set_data(_gauges(), {}, {})
    chart.set_visible_range(NOW - 10 * HOUR, NOW - 4 * HOUR)
    chart.set_data(_gauges(), {"P.1": Projection("bank_full", 3.7, 5.0, NOW + 5 * HOUR)}, {})
    chart.flush()
    assert chart.visible_range() == pytest.approx((NOW - 10 * HOUR, NOW - 4 * HOUR))


def test_the_exported_png_keeps_the_projection_words(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QImage

    chart = _chart(qtbot)
    chart.set_data(_gauges(), {"P.1": Projection("bank_full", 3.70, 5.0, NOW + 5 * HOUR)}, {"P.1": 0.1})
    path = tmp_path / "river.png"
    chart.export_png(str(path))
    image = QImage(str(path))
    parts = chart.legend.height() + chart.plot.height() + chart.notes.height()
    assert chart.notes.isVisible() and (image.width(), image.height()) == (chart.plot.width(), parts)
