"""Table models of the situation overview: latest air quality per station, latest river level per gauge, and the
fire hotspots of the last 24 hours.

Rows are any objects with the attributes named in each model (the store's AirLatest / RiverLatest, the overview's
HotspotRow): the widgets do not depend on the store, only on the shape of what it returns.

Every row shows its age. A row older than twice its source's expected cadence (how often a new value is due, plus
the poll that brings it) is out of date: its text turns grey and its coloured cells grey, and its tooltip says so.
The age moves on with ``tick`` (the overview panel calls it on a timer), not only when new data arrives: during an
outage nothing arrives, and that is when the grey matters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from services.river_status import status_of
from widgets import table_colours
from widgets.column_model import ColumnTableModel, Index
from widgets.display_format import format_age, format_datetime, format_number, plain_tooltip
from widgets.i18n import current_language, t
from widgets.status_words import aqi_band_label, river_band_label

PM_UNIT = "µg/m³"

Clock = Callable[[], datetime]


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
        self._clock = clock or (lambda: datetime.now(UTC))
        self.expected_cadence_s = self.EXPECTED_CADENCE_S

    def set_rows(self, rows: Sequence[Any]) -> None:
        rows = list(rows)
        if rows == self._rows:
            return  # the overview refreshes often; an unchanged table is not reset (no repaint, selection kept)
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_total(self) -> int:
        return len(self._rows)

    def set_expected_cadence(self, seconds: int) -> None:
        """Another expected cadence (settings); rows past twice it are out of date."""
        self.expected_cadence_s = int(seconds)
        self.tick()

    def tick(self) -> None:
        """Time moved on: ages and the out-of-date grey are read again (one dataChanged)."""
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.COLUMNS) - 1))

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

    COLUMNS = ("station", "pm25", "aqi", "band", "age")
    HEADERS = {"station": ("สถานี", "Station"), "pm25": ("PM2.5 (24 ชม.)", "PM2.5 (24 h)"),
               "aqi": ("AQI", "AQI"), "band": ("ระดับ", "Level"), "age": ("อายุ", "Age")}
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
                return self._name(row) + (f" · {province}" if province else "")
            if column == "pm25":
                return format_number(row.pm25, 1, PM_UNIT)
            if column == "aqi":
                return "—" if row.aqi is None else str(row.aqi)
            if column == "band":
                return band_label(row.aqi_band)
            return self._age_text(row)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return self._cell_colours(row, column, role)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "age":
                return plain_tooltip(self._age_tooltip(row))
            area = t(getattr(row, "area_th", None) or "", getattr(row, "area_en", None) or "")
            return plain_tooltip(f"{self._name(row)} ({row.code})" + (f"\n{area}" if area else "")
                                 + f"\n{format_datetime(row.observed_at, current_language())}")
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("pm25", "aqi", "age"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _band_rgb(self, row: Any, column: str) -> tuple[int, int, int] | None:
        if column in ("aqi", "band"):
            return table_colours.AQI.get(row.aqi_band or 0)
        return None


class RiverLevelModel(_RowsModel):
    """Latest level per gauge: level, distance to bank (positive = overbank), the band of services.river_status in
    its word and colour, trend, age."""

    COLUMNS = ("gauge", "level", "to_bank", "band", "trend", "age")
    HEADERS = {"gauge": ("สถานี", "Gauge"), "level": ("ระดับ ม.", "Level m"), "to_bank": ("เทียบตลิ่ง", "To bank"),
               "band": ("สถานการณ์", "Situation"), "trend": ("แนวโน้ม", "Trend"), "age": ("อายุ", "Age")}
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
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return self._cell_colours(row, column, role)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "age":
                return plain_tooltip(self._age_tooltip(row))
            return plain_tooltip(self._tooltip(row))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("level", "to_bank", "age"):
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

    @staticmethod
    def _trend(row: Any) -> str:
        change = row.trend_m
        if change is None:
            return "—"
        if abs(change) < 0.005:
            return "→"
        return f"{'↑' if change > 0 else '↓'} {abs(change):.2f}"


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
                return t(row.district_th or row.district_en or "—", row.district_en or row.district_th or "—")
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
