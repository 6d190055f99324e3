"""Table model of feed health: source, condition, last success, age against cadence, last error and counts.

A feed's *condition* joins its freshness and whether its latest poll failed, so a failing feed never looks fine
because its last success is recent: ``ok`` (fresh), ``warning`` (late, or failing while its data is still fresh),
``problem`` (stale, or failing with late, stale or no data) and ``none`` (not polled yet). The status cell and the
age are painted in the condition's colour (widgets.table_colours) and say it in words with a glyph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt

from widgets import table_colours
from widgets.column_model import ColumnTableModel, Index
from widgets.display_format import format_age, format_datetime, plain_tooltip
from widgets.failure_text import describe_feed_error
from widgets.i18n import current_language, t
from widgets.status_words import freshness_label
from widgets.table_rows import FeedStatusRow

CONDITIONS = ("ok", "warning", "problem", "none")
GLYPHS = {"ok": "✓", "warning": "!", "problem": "✖", "none": "…"}
SEVERITY = {"ok": 0, "none": 1, "warning": 2, "problem": 3}


def condition(row: FeedStatusRow) -> str:
    """``ok`` | ``warning`` | ``problem`` | ``none`` (see the module's docstring)."""
    if row.failing:
        return "warning" if row.freshness == "fresh" else "problem"
    return {"fresh": "ok", "late": "warning", "stale": "problem"}.get(row.freshness, "none")


def status_text(row: FeedStatusRow) -> str:
    """The condition in words, reason first: "failing · stale", "late", "fresh"."""
    if row.failing:
        text = freshness_label("failing")
        if row.freshness != "fresh":
            text += " · " + freshness_label(row.freshness)
    else:
        text = freshness_label(row.freshness)
    return f"{GLYPHS[condition(row)]} {text}" + (" ⟳" if row.polling else "")


class FeedStatusModel(ColumnTableModel):
    """One row per feed. ``set_rows`` replaces everything with one reset (a handful of rows)."""

    # The error next to the status: at 1366x768 the dock is about 900 px wide, and the reason must be read there.
    COLUMNS = ("feed", "status", "last_error", "age", "last_success", "records", "rejected", "source")
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

    def rows(self) -> list[FeedStatusRow]:
        return list(self._rows)

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
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole) and column in ("status", "age"):
            colour = table_colours.FEED[condition(row)]
            if role == Qt.ItemDataRole.BackgroundRole:
                return table_colours.brush(colour)
            return table_colours.text_brush_on(colour)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "last_error" and row.failing and row.last_error:
                return plain_tooltip(
                    f"{format_datetime(row.last_error_at, current_language(), seconds=True)}\n{row.last_error}")
            if column in ("status", "age"):
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
            return status_text(row)
        if column == "last_success":
            return format_datetime(row.last_success_at, lang) or "—"
        if column == "age":
            return f"{format_age(row.age_s, lang)} / {format_age(row.cadence_s, lang)}"
        if column == "records":
            return f"{row.records_total:,} (+{row.records_last:,})"
        if column == "rejected":
            return f"{row.rejected_last:,}"
        if column == "last_error":
            return describe_feed_error(row.last_error) if row.failing else ""
        return ""


def summary(rows: Sequence[FeedStatusRow]) -> tuple[str, str]:
    """(words, condition) for the whole set of feeds: problems first, the worst condition decides the colour."""
    if not rows:
        return t("กำลังเตรียมการซิงก์…", "Preparing sync…"), "none"
    conditions = [condition(r) for r in rows]
    worst = max(conditions, key=SEVERITY.__getitem__)
    total = len(rows)
    if worst == "ok":
        return f"{GLYPHS['ok']} " + t(f"ข้อมูลสดครบ {total} แหล่ง", f"All {total} feeds fresh"), "ok"
    failing = sum(1 for r in rows if r.failing)
    # The commonest reason of the failing feeds, in words (without its server), so the summary says why.
    reasons = [describe_feed_error(r.last_error).split(" · ")[0] for r in rows if r.failing and r.last_error]
    reason = max(reasons, key=reasons.count) if reasons else ""
    stale = sum(1 for r in rows if not r.failing and r.freshness == "stale")
    late = sum(1 for r in rows if not r.failing and r.freshness == "late")
    never = sum(1 for r in rows if not r.failing and r.freshness == "never")
    fresh = sum(1 for c in conditions if c == "ok")
    parts = [(failing, "failing"), (stale, "stale"), (late, "late"), (never, "never"), (fresh, "fresh")]
    counted = [t(f"{freshness_label(key)} {n}", f"{n} {freshness_label(key)}") for n, key in parts if n]
    if failing and reason:
        counted[0] += f": {reason}"
    tail = t(f" (จาก {total} แหล่ง)", f" (of {total} feeds)")
    return f"{GLYPHS[worst]} " + " · ".join(counted) + tail, worst

