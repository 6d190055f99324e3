"""Table models of the situation overview: latest air quality per station, latest river level per gauge, and the
fire hotspots of the last 24 hours.

Rows are any objects with the attributes named in each model (the store's AirLatest / RiverLatest, the overview's
HotspotRow): the widgets do not depend on the store, only on the shape of what it returns.

Every row shows its age. A row older than twice its source's expected cadence (how often a new value is due, plus
the poll that brings it) is out of date: its text turns grey and its coloured cells grey, and its tooltip says so.
The age moves on with ``tick`` (the overview panel calls it on a timer), not only when new data arrives: during an
outage nothing arrives, and that is when the grey matters.

Rows may come with their last 24 hours (``set_rows(rows, charts)``: services.chart_series charts matched by station
code). A station's hourly PM2.5 and a gauge's level are drawn as a sparkline (widgets.sparkline_delegate, under
``SERIES_ROLE``) beside the latest hourly value or the rate of rise with its arrow (services.chart_math: the
least-squares rate over the last 3 hours); without a series the cell says "—" and draws nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from services.river_status import status_of
from widgets import table_colours
from widgets.charts.river_words import projection_sentence
from widgets.column_model import ColumnTableModel, Index
from widgets.display_format import format_age, format_clock, format_datetime, format_number, plain_tooltip
from widgets.i18n import current_language, t
from widgets.place_names import short_station_name
from widgets.sparkline_delegate import MIN_SPAN_ROLE, REFERENCE_ROLE, SERIES_ROLE
from widgets.status_words import aqi_band_label, river_band_label

if TYPE_CHECKING:
    from services.chart_math import Projection

PM_UNIT = "µg/m³"
# The least a sparkline's height stands for: a day that moves less is drawn nearly flat, not as noise at full height.
AIR_SPARK_MIN_SPAN = 20.0  # µg/m³
RIVER_SPARK_MIN_SPAN_M = 0.5

Clock = Callable[[], datetime]


def _chart_math() -> ModuleType:
    """services.chart_math, imported when first used: it brings numpy, and these models load with the window, before
    any series exists (start-up time); a series to do the math on comes from the database worker, numpy and all."""
    from services import chart_math

    return chart_math


def _finite(values: Any) -> list[float]:
    return [float(x) for x in values if math.isfinite(x)]


def band_colour(band: int | None) -> QColor | None:
    """The Thai AQI band's colour (services.feeds.thai_aqi), None without a band."""
    rgb = table_colours.AQI.get(band or 0)
    return QColor(*rgb) if rgb else None


def band_label(band: int | None) -> str:
    return aqi_band_label(band)


