"""The charts' time axis: unix seconds UTC shown as Asia/Bangkok wall-clock time, Thai dates with Buddhist-Era years.

Ticks sit on whole Bangkok hours and days (not on round numbers of seconds, which is what pyqtgraph's plain axis
would pick). The step is the finest that leaves room for the labels at the axis's current width, so a 450-pixel dock
and a full screen both read cleanly. A tick that starts a new day carries the date ("5 ธ.ค. 2569 14:00" /
"5 Dec 2026 14:00"), the ones after it only the clock ("14:00"); so does the first tick whose whole label fits, so
the date is always on screen. Steps of a day or more show dates ("6 ธ.ค."), the year on the first and where it
changes.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

from widgets.charts.chart_style import chart_font, style_axis
from widgets.display_format import BANGKOK, format_datetime
from widgets.i18n import current_language

DAY_S = 86400
# Bangkok keeps UTC+7 all year (no daylight saving since 1920), so whole local hours and days are a fixed offset.
LOCAL_OFFSET_S = int(datetime(2000, 1, 1, tzinfo=BANGKOK).utcoffset().total_seconds())  # type: ignore[union-attr]
# Tick steps, finest first: minutes and hours that divide a day, then days and weeks.
TICK_STEPS_S: tuple[int, ...] = (
    60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600,
    DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S, 28 * DAY_S,
)
LABEL_GAP_PX = 16  # empty space between two neighbouring labels
MINOR_MIN_PX = 8  # minor ticks closer than this are noise
# 1 January 1970 was a Thursday: local day numbers plus this are multiples of 7 on Mondays (weekly ticks).
_MONDAY_SHIFT_DAYS = 3


def format_instant(t: float, language: str | None = None) -> str:
    """``5 ธ.ค. 2569 14:00`` (Thai, BE year) or ``5 Dec 2026 14:00`` for unix seconds ``t``."""
    return format_datetime(datetime.fromtimestamp(t, UTC), language or current_language())


def format_date(t: float, language: str | None = None, *, year: bool = True) -> str:
    """``5 ธ.ค. 2569`` / ``5 Dec 2026`` (``5 ธ.ค.`` / ``5 Dec`` without the year) of unix seconds ``t``, in Bangkok."""
    words = format_instant(t, language).split(" ")  # day, month, year, clock: display_format's one wording
    return " ".join(words[:3] if year else words[:2])


def format_clock(t: float) -> str:
    """Bangkok ``HH:MM`` of unix seconds ``t``."""
    return format_instant(t, "en").rsplit(" ", 1)[1]


def local_day(t: float) -> int:
    """The Bangkok calendar day of unix seconds ``t``, as a day number (0 = 1 Jan 1970)."""
    return int((t + LOCAL_OFFSET_S) // DAY_S)


def local_year(t: float) -> int:
    """The Bangkok calendar year (CE) of unix seconds ``t``."""
    return datetime.fromtimestamp(t, BANGKOK).year


class BangkokAxis(pg.AxisItem):
    """A bottom axis of unix seconds UTC, labelled in Bangkok time in the current UI language (see the module)."""

    def __init__(self, orientation: str = "bottom", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        self.setStyle(maxTextLevel=0)  # labels on the major ticks only; the minor ones just mark time
        style_axis(self)
        self._labels: dict[float, str] = {}
        self.major_step_s = TICK_STEPS_S[0]

    def refresh(self) -> None:
        """Draw the labels again (the language or the font changed)."""
        self.setTickFont(chart_font())
        self.picture = None
        self.update()

    # -- pyqtgraph overrides -----------------------------------------------------------------------------------
    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:
        lo, hi = sorted((float(minVal), float(maxVal)))
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo or size <= 0:
            return []
        language = current_language()
        px_per_s = size / (hi - lo)
        metrics = QFontMetricsF(self.style["tickFont"] or chart_font())
        day_steps = self._day_labels_fit(metrics, language, px_per_s)
        major = self._major_step(metrics, language, px_per_s, day_steps)
        self.major_step_s = major
        values = _aligned(lo, hi, major)
        self._labels = self._label_ticks(values, major, metrics, language, lo, px_per_s)
        levels = [(float(major), values)]
        minor = _minor_step(major, px_per_s)
        if minor is not None:
            taken = set(values)
            levels.append((float(minor), [v for v in _aligned(lo, hi, minor) if v not in taken]))
        return levels

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [self._labels.get(float(v), "") for v in values]

    # -- choosing steps and labels -----------------------------------------------------------------------------
    @staticmethod
    def _long_short(language: str, day_steps: bool) -> tuple[str, str]:
        # The widest labels each kind can have, for measuring (two-digit days and hours).
        sample = datetime(2026, 11, 28, 23, 59, tzinfo=BANGKOK).timestamp()
        if day_steps:
            return format_date(sample, language), format_date(sample, language, year=False)
        return format_instant(sample, language), format_clock(sample)

    def _needed_px(self, metrics: QFontMetricsF, language: str, day_steps: bool) -> float:
        long, short = self._long_short(language, day_steps)
        return (metrics.horizontalAdvance(long) + metrics.horizontalAdvance(short)) / 2 + LABEL_GAP_PX

    def _day_labels_fit(self, metrics: QFontMetricsF, language: str, px_per_s: float) -> bool:
        """True when even hourly steps of half a day crowd the axis: the ticks then step by days."""
        return 12 * 3600 * px_per_s < self._needed_px(metrics, language, False)

    def _major_step(self, metrics: QFontMetricsF, language: str, px_per_s: float, day_steps: bool) -> int:
        needed = self._needed_px(metrics, language, day_steps)
        steps = [s for s in TICK_STEPS_S if (s >= DAY_S) == day_steps]
        for step in steps:
            if step * px_per_s >= needed:
                return step
        return steps[-1]

    def _label_ticks(self, values: list[float], step: int, metrics: QFontMetricsF, language: str, lo: float,
                     px_per_s: float) -> dict[float, str]:
        day_steps = step >= DAY_S
        period = local_year if day_steps else local_day
        # A tick that starts a new period (day; year for day steps) carries the whole label.
        new_period = [i > 0 and period(v) != period(values[i - 1]) for i, v in enumerate(values)]
        labels: dict[float, str] = {}
        anchored = False
        for i, v in enumerate(values):
            full = format_date(v, language) if day_steps else format_instant(v, language)
            short = format_date(v, language, year=False) if day_steps else format_clock(v)
            fits = (v - lo) * px_per_s >= metrics.horizontalAdvance(full) / 2  # pyqtgraph drops what sticks out
            # The first tick that fits carries it too, so the date is on screen; but not right before a tick that
            # starts a new period (that one says it, and two whole labels side by side would overlap).
            next_starts_period = i + 1 < len(values) and new_period[i + 1]
            if new_period[i] or (not anchored and fits and not next_starts_period):
                labels[v] = full
            else:
                labels[v] = short
            anchored = anchored or (fits and (new_period[i] or labels[v] == full or next_starts_period))
        return labels


def _aligned(lo: float, hi: float, step: int) -> list[float]:
    """Tick values in [lo, hi] on whole Bangkok multiples of ``step`` (weeks start on Monday)."""
    shift = LOCAL_OFFSET_S + (_MONDAY_SHIFT_DAYS * DAY_S if step % (7 * DAY_S) == 0 else 0)
    first = math.ceil((lo + shift) / step) * step - shift
    count = int((hi - first) // step) + 1
    return [float(first + k * step) for k in range(max(0, count))]


def _minor_step(major: int, px_per_s: float) -> int | None:
    """The finest step that divides ``major`` and is at least MINOR_MIN_PX apart; None when none is."""
    for step in TICK_STEPS_S:
        if step >= major:
            return None
        if major % step == 0 and step * px_per_s >= MINOR_MIN_PX and major // step <= 12:
            return step
    return None
