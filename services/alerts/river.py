"""River rules: a gauge at its own threshold, or rising fast.

- Level: the hour's highest reading against the gauge's threshold (``bank_full_m`` / ``flood_m`` of its
  ``thresholds_json``, local gauge metres), at or above it as services.river_status bands a gauge; it clears
  ``clear_margin_m`` below. A gauge with no bank-full level of its own is read by ThaiWater's distance to its bank
  (positive = overbank), as the river scale falls back to it; a flood rule needs the gauge's own ``flood_m``.
- Rise: (the hour's last reading − the last reading ``rate_hours`` earlier) / ``rate_hours``, in metres above sea
  level where both readings have it (every gauge publishes it), else in local gauge metres; compared in whole
  centimetres an hour, as it is shown. Faster than ``rise_m_per_h`` triggers; ``clear_rise_m_per_h`` or slower
  counts towards clearing.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from services.alerts.machine import Hours
from services.alerts.rules import RiverRule
from services.alerts.series import Describe, Scope, ScopeHours, hour_matrix
from services.alerts.window_data import WindowData
from services.river_status import LABELS
from services.store.alert_windows import StationRow

_THRESHOLD = {"bank_full": ("bank_full_m", LABELS["bank_full"]), "flood": ("flood_m", LABELS["flooding"])}


def river_hours(rule: RiverRule, data: WindowData) -> Iterator[ScopeHours]:
    """Each gauge's hours for a river rule (gauges a level rule cannot read are left out)."""
    wanted = set(rule.gauges) if rule.gauges is not None else None
    chosen = [k for k, g in enumerate(data.gauges) if wanted is None or g.code in wanted]
    if rule.level is not None:
        yield from _levels(rule, data, chosen)
    else:
        yield from _rises(rule, data, chosen)


def _scope(gauge: StationRow) -> Scope:
    return Scope("gauge", gauge.code, gauge.name_th, gauge.name_en, gauge.lat, gauge.lon)


def _levels(rule: RiverRule, data: WindowData, chosen: list[int]) -> Iterator[ScopeHours]:
    assert rule.level is not None
    key, (label_th, label_en) = _THRESHOLD[rule.level]
    thresholds = np.array([g.thresholds.get(key, np.nan) for g in data.gauges], dtype=float)
    rows, readings = data.river
    window = data.window
    own = thresholds[rows] if len(rows) else np.empty(0)
    # Metres above the threshold; without one of its own, a gauge's bank by ThaiWater's distance to it.
    excess = readings[:, 1] - own
    if rule.level == "bank_full":
        excess = np.where(np.isnan(own), readings[:, 3], excess)
    margins = np.round(hour_matrix(rows, readings[:, 0], excess, window.start + 3600,
                                   (len(data.gauges), window.hours), "max"), 3)
    grid = window.grid()
    for k in chosen:
        threshold = None if np.isnan(thresholds[k]) else float(thresholds[k])
        if threshold is None and rule.level == "flood":
            continue
        mine = margins[k]
        hours = Hours(grid, mine, mine >= 0, mine < -rule.clear_margin_m)
        yield ScopeHours(_scope(data.gauges[k]), hours, _level_words(mine, threshold, label_th, label_en))


def _level_words(margins: np.ndarray, threshold: float | None, label_th: str, label_en: str) -> Describe:
    def describe(i: int, run: int) -> tuple[float | None, str, str]:
        margin = float(margins[i])
        if threshold is None:
            return (margin, f"ระดับน้ำล้นตลิ่ง {margin:.2f} ม. (ระดับตลิ่งตาม ThaiWater)",
                    f"{margin:.2f} m over the bank (ThaiWater's bank level)")
        level = round(threshold + margin, 2)
        return (level, f"ระดับน้ำ {level:.2f} ม. ถึงระดับ{label_th} ({threshold:.2f} ม.) เกินมา {margin:.2f} ม.",
                f"Level {level:.2f} m, {margin:.2f} m above {label_en} ({threshold:.2f} m)")
    return describe


def _rises(rule: RiverRule, data: WindowData, chosen: list[int]) -> Iterator[ScopeHours]:
    assert rule.rise_m_per_h is not None
    window = data.window
    lead = rule.rate_hours
    shape = (len(data.gauges), window.hours + lead)
    first_end = window.start + 3600 - lead * 3600
    rows, readings = data.river
    msl = hour_matrix(rows, readings[:, 0], readings[:, 2], first_end, shape, "last")
    local = hour_matrix(rows, readings[:, 0], readings[:, 1], first_end, shape, "last")
    by_msl = (msl[:, lead:] - msl[:, :-lead]) / lead
    by_local = (local[:, lead:] - local[:, :-lead]) / lead
    rates = np.round(np.where(np.isnan(by_msl), by_local, by_msl), 2)
    grid = window.grid()
    for k in chosen:
        mine = rates[k]
        hours = Hours(grid, mine, mine > rule.rise_m_per_h, mine <= rule.clear_rise_m_per_h)
        yield ScopeHours(_scope(data.gauges[k]), hours, _rise_words(mine, lead, rule.rise_m_per_h))


def _rise_words(rates: np.ndarray, lead: int, limit: float) -> Describe:
    def describe(i: int, run: int) -> tuple[float | None, str, str]:
        rate = float(rates[i])
        return (rate, f"ระดับน้ำขึ้นเร็ว {rate:.2f} ม./ชม. ใน {lead} ชม. ที่ผ่านมา (เกณฑ์ {limit:.2f} ม./ชม.)",
                f"Rising {rate:.2f} m/h over the last {lead} h (threshold {limit:.2f} m/h)")
    return describe
