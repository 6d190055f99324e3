"""Table model of feed health: source, last success, age against cadence, last error and counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from widgets.column_model import ColumnTableModel, Index
from widgets.display_format import format_age, format_datetime, plain_tooltip
from widgets.i18n import current_language, t
from widgets.table_rows import FeedStatusRow

_FRESHNESS_COLOURS = {
    "fresh": QColor(198, 239, 206),
    "late": QColor(255, 235, 156),
    "stale": QColor(255, 199, 206),
    "never": QColor(225, 225, 225),
}



class FeedStatusModel(ColumnTableModel):
    """One row per feed. ``set_rows`` replaces everything with one reset (a handful of rows)."""

    COLUMNS = ("feed", "source", "status", "last_success", "age", "records", "rejected", "last_error")
    HEADERS = {
        "feed": ("ข้อมูล", "Feed"),
        "source": ("แหล่ง", "Source"),
        "status": ("สถานะ", "Status"),
        "last_success": ("สำเร็จล่าสุด", "Last success"),
        "age": ("อายุ / รอบ", "Age / cadence"),
        "records": ("ระเบียน", "Records"),
        "rejected": ("ปฏิเสธ", "Rejected"),
        "last_error": ("ข้อผิดพลาดล่าสุด", "Last error"),
    }

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[FeedStatusRow] = []

    def set_rows(self, rows: Sequence[FeedStatusRow]) -> None:
        if [r.feed for r in rows] == [r.feed for r in self._rows]:
            self._rows = list(rows)
            if self._rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.COLUMNS) - 1))
            return
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_for(self, feed: str) -> FeedStatusRow | None:
        return next((r for r in self._rows if r.feed == feed), None)

    def row_total(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.BackgroundRole and column == "status":
            return QBrush(_FRESHNESS_COLOURS.get(row.freshness, _FRESHNESS_COLOURS["never"]))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "last_error" and row.failing and row.last_error:
                return plain_tooltip(
                    f"{format_datetime(row.last_error_at, current_language(), seconds=True)}\n{row.last_error}")
            if column == "status":
                return plain_tooltip(t(f"รอบที่คาดไว้ทุก {format_age(row.cadence_s, 'th')}",
                                       f"expected every {format_age(row.cadence_s, 'en')}"))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("records", "rejected"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row.feed
        return None

    def _display(self, row: FeedStatusRow, column: str) -> str:
        lang = current_language()
        if column == "feed":
            return row.title_th if lang == "th" else row.title_en
        if column == "source":
            return row.source
        if column == "status":
            label = {
                "fresh": t("ปกติ", "fresh"),
                "late": t("ล่าช้า", "late"),
                "stale": t("ขาดช่วง", "stale"),
                "never": t("ยังไม่มีข้อมูล", "no data yet"),
            }.get(row.freshness, row.freshness)
            if row.polling:
                label += " ⟳"
            if row.failing:
                label += t(" · ผิดพลาด", " · failing")
            return label
        if column == "last_success":
            return format_datetime(row.last_success_at, lang) or "—"
        if column == "age":
            return f"{format_age(row.age_s, lang)} / {format_age(row.cadence_s, lang)}"
        if column == "records":
            return f"{row.records_total:,} (+{row.records_last:,})"
        if column == "rejected":
            return f"{row.rejected_last:,}"
        if column == "last_error":
            return (row.last_error or "").splitlines()[0][:160] if row.failing and row.last_error else ""
        return ""
