"""The arithmetic behind the charts and sparklines (Qt-free): how fast a gauge rises, when it would reach its next
threshold at that rate, the arrow a trend earns, the bucket a time span is drawn with, and the CSV of what a chart
shows.

Series are the charts' own (services.chart_series): one value per bucket start, NaN where the bucket holds no data.
NaN is a gap everywhere here: it never counts as a point of a fit, and the CSV writes it as an empty cell.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from services.feeds.thai_time import BANGKOK

if TYPE_CHECKING:
    from services.chart_series import RiverGaugeChart, Series

RATE_WINDOW_S = 3 * 3600  # the rate of rise and the trend arrows look at the last 3 hours
MIN_FIT_POINTS = 3  # fewer values than this in the window make no rate (two points are any slope at all)

# Within these rates a series is steady ("→"): below ThaiWater's 1 cm resolution per hour for a gauge, and a couple of
# µg/m³ per hour for PM2.5, which Air4Thai's hourly values wander by without a trend.
RIVER_STEADY_M_PER_H = 0.01
AIR_STEADY_PER_H = 2.0

# A projection further out than this is not one: a rate held for two days is a guess, not a warning.
PROJECTION_HORIZON_H = 48.0

#: Time spans of the chart presets (seconds).
PRESETS: dict[str, float] = {"6h": 6 * 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}

#: The buckets a chart may be drawn with, finest first: whole minutes and hours that divide a day.
BUCKET_STEPS_S: tuple[int, ...] = (60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600,
                                   86400)


@dataclass(frozen=True)
class Projection:
    """Where a rising gauge gets to next at its current rate: the threshold (its band's name in
    services.river_status, ``bank_full`` or ``flooding``, and its level on the local gauge), in how many hours from
    ``now``, and when (unix seconds UTC). A projection, never a forecast: it assumes the rate holds."""

    threshold_name: str
    threshold_m: float
    hours: float
    at: float


def _finite_window(series: Series, now: float, window_s: float) -> tuple[np.ndarray, np.ndarray]:
    t, v = np.asarray(series.t, dtype=np.float64), np.asarray(series.v, dtype=np.float64)
    keep = (t >= now - window_s) & (t <= now) & np.isfinite(v)
    return t[keep], v[keep]


def rate_of_rise(series: Series, now: float, window_s: float = RATE_WINDOW_S) -> float | None:
    """Units per hour (m/h for a gauge): the least-squares slope of the values in the last ``window_s`` up to
    ``now``; None with fewer than three values there (gaps do not count)."""
    t, v = _finite_window(series, now, window_s)
    if len(t) < MIN_FIT_POINTS:
        return None
    hours = (t - t.mean()) / 3600.0
    spread = float(np.dot(hours, hours))
    if spread == 0.0:
        return None
    return float(np.dot(hours, v - v.mean()) / spread)


def latest_value(series: Series, now: float | None = None) -> tuple[float, float] | None:
    """(bucket start, value) of the newest value at or before ``now`` (any time when None); None if all gaps."""
    t, v = np.asarray(series.t, dtype=np.float64), np.asarray(series.v, dtype=np.float64)
    keep = np.isfinite(v) if now is None else np.isfinite(v) & (t <= now)
    found = np.flatnonzero(keep)
    if found.size == 0:
        return None
    last = int(found[-1])
    return float(t[last]), float(v[last])


def projection(chart: RiverGaugeChart, now: float, *, horizon_h: float = PROJECTION_HORIZON_H,
               steady: float = RIVER_STEADY_M_PER_H) -> Projection | None:
    """The gauge's next threshold above its latest level, reached at its current rate of rise (``rate_of_rise`` over
    the last 3 h). None when it is falling or steady (within ``steady`` m/h), when there is no rate, when it is at or
    above every threshold it has, or when the threshold is further than ``horizon_h`` hours away."""
    rate = rate_of_rise(chart.level, now)
    latest = latest_value(chart.level, now)
    if rate is None or latest is None or rate <= steady:
        return None
    level = latest[1]
    thresholds = sorted((m, name) for name, m in (("bank_full", chart.bank_full_m), ("flooding", chart.flood_m))
                        if m is not None and math.isfinite(m))
    ahead = [(m, name) for m, name in thresholds if m > level]
    if not ahead:
        return None
    threshold_m, name = ahead[0]
    hours = (threshold_m - level) / rate
    if hours > horizon_h:
        return None
    return Projection(name, threshold_m, hours, now + hours * 3600.0)


def trend_arrow(rate: float | None, steady: float) -> str:
    """"↑" rising, "↓" falling, "→" steady (``|rate| <= steady``), "" when there is no rate to claim anything from."""
    if rate is None or not math.isfinite(rate):
        return ""
    if abs(rate) <= steady:
        return "→"
    return "↑" if rate > 0 else "↓"


def bucket_for(span_s: float, max_points: int = 2000, *, min_bucket_s: int = 60) -> int:
    """The finest bucket (60 s … 1 day) that draws ``span_s`` in at most ``max_points`` points.

    ``min_bucket_s`` is the data's own cadence (hourly PM2.5: 3600; gauges: 600): a finer bucket would leave a gap
    between every two values, and a line of gaps draws nothing."""
    for step in BUCKET_STEPS_S:
        if step >= min_bucket_s and span_s / step <= max_points:
            return step
    return BUCKET_STEPS_S[-1]


def _iso_bangkok(t: float) -> str:
    return datetime.fromtimestamp(t, BANGKOK).isoformat()


def _cell(value: float) -> str:
    return "" if not math.isfinite(value) else repr(float(value))


def csv_bytes(columns: Sequence[tuple[str, Series]], t0: float, t1: float, *, time_header: str = "time") -> bytes:
    """The CSV of exactly the points in [t0, t1): one row per bucket start of any column (ascending), the time in
    ISO 8601 with Bangkok's offset (``2026-11-25T14:00:00+07:00``), then each column's value there; a gap (NaN, or a
    column without that bucket) is an empty cell, never 0. UTF-8 with a BOM, so Excel reads the Thai headers."""
    visible = [(header, series.visible(t0, t1)) for header, series in columns]
    stamps = [np.asarray(s.t, dtype=np.float64) for _header, s in visible]
    times = np.unique(np.concatenate(stamps)) if stamps else np.empty(0)
    grid = []
    for (_header, series), t in zip(visible, stamps, strict=True):
        values = np.full(times.shape, np.nan)
        values[np.searchsorted(times, t)] = np.asarray(series.v, dtype=np.float64)
        grid.append(values)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([time_header, *(header for header, _series in visible)])
    for row, t in enumerate(times.tolist()):
        writer.writerow([_iso_bangkok(t), *(_cell(float(values[row])) for values in grid)])
    return out.getvalue().encode("utf-8-sig")
