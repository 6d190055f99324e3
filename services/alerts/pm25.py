"""PM2.5 rules: the 24-hour mean of the hourly values (``air_hourly``), per station or for the province's worst.

The mean at hour ``h`` is the mean of the hourly values in (h - 24 h, h], when at least 18 of them exist; with fewer
the hour has no mean (a gap for the machine). It is compared as the Thai AQI table is read: rounded half up to one
decimal, then above the level (75.05 is 75.1, above 75.0; 75.04 is 75.0, not above).
"""

from __future__ import annotations

import numpy as np

from services.alerts.rules import Pm25Rule
from services.alerts.series import Describe, Scope, ScopeRows, hour_matrix, no_scopes, rolling_sum
from services.alerts.window_data import PM25_MEAN_HOURS, PM25_MIN_VALUES, WindowData

PROVINCE_TH = {"Chiang Mai": "เชียงใหม่"}


def round_half_up(values: np.ndarray) -> np.ndarray:
    """To one decimal, half up. Hourly values have one decimal, so a mean of up to 24 of them is never within 1e-4
    of a rounding edge unless it sits on it; the nudge puts values the float arithmetic left just below an edge
    (75.04999…) back on it."""
    return np.floor(values * 10 + 0.5 + 1e-7) / 10


def station_means(data: WindowData) -> np.ndarray:
    """The rounded 24-hour means of every air station (rows in ``data.air_stations`` order) over the window's hours;
    NaN where there is none."""
    rows, readings = data.air_hourly
    hourly = hour_matrix(rows, readings[:, 0], readings[:, 1], data.air_first_end,
                         (len(data.air_stations), data.window.hours + PM25_MEAN_HOURS - 1), "last")
    present = ~np.isnan(hourly)
    sums = rolling_sum(np.where(present, hourly, 0.0), PM25_MEAN_HOURS)
    counts = rolling_sum(present.astype(np.int64), PM25_MEAN_HOURS)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts >= PM25_MIN_VALUES, sums / np.maximum(counts, 1), np.nan)
    return round_half_up(means)


def _words(rule: Pm25Rule, value: float, hours: int, where_th: str = "", where_en: str = "") -> tuple[str, str]:
    return (f"{where_th}PM2.5 เฉลี่ย 24 ชม. {value:.1f} มคก./ลบ.ม. เกิน {rule.above:.1f} มา {hours} ชม.",
            f"{where_en}PM2.5 24-h mean {value:.1f} µg/m³ above {rule.above:.1f} for {hours} h")


def pm25_rows(rule: Pm25Rule, data: WindowData) -> ScopeRows:
    """Every scope's hours for a PM2.5 rule."""
    wanted = rule.province.casefold() if rule.province else None
    chosen = [k for k, s in enumerate(data.air_stations)
              if wanted is None or (s.province_en or "").casefold() == wanted]
    stations = [data.air_stations[k] for k in chosen]
    all_means = station_means(data)
    if rule.scope == "station":
        means = all_means[chosen]
        return ScopeRows([Scope("station", s.code, s.name_th, s.name_en, s.lat, s.lon) for s in stations], means,
                         means > rule.above, means < rule.clear_below, None,
                         lambda k: _describe(rule, means[k]))
    if not stations:
        return no_scopes(data.window.hours)
    means = all_means[chosen]
    filled = np.where(np.isnan(means), -np.inf, means)
    worst = np.argmax(filled, axis=0)
    values = np.where(np.isfinite(filled.max(axis=0)), filled.max(axis=0), np.nan)
    over = (means > rule.above).sum(axis=0)  # NaN compares False: a station without a mean is not counted
    name_en = rule.province or "every station"
    name_th = PROVINCE_TH.get(name_en, name_en) if rule.province else "ทุกสถานี"
    key = (rule.province or "all").casefold().replace(" ", "_")

    def describe(i: int, run: int) -> tuple[float | None, str, str, tuple[float, float]]:
        station = stations[int(worst[i])]
        value, count = float(values[i]), int(over[i])
        stations_en = f"{count} station{'s' if count != 1 else ''}"
        th, en = _words(rule, value, run, f"{count} สถานีเกิน {rule.above:.1f} · สูงสุด {station.name_th}: ",
                        f"{stations_en} above {rule.above:.1f} · worst {station.name_en}: ")
        # Placed at that hour's worst station, as its words say: an incident taken in from the alert starts there.
        return (value, th, en, (station.lat, station.lon))

    scope = Scope("province", key, f"จังหวัด{name_th}" if rule.province else name_th,
                  f"{name_en} province" if rule.province else name_en)
    row = values[None, :]
    return ScopeRows([scope], row, row > rule.above, row < rule.clear_below, None, lambda k: describe)


def _describe(rule: Pm25Rule, values: np.ndarray) -> Describe:
    def describe(i: int, run: int) -> tuple[float | None, str, str]:
        value = float(values[i])
        return (value, *_words(rule, value, run))
    return describe
