"""Chart drawing at scale, offscreen: 10 curves of 100,000 points each.

- ``charts_10x100k_fps``: milliseconds per frame of the console's river chart (widgets.charts.river_chart, ten gauges:
  pen width 1, clip to view, peak downsampling, NaN as gaps, y fitted to the window) against a plain pyqtgraph
  PlotWidget with the same ten curves in its default configuration, in the same run. Each frame moves the window (a
  pan with a zoom, from the whole series to half of it and back) and repaints the plot synchronously, which is what a
  user dragging the chart costs. The frame rates and the issue's absolute goal (at least 30 fps) are printed as notes
  under the table.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks.harness import BenchContext, metric

CURVES = 10
POINTS = 100_000
BUCKET_S = 60.0
GOAL_FPS = 30.0
WIDTH, HEIGHT = 1280, 720


def _data(seed: int = 12) -> tuple[np.ndarray, list[np.ndarray]]:
    """A minute grid and ten gauge levels on it (metres: a slow wander, a daily swing and sensor noise, so every
    pixel column holds a spread of values, as a long real series does), with a gap in each (the charts' NaN)."""
    rng = np.random.default_rng(seed)
    t = 1_764_000_000.0 + np.arange(POINTS, dtype=np.float64) * BUCKET_S
    day = np.sin(2 * np.pi * (t % 86400) / 86400)
    levels = []
    for k in range(CURVES):
        wander = np.cumsum(rng.normal(0.0, 0.002, POINTS))
        v = 1.0 + 0.3 * k + wander + 0.15 * day + rng.normal(0.0, 0.05, POINTS)
        v[(k + 1) * 7_000:(k + 1) * 7_000 + 500] = np.nan
        levels.append(v)
    return t, levels


def _app() -> Any:
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["chart-bench"])


def _shown(widget: Any) -> Any:
    from PySide6.QtTest import QTest

    widget.resize(WIDTH, HEIGHT)
    widget.show()
    if not QTest.qWaitForWindowExposed(widget, 10_000):
        raise TimeoutError("the chart was never shown")
    return widget


def _console_chart(t: np.ndarray, levels: list[np.ndarray]) -> tuple[Any, Any, Any]:
    """The console's river chart with the ten gauges drawn: (widget, plot, set_window)."""
    from services.chart_series import RiverGaugeChart, Series
    from widgets.charts.river_chart import RiverLevelChart

    chart = RiverLevelChart(clock=lambda: float(t[-1]))
    gauges = [RiverGaugeChart(f"G{k}", f"สถานี {k}", f"Gauge {k}", k, Series(t, v), None, None)
              for k, v in enumerate(levels)]
    chart.set_data(gauges)
    chart.flush()
    return _shown(chart), chart.plot, chart.set_visible_range


def _default_plot(t: np.ndarray, levels: list[np.ndarray]) -> tuple[Any, Any, Any]:
    """A plain PlotWidget with the same curves in pyqtgraph's default configuration: (widget, plot, set_window)."""
    import pyqtgraph as pg

    widget = pg.PlotWidget()
    item = widget.getPlotItem()
    for k, v in enumerate(levels):
        item.plot(t, v, pen=pg.mkPen(pg.intColor(k, CURVES)))
    view = item.getViewBox()
    return _shown(widget), widget, lambda t0, t1: view.setXRange(t0, t1, padding=0)


def _frames_per_second(plot: Any, set_window: Any, t: np.ndarray, frames: int) -> float:
    """Frames per second over ``frames`` synchronous repaints, each after a pan-and-zoom step of the window."""
    start, span = float(t[0]), float(t[-1] - t[0])
    set_window(start, start + span)
    plot.viewport().repaint()  # the first paint builds the paths: not a frame a user waits for while dragging
    began = time.perf_counter()
    for frame in range(frames):
        phase = (frame % 20) / 20.0
        width = span * (1.0 - min(phase, 1.0 - phase))  # whole → half → whole
        left = start + (span - width) * phase
        set_window(left, left + width)
        plot.viewport().repaint()
    return frames / (time.perf_counter() - began)


@metric("charts_10x100k_fps", goal_ratio=0.75, unit="ms")
def charts_10x100k_fps(ctx: BenchContext) -> tuple[float, float]:
    """ms per frame of the console's chart vs a default PlotWidget, 10 curves x 100k points."""
    _app()
    t, levels = _data()
    frames = 30 if ctx.quick else 90
    rates: dict[str, float] = {}
    for name, build in (("default", _default_plot), ("console", _console_chart)):
        widget, plot, set_window = build(t, levels)
        try:
            rates[name] = _frames_per_second(plot, set_window, t, frames)
        finally:
            widget.close()
            widget.deleteLater()
    ours, default = rates["console"], rates["default"]
    verdict = "meets" if ours >= GOAL_FPS else "MISSES"
    ctx.notes.append(f"charts_10x100k_fps: {ours:.1f} fps with the console's river chart, {default:.1f} fps with a "
                     f"default PlotWidget ({CURVES} x {POINTS:,} points, {WIDTH}x{HEIGHT} offscreen); {verdict} the "
                     f"goal of at least {GOAL_FPS:.0f} fps")
    return 1000.0 / ours, 1000.0 / default
