"""The incident load chart: opened and closed bars side by side, the backlog on its own right axis, SLA breach
markers, the read-out, the empty state and following now."""

from __future__ import annotations

import numpy as np
import pytest

from services.chart_series import IncidentLoad
from tests.widgets.charts.chart_data import HOUR, NOW, clock, hourly_grid
from tests.widgets.charts.chart_driver import show_chart
from widgets.charts.incident_load_chart import IncidentLoadChart
from widgets.i18n import set_language


def _load(hours: int = 24) -> IncidentLoad:
    t = hourly_grid(hours)
    opened = np.zeros(hours, dtype=np.int64)
    closed = np.zeros(hours, dtype=np.int64)
    breaches = np.zeros(hours, dtype=np.int64)
    opened[-1], closed[-1], breaches[-1] = 6, 2, 1
    opened[-3] = 3
    backlog = (120 + np.cumsum(opened - closed)).astype(np.int64)
    return IncidentLoad(t, opened, closed, backlog, breaches)


def test_bars_backlog_and_breaches(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = show_chart(qtbot, IncidentLoadChart(clock=clock()))
    load = _load()
    chart.set_data(load)
    chart.flush()
    assert list(chart.opened_bars.opts["height"][-1:]) == [6] and list(chart.closed_bars.opts["height"][-1:]) == [2]
    assert chart.opened_bars.opts["x"][-1] < chart.closed_bars.opts["x"][-1]  # side by side in the bucket
    assert chart.opened_bars.opts["x"][-1] > load.t[-1] and chart.closed_bars.opts["x"][-1] < load.t[-1] + HOUR
    x, y = chart.backlog_curve.getData()
    assert x[-1] == pytest.approx(NOW) and y[-1] == 127  # the backlog at the bucket's end
    assert chart.breach_markers.data["y"].tolist() == [1.0]
    assert chart.backlog_view.viewRange()[1][1] >= 127 > chart.view.viewRange()[1][1]  # its own axis
    ours, main = chart.backlog_view.sceneBoundingRect(), chart.view.sceneBoundingRect()
    assert abs(ours.left() - main.left()) < 1 and abs(ours.width() - main.width()) < 1  # over the main view
    assert abs(ours.top() - main.top()) < 1 and abs(ours.height() - main.height()) < 1
    assert chart.backlog_view.viewRange()[0] == pytest.approx(chart.view.viewRange()[0])  # x linked


def test_read_out_and_languages(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = show_chart(qtbot, IncidentLoadChart(clock=clock()))
    chart.set_data(_load())
    assert chart.read_at(NOW - HOUR / 2).splitlines() == [
        "5 ธ.ค. 2569 13:00", "เปิดใหม่ 6", "ปิดแล้ว 2", "ค้างอยู่ตอนท้ายช่วง 127", "เกิน SLA 1"]
    set_language("en")
    chart.retranslate()
    assert chart.read_at(NOW - HOUR / 2).splitlines()[1:] == ["opened 6", "closed 2", "open at the end 127",
                                                              "SLA breaches 1"]
    assert "open backlog (right axis)" in chart.legend.text()


def test_empty_until_anything_happened(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = show_chart(qtbot, IncidentLoadChart(clock=clock()))
    t = hourly_grid(24)
    zeros = np.zeros(24, dtype=np.int64)
    chart.set_data(IncidentLoad(t, zeros, zeros.copy(), zeros.copy(), zeros.copy()))
    chart.flush()
    assert chart.empty_state.showing
    chart.set_data(_load())
    chart.flush()
    assert not chart.empty_state.showing


def test_follows_now_with_new_buckets(qtbot) -> None:  # type: ignore[no-untyped-def]
    now = [NOW]
    chart = show_chart(qtbot, IncidentLoadChart(clock=lambda: now[0]))
    chart.set_data(_load())
    chart.flush()
    end = chart.visible_range()[1]
    now[0] += 2 * HOUR
    chart.set_data(_load())
    chart.flush()
    assert chart.visible_range()[1] == pytest.approx(end + 2 * HOUR)
