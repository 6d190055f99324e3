"""The data the charts draw (Qt-free, numpy): time series on a full bucket grid, and the per-chart bundles the store
hands the chart docks (services.store.chart_queries builds them on the database worker).

A :class:`Series` has one value per bucket start of the whole window, NaN where a bucket holds no data. A gap is
never a zero and never joined across: the chart draws NaN as a break (pyqtgraph ``connect="finite"``), the CSV as an
empty cell. Buckets are aligned to the epoch (UTC), as the store's SQL buckets them (``observed_at / b * b``), so
the grid a window gets and the buckets the SQL returns always line up.

Arrays are made read-only: these objects cross from the database worker to the UI thread and are shared by the
charts, the sparklines and the CSV export, so nobody may change them in place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass

import numpy as np


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _owned(value: object) -> np.ndarray:
    """A read-only float64 array of ``value``; a caller's writable array is copied first, never frozen under it."""
    array = np.asarray(value, dtype=np.float64)
    if array is value and array.flags.writeable:
        array = array.copy()
    return _frozen(array)


@dataclass(frozen=True, slots=True, eq=False)
class Series:
    """One value per bucket start (``t``, unix seconds UTC, ascending) over a whole window; ``v`` is NaN where the
    bucket holds no data. Compared by identity (arrays have no single truth value)."""

    t: np.ndarray  # float64
    v: np.ndarray  # float64, NaN = gap

    def __post_init__(self) -> None:
        t, v = _owned(self.t), _owned(self.v)
        if t.shape != v.shape or t.ndim != 1:
            raise ValueError(f"t and v must be 1-D of the same length, got {t.shape} and {v.shape}")
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "v", v)

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def visible(self, t0: float, t1: float) -> Series:
        """The points with ``t0 <= t < t1`` (what a chart showing that window draws and exports)."""
        lo, hi = np.searchsorted(self.t, [t0, t1], side="left")
        return Series(self.t[lo:hi], self.v[lo:hi])

    @property
    def has_data(self) -> bool:
        """Whether any bucket holds a value (an empty-state chart says "no data in this window" otherwise)."""
        return bool(np.isfinite(self.v).any())


def grid(start: float, end: float, bucket_s: int) -> np.ndarray:
    """The bucket starts (epoch-aligned) of every bucket that overlaps [start, end)."""
    if bucket_s <= 0:
        raise ValueError("bucket_s must be positive")
    first = math.floor(start / bucket_s) * bucket_s
    count = math.ceil((end - first) / bucket_s) if end > start else 0
    return first + bucket_s * np.arange(count, dtype=np.float64)


def on_grid(points: Sequence[tuple[float, float]] | np.ndarray, start: float, end: float, bucket_s: int) -> Series:
    """``points`` (unix seconds, value) placed on the full grid of [start, end): each bucket gets the mean of the
    points that fall in it, and a bucket without any (or with only NaN) stays NaN, never 0. Points outside the
    window are left out. ``points`` may be a sequence of pairs or an (n, 2) array (the SQL's rows as they come)."""
    t = grid(start, end, bucket_s)
    v = np.full(t.shape, np.nan)
    pairs = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if pairs.shape[0] and t.shape[0]:
        index = np.floor((pairs[:, 0] - t[0]) / bucket_s).astype(np.int64)
        keep = (index >= 0) & (index < t.shape[0]) & np.isfinite(pairs[:, 1])
        index = index[keep]
        sums = np.bincount(index, weights=pairs[keep, 1], minlength=t.shape[0])
        counts = np.bincount(index, minlength=t.shape[0])
        filled = counts > 0
        v[filled] = sums[filled] / counts[filled]
    return Series(t, v)


def same_values(a: object, b: object) -> bool:
    """Whether two loads hold the same values: dataclasses field by field, lists, tuples and dicts item by item,
    arrays element by element (NaN gaps in the same places). A chart or table shown ``a`` need not redraw for ``b``:
    during a sync every feed landing reloads them, mostly with what they already show."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray)
        return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if is_dataclass(a):  # a Series too: its buckets and values, NaN gaps in the same places
        return all(same_values(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if isinstance(a, list | tuple):
        assert isinstance(b, list | tuple)
        return len(a) == len(b) and all(same_values(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(same_values(a[k], b[k]) for k in a)
    return bool(a == b)


@dataclass(frozen=True, slots=True)
class AirStationChart:
    """One air station's PM2.5 on one grid: the hourly values (Air4Thai history, ``air_hourly``) and the 24-hour
    rolling means the latest endpoint publishes (``air_readings``), µg/m³."""

    code: str
    name_th: str
    name_en: str
    province_en: str | None
    hourly: Series
    mean24: Series


@dataclass(frozen=True, slots=True)
class RiverGaugeChart:
    """One gauge's level on the local gauge (metres, ``level_m``) and its own thresholds (services.river_status reads
    the same ones). ``rank`` 0 is the most upstream gauge of the charted ones."""

    code: str
    name_th: str
    name_en: str
    rank: int
    level: Series
    bank_full_m: float | None
    flood_m: float | None


@dataclass(frozen=True, slots=True, eq=False)
class HotspotDays:
    """FIRMS detections per Asia/Bangkok day and district, split by confidence: ``counts[day, district, k]`` with k
    0 low / 1 nominal / 2 high (VIIRS l/n/h; MODIS 0-29 / 30-79 / 80-100). ``districts`` are those with any detection
    in the window, most detections first."""

    day_starts: np.ndarray  # float64 unix seconds of Bangkok midnights, every day of the window
    districts: tuple[tuple[str, str, str], ...]  # (code, name_th, name_en)
    counts: np.ndarray  # int64, shape (days, districts, 3)

    def __post_init__(self) -> None:
        _frozen(self.day_starts)
        _frozen(self.counts)

    @property
    def total(self) -> int:
        return int(self.counts.sum())


@dataclass(frozen=True, slots=True, eq=False)
class IncidentLoad:
    """Incident load per bucket (starts ``t``, unix seconds UTC): opened and closed in the bucket, the backlog open
    at its end, and the SLA breaches escalated in it (services.store.escalation)."""

    t: np.ndarray
    opened: np.ndarray  # int64
    closed: np.ndarray  # int64
    backlog: np.ndarray  # int64
    breaches: np.ndarray  # int64

    def __post_init__(self) -> None:
        for array in (self.t, self.opened, self.closed, self.backlog, self.breaches):
            _frozen(array)


@dataclass(frozen=True, slots=True)
class ChartAnnotation:
    """An incident event drawn on a chart's time axis: its report ("opened") or a change of its workflow state
    ("state", with the new ``state``)."""

    at: float  # unix seconds UTC
    incident_id: int
    kind: str  # "opened" | "state"
    state: str | None
    priority: str | None
    category: str | None  # the Open311 service code


@dataclass(frozen=True, slots=True)
class ChartStations:
    """What the station pickers list: air stations (code, name_th, name_en, province_en), Chiang Mai's first; river
    gauges (code, name_th, name_en), upstream to downstream."""

    air: tuple[tuple[str, str, str, str | None], ...]
    river: tuple[tuple[str, str, str], ...]
