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

import numpy as np

from services.alerts.rules import RiverRule
from services.alerts.series import Describe, Scope, ScopeRows, hour_matrix
from services.alerts.window_data import WindowData
from services.river_status import LABELS
from services.store.alert_windows import StationRow

_THRESHOLD = {"bank_full": ("bank_full_m", LABELS["bank_full"]), "flood": ("flood_m", LABELS["flooding"])}


def river_rows(rule: RiverRule, data: WindowData) -> ScopeRows:
    """Every gauge's hours for a river rule (gauges a level rule cannot read are left out)."""
    wanted = set(rule.gauges) if rule.gauges is not None else None
    chosen = [k for k, g in enumerate(data.gauges) if wanted is None or g.code in wanted]
    if rule.level is not None:
        return _levels(rule, data, chosen)
    return _rises(rule, data, chosen)


def _scope(gauge: StationRow) -> Scope:
    return Scope("gauge", gauge.code, gauge.name_th, gauge.name_en, gauge.lat, gauge.lon)


def _levels(rule: RiverRule, data: WindowData, chosen: list[int]) -> ScopeRows:
    assert rule.level is not None
    key, (label_th, label_en) = _THRESHOLD[rule.level]
    thresholds = np.array([g.thresholds.get(key, np.nan) for g in data.gauges], dtype=float)
    if rule.level == "flood":  # a flood rule needs the gauge's own level
        chosen = [k for k in chosen if not np.isnan(thresholds[k])]
    rows, readings = data.river
    window = data.window
    shape = (len(data.gauges), window.hours)
    # Metres above the threshold; without one of its own, a gauge's bank by ThaiWater's distance to it. The hour's
    # highest of (level - threshold) is the highest level less the threshold (the subtraction keeps the order).
    groups = data.river_groups
    if groups is not None:
        own = thresholds[groups.row]
        excess = groups.max(readings[:, 1], "level") - own
        if rule.level == "bank_full":
            excess = np.where(np.isnan(own), groups.max(readings[:, 3], "bank"), excess)
        highest = groups.matrix(excess, window.start + 3600, shape)
    else:
        own = thresholds[rows] if len(rows) else np.empty(0)
        excess = readings[:, 1] - own
        if rule.level == "bank_full":
            excess = np.where(np.isnan(own), readings[:, 3], excess)
        highest = hour_matrix(rows, readings[:, 0], excess, window.start + 3600, shape, "max")
    margins = np.round(highest, 3)[chosen]

    def describe(k: int) -> Describe:
        threshold = float(thresholds[chosen[k]])
        return _level_words(margins[k], None if np.isnan(threshold) else threshold, label_th, label_en)

    return ScopeRows([_scope(data.gauges[k]) for k in chosen], margins, margins >= 0,
                     margins < -rule.clear_margin_m, None, describe)


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


def _rises(rule: RiverRule, data: WindowData, chosen: list[int]) -> ScopeRows:
    assert rule.rise_m_per_h is not None
    limit = rule.rise_m_per_h
    window = data.window
    lead = rule.rate_hours
    shape = (len(data.gauges), window.hours + lead)
    first_end = window.start + 3600 - lead * 3600
    rows, readings = data.river
    groups = data.river_groups
    if groups is not None:
        msl = groups.matrix(groups.last(readings[:, 2], "msl"), first_end, shape)
        local = groups.matrix(groups.last(readings[:, 1], "local"), first_end, shape)
    else:
        msl = hour_matrix(rows, readings[:, 0], readings[:, 2], first_end, shape, "last")
        local = hour_matrix(rows, readings[:, 0], readings[:, 1], first_end, shape, "last")
    by_msl = (msl[:, lead:] - msl[:, :-lead]) / lead
    by_local = (local[:, lead:] - local[:, :-lead]) / lead
    rates = np.round(np.where(np.isnan(by_msl), by_local, by_msl), 2)[chosen]
    return ScopeRows([_scope(data.gauges[k]) for k in chosen], rates, rates > limit,
                     rates <= rule.clear_rise_m_per_h, None, lambda k: _rise_words(rates[k], lead, limit))


def _rise_words(rates: np.ndarray, lead: int, limit: float) -> Describe:
    def describe(i: int, run: int) -> tuple[float | None, str, str]:
        rate = float(rates[i])
        return (rate, f"ระดับน้ำขึ้นเร็ว {rate:.2f} ม./ชม. ใน {lead} ชม. ที่ผ่านมา (เกณฑ์ {limit:.2f} ม./ชม.)",
                f"Rising {rate:.2f} m/h over the last {lead} h (threshold {limit:.2f} m/h)")
    return describe