class _RowsModel(ColumnTableModel):
    """A small list of rows replaced as a whole, each with an age against the source's expected cadence."""

    #: Seconds between the new values a row's source is expected to bring (publication rhythm plus the poll).
    EXPECTED_CADENCE_S = 3600
    #: The column that shows the age.
    AGE_COLUMN = "age"

    def __init__(self, parent: Any = None, *, clock: Clock | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._charts: dict[str, Any] = {}
        self._clock = clock or (lambda: datetime.now(UTC))
        self.expected_cadence_s = self.EXPECTED_CADENCE_S
        # Rates and trend words per (what, code), worked out once per refresh or tick: the view asks for every
        # cell again at each dataChanged (its columns fit their contents), and a rate is a regression.
        self._derived: dict[tuple[str, str], Any] = {}
        # What each row's cells said when last announced (their texts, then the row's out-of-date grey): a tick
        # announces only the cells that changed since.
        self._said: list[tuple[Any, ...]] | None = None

    def set_rows(self, rows: Sequence[Any], charts: Sequence[Any] | None = None) -> None:
        """The rows, and their last 24 hours (charts with a ``code``; none: no sparklines)."""
        rows = list(rows)
        by_code = {chart.code: chart for chart in charts or ()}
        if rows == self._rows:
            # The overview refreshes often (every feed landing during a sync); an unchanged table is not reset
            # (selection kept), and not even repainted when the reload brings the same day again: its columns fit
            # their contents, so a repaint costs every cell twice. New series change their cells: one dataChanged.
            if not self._same_charts(by_code):
                self._charts = by_code
                self._all_changed()
            return
        self.beginResetModel()
        self._rows = rows
        self._charts = by_code
        self._derived.clear()
        self.endResetModel()
        self._said = self._cells_said()

    def _same_charts(self, by_code: dict[str, Any]) -> bool:
        if not by_code and not self._charts:
            return True
        from services.chart_series import same_values  # numpy: loaded with the series that came

        return same_values(self._charts, by_code)

    def _derive(self, what: str, row: Any, work: Callable[[], Any]) -> Any:
        """``work()`` for this row, remembered until the next refresh or tick."""
        key = (what, row.code)
        if key not in self._derived:
            self._derived[key] = work()
        return self._derived[key]

    def chart_of(self, row: Any) -> Any | None:
        """The row's 24-hour chart (services.chart_series), None without one."""
        return self._charts.get(row.code)

    def _now_s(self) -> float:
        return self._clock().timestamp()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_total(self) -> int:
        return len(self._rows)

    def set_expected_cadence(self, seconds: int) -> None:
        """Another expected cadence (settings); rows past twice it are out of date."""
        self.expected_cadence_s = int(seconds)
        self._all_changed()

    def tick(self) -> None:
        """Time moved on: ages, the out-of-date grey and what is reckoned from the hour are read again, and one
        dataChanged announces the cells whose text or grey changed, or none when nothing did. A table told of a
        change repaints those cells and re-measures its columns (they fit their contents), sparklines and all: three
        tables told of every cell twice a minute held the window for up to 100 ms, to show one changed age."""
        before = self._said
        self._read_again()
        said = self._said
        if before is None or len(before) != len(said):  # not read yet: all
            self._announce(0, len(self._rows) - 1, 0, len(self.COLUMNS) - 1)
            return
        last = len(self.COLUMNS)  # the out-of-date grey: every cell of its row
        changed = [(r, c) for r, (old, new) in enumerate(zip(before, said, strict=True))
                   for c in range(last + 1) if old[c] != new[c]]
        if not changed:
            return
        rows = [r for r, _c in changed]
        columns = [c for _r, c in changed]
        self._announce(min(rows), max(rows), 0 if last in columns else min(columns), min(max(columns), last - 1))

    def retranslate(self) -> None:
        """The language changed: every cell is read again, and the next tick compares with the new words."""
        self._read_again()
        super().retranslate()

    def _all_changed(self) -> None:
        """Something every cell may show changed (the series, the cadence): all are read again."""
        self._read_again()
        self._announce(0, len(self._rows) - 1, 0, len(self.COLUMNS) - 1)

    def _read_again(self) -> None:
        """Forget what was reckoned and note what every cell says now (what the next tick compares with)."""
        self._derived.clear()
        self._said = self._cells_said()

    def _announce(self, top: int, bottom: int, left: int, right: int) -> None:
        if self._rows and top <= bottom and left <= right:
            self.dataChanged.emit(self.index(top, left), self.index(bottom, right))

    def _cells_said(self) -> list[tuple[Any, ...]]:
        columns = range(len(self.COLUMNS))
        return [(*(self.data(self.index(r, c)) for c in columns), self.out_of_date(row))
                for r, row in enumerate(self._rows)]

    # --- age -------------------------------------------------------------------------------------------------------

    @staticmethod
    def _time_of(row: Any) -> datetime | None:
        return getattr(row, "observed_at", None)

    def age_s(self, row: Any) -> float | None:
        at = self._time_of(row)
        return None if at is None else max((self._clock() - at).total_seconds(), 0.0)

    def out_of_date(self, row: Any) -> bool:
        """Older than twice the expected cadence (or no time at all)."""
        age = self.age_s(row)
        return age is None or age > 2 * self.expected_cadence_s

    def _age_text(self, row: Any) -> str:
        return format_age(self.age_s(row), current_language())

    def _label(self, row: Any) -> str:
        """What the row is about, first in its tooltips."""
        return f"{self._name(row)} ({row.code})"

    def _age_tooltip(self, row: Any) -> str:
        lang = current_language()
        when = format_datetime(self._time_of(row), lang)
        cadence = format_age(self.expected_cadence_s, lang)
        if self.out_of_date(row):
            age = t(f"{when}: ข้อมูลเก่า (เกิน 2 เท่าของรอบที่คาดไว้ ทุก {cadence})",
                    f"{when}: out of date (older than twice the expected {cadence})")
        else:
            age = t(f"{when} (คาดว่ามีข้อมูลใหม่ทุก {cadence})", f"{when} (new data expected every {cadence})")
        return f"{self._label(row)}\n{age}"

    # --- shared roles ----------------------------------------------------------------------------------------------

    def _row(self, index: Index) -> Any | None:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]

    def _cell_colours(self, row: Any, column: str, role: int) -> Any:
        """Background and text of a cell: the band colour (``_band_rgb``) with its text, grey when out of date."""
        stale = self.out_of_date(row)
        band = self._band_rgb(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            if band is None:
                return None
            return table_colours.brush(table_colours.OUT_OF_DATE if stale else band)
        if role == Qt.ItemDataRole.ForegroundRole:
            if stale:
                return table_colours.brush(table_colours.OUT_OF_DATE_TEXT)
            return table_colours.text_brush_on(band) if band is not None else None
        return None

    def _band_rgb(self, row: Any, column: str) -> tuple[int, int, int] | None:
        return None

    @staticmethod
    def _name(row: Any) -> str:
        th, en = getattr(row, "name_th", None), getattr(row, "name_en", None)
        primary = th if current_language() == "th" else en
        return (primary or en or th or row.code).strip()


class AirQualityModel(_RowsModel):
    """Latest reading per station: name, PM2.5 (24 h mean, µg/m³), AQI and its band in the band colour, age.

    A station outside the home province (``other_province`` answers for a row) is named with its province."""

    COLUMNS = ("station", "pm25", "aqi", "band", "hourly", "age")
    HEADERS = {"station": ("สถานี", "Station"), "pm25": ("PM2.5 (24 ชม.)", "PM2.5 (24 h)"),
               "aqi": ("AQI", "AQI"), "band": ("ระดับ", "Level"), "hourly": ("PM2.5 ราย ชม.", "PM2.5 hourly"),
               "age": ("อายุ", "Age")}
    # Air4Thai publishes hourly means, about 20 min after the hour; we poll every 10 min.
    EXPECTED_CADENCE_S = 3600

    def __init__(self, parent: Any = None, *, clock: Clock | None = None) -> None:
        super().__init__(parent, clock=clock)
        self.province_of: Callable[[Any], str | None] = lambda _row: None  # set by the panel

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self._row(index)
        if row is None:
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "station":
                province = self.province_of(row)
                return short_station_name(self._name(row)) + (f" · {province}" if province else "")
            if column == "pm25":
                return format_number(row.pm25, 1, PM_UNIT)
            if column == "aqi":
                return "—" if row.aqi is None else str(row.aqi)
            if column == "band":
                return band_label(row.aqi_band)
            if column == "hourly":
                return self._hourly_text(row)
            return self._age_text(row)
        if role == SERIES_ROLE:
            return self._hourly(row) if column == "hourly" else None
        if role == MIN_SPAN_ROLE:
            return AIR_SPARK_MIN_SPAN if column == "hourly" else None
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return self._cell_colours(row, column, role)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "age":
                return plain_tooltip(self._age_tooltip(row))
            if column == "hourly":
                return plain_tooltip(self._hourly_tooltip(row))
            area = t(getattr(row, "area_th", None) or "", getattr(row, "area_en", None) or "")
            return plain_tooltip(f"{self._name(row)} ({row.code})" + (f"\n{area}" if area else "")
                                 + f"\n{format_datetime(row.observed_at, current_language())}")
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("pm25", "aqi", "hourly", "age"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _band_rgb(self, row: Any, column: str) -> tuple[int, int, int] | None:
        if column in ("aqi", "band"):
            return table_colours.AQI.get(row.aqi_band or 0)
        return None

    # --- the last 24 hours -----------------------------------------------------------------------------------------

    def _hourly(self, row: Any) -> Any | None:
        chart = self.chart_of(row)
        return None if chart is None else chart.hourly

    def _hourly_text(self, row: Any) -> str:
        """The latest hourly PM2.5 with its trend arrow ("↑ 86"), "—" without one in the last 24 h."""
        return self._derive("hourly", row, lambda: self._work_hourly_text(row))

    def _work_hourly_text(self, row: Any) -> str:
        series = self._hourly(row)
        if series is None:
            return "—"
        cm = _chart_math()
        latest = cm.latest_value(series, self._now_s())
        if latest is None:
            return "—"
        arrow = cm.trend_arrow(self._hourly_rate(series), cm.AIR_STEADY_PER_H)
        return f"{arrow} {latest[1]:.0f}".strip()

    def _hourly_rate(self, series: Any) -> float | None:
        """µg/m³ per hour over the 3 hours up to the newest hourly value. Air4Thai publishes an hour about 20 minutes
        after it ends, so the 3 hours up to now often hold one value fewer; a newest value over 3 hours old makes no
        trend at all."""
        cm = _chart_math()
        now = self._now_s()
        latest = cm.latest_value(series, now)
        if latest is None or now - latest[0] > cm.RATE_WINDOW_S:
            return None
        return cm.rate_of_rise(series, latest[0])

    def _hourly_tooltip(self, row: Any) -> str:
        series = self._hourly(row)
        now = self._now_s()
        cm = _chart_math()
        latest = None if series is None else cm.latest_value(series, now)
        if series is None or latest is None:
            return f"{self._label(row)}\n" + t("ไม่มีค่า PM2.5 รายชั่วโมงใน 24 ชม. ล่าสุด",
                                               "no hourly PM2.5 in the last 24 h")
        at = format_clock(datetime.fromtimestamp(latest[0], UTC))
        values = _finite(series.v)
        lines = [self._label(row),
                 # Air4Thai stamps an hourly value with the hour's end, so the bucket's start is that end.
                 t(f"ล่าสุด {latest[1]:.0f} {PM_UNIT} (ชั่วโมงที่สิ้นสุด {at} น.)",
                   f"latest {latest[1]:.0f} {PM_UNIT} (the hour to {at})"),
                 t(f"24 ชม. ล่าสุด: ต่ำสุด {min(values):.0f} สูงสุด {max(values):.0f} {PM_UNIT}",
                   f"last 24 h: lowest {min(values):.0f}, highest {max(values):.0f} {PM_UNIT}")]
        rate = self._hourly_rate(series)
        if rate is not None:
            lines.append(_rate_words(rate, cm.AIR_STEADY_PER_H, f"{PM_UNIT}/ชม.", f"{PM_UNIT}/h", 1))
        return "\n".join(lines)


class RiverLevelModel(_RowsModel):
    """Latest level per gauge: level, distance to bank (positive = overbank), the band of services.river_status in
    its word and colour, trend, age."""

    COLUMNS = ("gauge", "level", "to_bank", "band", "trend", "age")
    HEADERS = {"gauge": ("สถานี", "Gauge"), "level": ("ระดับ ม.", "Level m"), "to_bank": ("เทียบตลิ่ง", "To bank"),
               "band": ("สถานการณ์", "Situation"), "trend": ("แนวโน้ม ม./ชม.", "Trend m/h"), "age": ("อายุ", "Age")}
    # ThaiWater's telemetry reports every 10 min, one interval behind, and we poll every 10 min: a healthy gauge's
    # newest value is up to 30 min old.
    EXPECTED_CADENCE_S = 1800

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self._row(index)
        if row is None:
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "gauge":
                return f"{row.code} {self._name(row)}"
            if column == "level":
                return format_number(row.level_m, 2)
            if column == "to_bank":
                return self._bank_text(row.bank_diff_m)
            if column == "band":
                return river_band_label(status_of(row).band)
            if column == "trend":
                return self._trend(row)
            return self._age_text(row)
        if role in (SERIES_ROLE, REFERENCE_ROLE, MIN_SPAN_ROLE):
            chart = self.chart_of(row) if column == "trend" else None
            if chart is None:
                return None
            if role == MIN_SPAN_ROLE:
                return RIVER_SPARK_MIN_SPAN_M
            return chart.level if role == SERIES_ROLE else chart.bank_full_m
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return self._cell_colours(row, column, role)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "age":
                return plain_tooltip(self._age_tooltip(row))
            if column == "trend":
                return plain_tooltip(self._trend_tooltip(row))
            return plain_tooltip(self._tooltip(row))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("level", "to_bank", "trend", "age"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _band_rgb(self, row: Any, column: str) -> tuple[int, int, int] | None:
        if column in ("level", "band"):
            return table_colours.RIVER.get(status_of(row).band)
        return None

    def _tooltip(self, row: Any) -> str:
        status = status_of(row)
        limits = row.thresholds or {}
        lines = [f"{row.code} {self._name(row)}: {river_band_label(status.band)}"]
        if "bank_full_m" in limits:
            lines.append(t(f"เต็มตลิ่ง {limits['bank_full_m']:.2f} ม.", f"bank-full {limits['bank_full_m']:.2f} m"))
        if "flood_m" in limits:
            lines.append(t(f"น้ำท่วมเมือง {limits['flood_m']:.2f} ม.", f"city flooding {limits['flood_m']:.2f} m"))
        if row.bank_diff_m is not None:
            lines.append(t(f"เทียบตลิ่ง {row.bank_diff_m:+.2f} ม. (บวก = ล้นตลิ่ง)",
                           f"to bank {row.bank_diff_m:+.2f} m (positive = overbank)"))
        lines.append(format_datetime(row.observed_at, current_language()))
        return "\n".join(lines)

    @staticmethod
    def _bank_text(diff: float | None) -> str:
        return "—" if diff is None else f"{diff:+.2f}"

    def rate(self, row: Any) -> float | None:
        """The gauge's rate of rise over the last 3 hours (m/h), None without enough of its series."""
        chart = self.chart_of(row)
        if chart is None:
            return None
        return self._derive("rate", row, lambda: _chart_math().rate_of_rise(chart.level, self._now_s()))

    def projection_of(self, row: Any) -> Projection | None:
        """When the gauge would reach its next threshold at its current rate (services.chart_math)."""
        chart = self.chart_of(row)
        return None if chart is None else _chart_math().projection(chart, self._now_s())

    def _trend(self, row: Any) -> str:
        """The rate of rise with its arrow ("↑ 0.12" m/h), "→" when steady, "—" without a rate."""
        rate = self.rate(row)
        if rate is None:
            return "—"
        cm = _chart_math()
        arrow = cm.trend_arrow(rate, cm.RIVER_STEADY_M_PER_H)
        if not arrow:
            return "—"
        return arrow if arrow == "→" else f"{arrow} {abs(rate):.2f}"

    def _trend_tooltip(self, row: Any) -> str:
        chart = self.chart_of(row)
        lines = [f"{row.code} {self._name(row)}"]
        values = [] if chart is None else _finite(chart.level.v)
        if not values:
            lines.append(t("ไม่มีระดับน้ำใน 24 ชม. ล่าสุด", "no level in the last 24 h"))
            return "\n".join(lines)
        lines.append(t(f"24 ชม. ล่าสุด: ต่ำสุด {min(values):.2f} ม. สูงสุด {max(values):.2f} ม.",
                       f"last 24 h: lowest {min(values):.2f} m, highest {max(values):.2f} m"))
        rate = self.rate(row)
        if rate is None:
            lines.append(t("ข้อมูล 3 ชม. ล่าสุดไม่พอคำนวณอัตรา", "too few readings in the last 3 h for a rate"))
            return "\n".join(lines)
        lines.append(_rate_words(rate, _chart_math().RIVER_STEADY_M_PER_H, "ม./ชม.", "m/h", 2))
        ahead = self.projection_of(row)
        if ahead is not None:
            lines.append(projection_sentence(ahead.threshold_name, ahead.hours))
        return "\n".join(lines)


def _rate_words(rate: float, steady: float, unit_th: str, unit_en: str, decimals: int) -> str:
    """"ขึ้น 0.12 ม./ชม. (3 ชม. ล่าสุด)" / "rising 0.12 m/h (last 3 h)"; steady within ``steady``."""
    amount = f"{abs(rate):.{decimals}f}"
    arrow = _chart_math().trend_arrow(rate, steady)
    if arrow == "→":
        return t(f"ทรงตัว ({rate:+.{decimals}f} {unit_th} ใน 3 ชม. ล่าสุด)",
                 f"steady ({rate:+.{decimals}f} {unit_en} over the last 3 h)")
    if arrow == "↑":
        return t(f"ขึ้น {amount} {unit_th} (3 ชม. ล่าสุด)", f"rising {amount} {unit_en} (last 3 h)")
    return t(f"ลง {amount} {unit_th} (3 ชม. ล่าสุด)", f"falling {amount} {unit_en} (last 3 h)")


_CONFIDENCE_WORDS = {"low": ("ต่ำ", "low"), "nominal": ("ปานกลาง", "nominal"), "high": ("สูง", "high")}
_SATELLITES = {"VIIRS_SNPP": "VIIRS S-NPP", "VIIRS_NOAA20": "VIIRS NOAA-20", "VIIRS_NOAA21": "VIIRS NOAA-21",
               "MODIS": "MODIS"}


class HotspotModel(_RowsModel):
    """FIRMS detections of the last 24 h, newest first: age, district, confidence, fire radiative power, source."""

    COLUMNS = ("age", "district", "confidence", "frp", "source")
    HEADERS = {"age": ("อายุ", "Age"), "district": ("อำเภอ", "District"), "confidence": ("ความเชื่อมั่น", "Confidence"),
               "frp": ("ความร้อน", "Fire power"), "source": ("ดาวเทียม", "Satellite")}
    # Four satellites (VIIRS on S-NPP and NOAA-20, MODIS on Terra and Aqua) pass by day and night, and FIRMS
    # publishes within about 3 h: a new pass is due every few hours.
    EXPECTED_CADENCE_S = 6 * 3600

    @staticmethod
    def _time_of(row: Any) -> datetime | None:
        return getattr(row, "acquired_at", None)

    def _label(self, row: Any) -> str:
        return t(row.district_th or row.district_en or "—", row.district_en or row.district_th or "—")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self._row(index)
        if row is None:
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "age":
                return self._age_text(row)
            if column == "district":
                return self._label(row)
            if column == "confidence":
                return self._confidence(row.confidence)
            if column == "frp":
                return format_number(row.frp, 1, "MW")
            return self._source(row)
        if role == Qt.ItemDataRole.ForegroundRole and self.out_of_date(row):
            return QBrush(QColor(*table_colours.OUT_OF_DATE_TEXT))
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f"{row.lat:.4f}, {row.lon:.4f}"
            return plain_tooltip(self._age_tooltip(row) + f"\n{where}")
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("age", "frp"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _confidence(value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, int | float):
            return f"{int(value)}%"
        words = _CONFIDENCE_WORDS.get(str(value).lower())
        return t(*words) if words else str(value)

    @staticmethod
    def _source(row: Any) -> str:
        source = str(row.source or "")
        name = next((label for prefix, label in _SATELLITES.items() if source.startswith(prefix)), source)
        if name == "MODIS" and row.satellite:
            return f"MODIS {row.satellite}"
        return name
