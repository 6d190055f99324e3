"""How high a river gauge stands, in one scale for the whole console: the map's marker, the river table, the situation
strip and (later) the alert rules all take a gauge's band from here, so P.67 can never be "normal" on the map and
"high" in the table.

Bands, worst last (the order is the severity a worst-first sort uses)::

    unknown      no usable level
    low          ThaiWater situation 1-2 (น้อยวิกฤต / น้อย)
    normal       below bank, situation 3 or none
    high         situation 4 (มาก), or within WATCH_MARGIN_M of bank-full
    bank_full    at or above the gauge's bank-full level, or overbank (positive distance to bank, situation 5)
    flooding     at or above the level where city zones flood (a per-station threshold, e.g. P.1 4.20 m)

The gauge's own thresholds (local gauge metres: ``bank_full_m``, ``flood_m``; settings may add or change them) come
first; without them the distance to the bank, then ThaiWater's situation level, decide. Qt-free. The words, colours
and glyphs of each band (``LABELS``, ``COLOURS``, ``GLYPHS``) are here too, so the map page (handed them as data), the
river table and the situation strip say and show a band the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BANDS: tuple[str, ...] = ("unknown", "low", "normal", "high", "bank_full", "flooding")
SEVERITY: dict[str, int] = {band: i for i, band in enumerate(BANDS)}
WATCH_MARGIN_M = 0.5  # this close below bank-full, a gauge is worth watching

# (Thai, English) words of each band.
LABELS: dict[str, tuple[str, str]] = {
    "unknown": ("ไม่มีข้อมูล", "no data"), "low": ("น้ำน้อย", "low"), "normal": ("ปกติ", "normal"),
    "high": ("น้ำมาก", "high"), "bank_full": ("เต็มตลิ่ง", "bank-full"), "flooding": ("น้ำท่วมเมือง", "city flooding"),
}
# Colours step in lightness as well as hue (blue, yellow, orange, dark red), so red-green colour-blind eyes still tell
# them apart; the glyphs say the band without colour.
COLOURS: dict[str, tuple[int, int, int]] = {
    "unknown": (120, 144, 156), "low": (141, 110, 99), "normal": (30, 136, 229), "high": (253, 216, 53),
    "bank_full": (239, 108, 0), "flooding": (183, 28, 28),
}
GLYPHS: dict[str, str] = {"unknown": "?", "low": "−", "normal": "~", "high": "+", "bank_full": "!", "flooding": "!!"}


@dataclass(frozen=True, slots=True)
class RiverStatus:
    """A gauge's band and the margins behind it (metres; positive = above the threshold), for words and sorting."""

    band: str
    above_bank_full_m: float | None
    above_flood_m: float | None

    @property
    def severity(self) -> int:
        return SEVERITY[self.band]

    @property
    def above_bank_full(self) -> bool:
        return self.band in ("bank_full", "flooding")

    @property
    def flooding(self) -> bool:
        return self.band == "flooding"


def river_status(level_m: float | None, thresholds: Mapping[str, float] | None, bank_diff_m: float | None,
                 situation_level: int | None) -> RiverStatus:
    """The band of one reading: ``level_m`` on the local gauge, the station's ``thresholds``, ThaiWater's signed
    distance to the bank (``bank_diff_m``, positive = overbank) and its situation level (1-5)."""
    limits = thresholds or {}
    bank_full, flood = limits.get("bank_full_m"), limits.get("flood_m")
    over_bank_full = round(level_m - bank_full, 3) if level_m is not None and bank_full is not None else None
    over_flood = round(level_m - flood, 3) if level_m is not None and flood is not None else None
    if over_flood is not None and over_flood >= 0:
        band = "flooding"
    elif over_bank_full is not None and over_bank_full >= 0:
        band = "bank_full"
    elif over_bank_full is None and ((bank_diff_m is not None and bank_diff_m > 0) or situation_level == 5):
        band = "bank_full"
    elif over_bank_full is not None and over_bank_full >= -WATCH_MARGIN_M:
        band = "high"
    elif over_bank_full is None and (situation_level == 4 or (bank_diff_m is not None
                                                              and -WATCH_MARGIN_M <= bank_diff_m <= 0)):
        band = "high"
    elif situation_level in (1, 2):
        band = "low"
    elif level_m is None and bank_diff_m is None and situation_level is None:
        band = "unknown"
    else:
        band = "normal"
    return RiverStatus(band, over_bank_full, over_flood)


def status_of(row: Any) -> RiverStatus:
    """:func:`river_status` of a store row (services.store.rows.RiverLatest or anything with its fields)."""
    return river_status(getattr(row, "level_m", None), getattr(row, "thresholds", None),
                        getattr(row, "bank_diff_m", None), getattr(row, "situation_level", None))


def worst_first(rows: list[Any]) -> list[Any]:
    """Gauges worst first: band, then how far above bank-full (or the distance to bank), then code."""
    def key(row: Any) -> tuple[int, float, str]:
        status = status_of(row)
        margin = status.above_bank_full_m if status.above_bank_full_m is not None else getattr(row, "bank_diff_m", None)
        return (-status.severity, -(margin if margin is not None else float("-inf")), str(getattr(row, "code", "")))
    return sorted(rows, key=key)
