"""Table models for the situation overview: latest air quality per station and latest river level per gauge.

Rows are any objects with the attributes named in each model (the store's AirLatest / RiverLatest): the widgets do
not depend on the store, only on the shape of what it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from services.feeds.thai_aqi import BANDS
from widgets.column_model import ColumnTableModel, Index
from widgets.display_format import format_clock, format_datetime, format_number, plain_tooltip
from widgets.i18n import current_language, t

_BAND_BY_NUMBER = {band.number: band for band in BANDS}


def band_colour(band: int | None) -> QColor | None:
    info = _BAND_BY_NUMBER.get(band or 0)
    return QColor(*info.rgb) if info else None


def band_label(band: int | None) -> str:
    info = _BAND_BY_NUMBER.get(band or 0)
    if info is None:
        return t("ไม่มีข้อมูล", "no data")
    return info.label_th if current_language() == "th" else info.label_en


def _text_colour_on(background: QColor) -> QColor:
    # Dark text on light bands (yellow, blue), white on the dark ones, for legibility on the band colour.
    return QColor("black") if background.lightness() > 140 else QColor("white")


class _RowsModel(ColumnTableModel):
    """A small list of rows replaced as a whole."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

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

    def _row(self, index: Index) -> Any | None:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]

    @staticmethod
    def _name(row: Any) -> str:
        th, en = getattr(row, "name_th", None), getattr(row, "name_en", None)
        primary = th if current_language() == "th" else en
        return (primary or en or th or row.code).strip()


class AirQualityModel(_RowsModel):
    """Latest reading per station: name, PM2.5 (24 h mean), AQI with its band colour, time."""

    COLUMNS = ("station", "pm25", "aqi", "band", "time")
    HEADERS = {"station": ("สถานี", "Station"), "pm25": ("PM2.5 (24 ชม.)", "PM2.5 (24 h)"), "aqi": ("AQI", "AQI"),
               "band": ("ระดับ", "Level"), "time": ("เวลา", "Time")}

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self._row(index)
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (self._name(row), format_number(row.pm25, 1),
                    "—" if row.aqi is None else str(row.aqi), band_label(row.aqi_band),
                    format_clock(row.observed_at))[col]
        colour = band_colour(row.aqi_band)
        if role == Qt.ItemDataRole.BackgroundRole and col in (2, 3) and colour is not None:
            return QBrush(colour)
        if role == Qt.ItemDataRole.ForegroundRole and col in (2, 3) and colour is not None:
            return QBrush(_text_colour_on(colour))
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(f"{self._name(row)} ({row.code}) · {format_datetime(row.observed_at, current_language())}")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (1, 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class RiverLevelModel(_RowsModel):
    """Latest level per gauge: level, distance to bank (positive = overbank), trend, situation, time."""

    COLUMNS = ("gauge", "level", "to_bank", "trend", "situation", "time")
    HEADERS = {"gauge": ("สถานี", "Gauge"), "level": ("ระดับ ม.", "Level m"), "to_bank": ("เทียบตลิ่ง ม.", "To bank m"),
               "trend": ("แนวโน้ม", "Trend"), "situation": ("สถานการณ์", "Situation"), "time": ("เวลา", "Time")}

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self._row(index)
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (f"{row.code} {self._name(row)}", format_number(row.level_m, 2),
                    self._bank_text(row.bank_diff_m), self._trend(row), self._situation(row),
                    format_clock(row.observed_at))[col]
        if role == Qt.ItemDataRole.BackgroundRole and col in (1, 2):
            return self._threshold_brush(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            limits = ", ".join(f"{k} {v:.2f} m" for k, v in sorted(row.thresholds.items()))
            return plain_tooltip(f"{self._name(row)} · {format_datetime(row.observed_at, current_language())}"
                                 + (f"\n{limits}" if limits else ""))
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (1, 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

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

    @staticmethod
    def _situation(row: Any) -> str:
        level = row.situation_level
        labels = {1: ("น้อยวิกฤต", "critically low"), 2: ("น้อย", "low"), 3: ("ปกติ", "normal"),
                  4: ("มาก", "high"), 5: ("ล้นตลิ่ง", "overbank")}
        return t(*labels[level]) if level in labels else "—"

    @staticmethod
    def _threshold_brush(row: Any) -> QBrush | None:
        level = row.level_m
        limits = row.thresholds or {}
        if level is not None and "flood_m" in limits and level >= limits["flood_m"]:
            return QBrush(QColor(205, 0, 0, 120))
        if level is not None and "bank_full_m" in limits and level >= limits["bank_full_m"]:
            return QBrush(QColor(242, 101, 34, 110))
        if row.bank_diff_m is not None and row.bank_diff_m > 0:
            return QBrush(QColor(242, 101, 34, 110))
        return None
