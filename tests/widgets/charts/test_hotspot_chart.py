"""The hotspot bars: stacked per Bangkok day by confidence, all districts or one (chosen in the box), the read-out,
the empty state, PNG export and languages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from services.chart_series import HotspotDays
from tests.widgets.charts.chart_data import NOW
from tests.widgets.charts.chart_driver import show_chart
from widgets.charts.hotspot_chart import HotspotBarsChart
from widgets.charts.time_axis import DAY_S
from widgets.i18n import set_language

MIDNIGHT = NOW - 14 * 3600  # 5 Dec 2026 00:00 in Bangkok
DISTRICTS = (("5003", "แม่แจ่ม", "Mae Chaem"), ("5010", "อมก๋อย", "Omkoi"))


def _days(n: int = 30) -> HotspotDays:
    starts = MIDNIGHT - DAY_S * np.arange(n - 1, -1, -1, dtype=np.float64)
    counts = np.zeros((n, 2, 3), dtype=np.int64)
    counts[-1, 0] = (1, 4, 2)  # today, Mae Chaem: 1 low, 4 nominal, 2 high
    counts[-1, 1] = (0, 1, 3)
    counts[-2, 1] = (2, 0, 0)
    return HotspotDays(starts, DISTRICTS, counts)


def test_bars_stack_low_nominal_high_per_day(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = show_chart(qtbot, HotspotBarsChart())
    chart.set_data(_days(), None)
    chart.flush()
    assert chart.per_day()[-1].tolist() == [1, 5, 5] and chart.per_day()[-2].tolist() == [2, 0, 0]
    low, nominal, high = chart.bars
    assert list(low.opts["height"][-1:]) == [1] and list(nominal.opts["y0"][-1:]) == [1]
    assert list(nominal.opts["height"][-1:]) == [5] and list(high.opts["y0"][-1:]) == [6]
    assert low.opts["x"][-1] == pytest.approx(MIDNIGHT + DAY_S / 2)  # centred on the Bangkok day
    assert chart.view.viewRange()[1][1] >= 11
    assert not chart.empty_state.showing
    assert chart.district_box.count() == 3 and chart.district_box.itemText(1) == "แม่แจ่ม (7)"


def test_choosing_a_district_redraws_from_the_data_here(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = show_chart(qtbot, HotspotBarsChart())
    chart.set_data(_days(), None)
    chart.flush()
    with qtbot.waitSignal(chart.sig_district_changed, timeout=1000) as changed:
        chart.district_box.activated.emit(2)  # what the box sends when the user picks Omkoi
    assert changed.args == ["5010"] and chart.district() == "5010"
    assert chart.per_day()[-1].tolist() == [0, 1, 3] and chart.per_day()[-2].tolist() == [2, 0, 0]
    chart.set_data(_days(), "5003")  # the console's choice, no signal
    chart.flush()
    assert chart.district_box.currentData() == "5003" and chart.per_day()[-2].tolist() == [0, 0, 0]


def test_the_read_out_counts_the_day(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = show_chart(qtbot, HotspotBarsChart())
    chart.set_data(_days(), None)
    chart.flush()
    assert chart.read_at(MIDNIGHT + 3600).splitlines() == ["5 ธ.ค. 2569", "11 จุด (ต่ำ 1 · ปานกลาง 5 · สูง 5)"]


def test_empty_state_export_and_english(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chart = show_chart(qtbot, HotspotBarsChart(), 450, 300)
    assert chart.empty_state.showing
    empty = np.zeros((30, 0, 3), dtype=np.int64)
    chart.set_data(HotspotDays(_days().day_starts.copy(), (), empty), None)
    chart.flush()
    assert chart.empty_state.showing and chart.empty_state.text() == "ไม่มีจุดความร้อนในช่วงเวลานี้"
    chart.set_data(_days(), None)
    chart.flush()
    path = tmp_path / "hotspots.png"
    chart.export_png(str(path))
    image = QImage(str(path))
    assert (image.width(), image.height()) == (chart.plot.width(), chart.legend.height() + chart.plot.height())
    set_language("en")
    chart.retranslate()
    assert chart.district_box.itemText(0) == "All districts" and chart.district_box.itemText(1) == "Mae Chaem (7)"
    assert "confidence" in chart.legend.text() and chart.export_button.text() == "Export"
    assert chart.read_at(MIDNIGHT + 3600).splitlines()[1] == "11 hotspots (low 1 · nominal 5 · high 5)"
