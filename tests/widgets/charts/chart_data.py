"""Chart data for the widget tests, built with numpy on the services' own data classes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from services.chart_series import AirStationChart, RiverGaugeChart, Series

# 5 Dec 2026 14:00 in Bangkok (07:00 UTC): "5 ธ.ค. 2569 14:00" in Thai.
NOW = datetime(2026, 12, 5, 7, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0


def clock(now: float = NOW) -> Callable[[], float]:
    return lambda: now


def hourly_grid(hours: int, end: float = NOW, bucket: float = HOUR) -> np.ndarray:
    """``hours`` bucket starts ending with the bucket that starts at ``end - bucket``."""
    return end - bucket * np.arange(hours, 0, -1, dtype=np.float64)


def series(t: np.ndarray, v: np.ndarray | float) -> Series:
    return Series(np.asarray(t, dtype=np.float64), np.broadcast_to(np.asarray(v, dtype=np.float64), t.shape).copy())


def air_station(code: str, t: np.ndarray, hourly: np.ndarray | float, mean: np.ndarray | float | None = None,
                *, name_th: str = "ศาลากลางจังหวัดเชียงใหม่", name_en: str = "Chiang Mai City Hall") -> AirStationChart:
    return AirStationChart(code, name_th, name_en, "Chiang Mai", series(t, hourly),
                           series(t, hourly if mean is None else mean))


def river_gauge(code: str, rank: int, t: np.ndarray, level: np.ndarray | float, bank_full: float | None = None,
                flood: float | None = None) -> RiverGaugeChart:
    return RiverGaugeChart(code, f"สถานี {code}", f"Gauge {code}", rank, series(t, level), bank_full, flood)
