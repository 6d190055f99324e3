"""Curves that draw a chart series fast and honestly, and the exact reading of a series at a time.

Every curve is created once and refilled with ``setData`` (never removed and re-added): pen width 1, clipped to the
visible window, downsampled by peaks (a spike survives the downsampling) when the window holds more points than the
plot has pixels, and ``connect="finite"`` so a NaN bucket stays a gap instead of a zero or a line joined across it.
Read-outs come from the series itself, not from the downsampled drawing, so they are exact.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from widgets.charts.chart_style import pen

if TYPE_CHECKING:
    from services.chart_series import Series


def make_curve(target: pg.PlotItem | pg.ViewBox, colour: QColor, *, dashed: bool = False,
               z: float = 0.0) -> pg.PlotDataItem:
    """A new, empty curve added to ``target`` with the settings above."""
    curve = pg.PlotDataItem(pen=pen(colour, dashed=dashed), connect="finite")
    curve.setClipToView(True)
    curve.setDownsampling(auto=True, method="peak")
    curve.setZValue(z)
    target.addItem(curve)
    return curve


def show_series(curve: pg.PlotDataItem, series: Series | None) -> None:
    """Draw ``series`` with ``curve`` (nothing when None)."""
    if series is None:
        curve.setData(np.empty(0), np.empty(0))
        return
    curve.setData(np.asarray(series.t, dtype=np.float64), np.asarray(series.v, dtype=np.float64))


def bucket_index(t: np.ndarray, x: float) -> int | None:
    """The index of the bucket (of grid ``t``, ascending bucket starts) that holds time ``x``; None outside."""
    if len(t) == 0 or not math.isfinite(x) or x < t[0]:
        return None
    i = int(np.searchsorted(t, x, side="right")) - 1
    if i == len(t) - 1 and len(t) > 1 and x >= t[i] + (t[-1] - t[-2]):
        return None  # past the end of the last bucket
    return i


def value_at(series: Series, x: float) -> tuple[float, float] | None:
    """(bucket start, value) of the bucket holding ``x``; the value is NaN where the bucket is a gap."""
    t = np.asarray(series.t, dtype=np.float64)
    i = bucket_index(t, x)
    if i is None:
        return None
    return float(t[i]), float(np.asarray(series.v, dtype=np.float64)[i])


def has_values_in(t: np.ndarray, v: np.ndarray, t0: float, t1: float) -> bool:
    """True when any finite value has its bucket start in [t0, t1)."""
    i0, i1 = np.searchsorted(t, [t0, t1], side="left")
    return bool(np.isfinite(np.asarray(v[i0:i1], dtype=np.float64)).any())


def series_has_values_in(series: Series | None, t0: float, t1: float) -> bool:
    if series is None:
        return False
    return has_values_in(np.asarray(series.t, dtype=np.float64), np.asarray(series.v), t0, t1)


def visible_extent(series: Series | None, t0: float, t1: float) -> tuple[float, float] | None:
    """(min, max) of the finite values with bucket starts in [t0, t1); None when there are none."""
    if series is None:
        return None
    t = np.asarray(series.t, dtype=np.float64)
    i0, i1 = np.searchsorted(t, [t0, t1], side="left")
    v = np.asarray(series.v, dtype=np.float64)[max(0, i0 - 1):i1]  # the bucket running into the window too
    if v.size == 0:
        return None
    # fmin/fmax skip NaN (gaps) without copying the finite values out: this runs on every frame of a drag
    low, high = float(np.fmin.reduce(v)), float(np.fmax.reduce(v))
    if math.isfinite(low) and math.isfinite(high):
        return low, high
    v = v[np.isfinite(v)]  # an infinity among the values (or nothing but gaps)
    return (float(v.min()), float(v.max())) if v.size else None
