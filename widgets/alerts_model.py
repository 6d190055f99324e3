"""The Alerts dock's table: alerts of the chosen filter, newest first, over a plain list of ``AlertView``.

Alerts are grouped per rule and scope by the store, so there are tens of them, not millions: the model keeps them
all, filters and orders them itself (newest ``last_at`` first) and shows one filter at a time. A refresh keeps the
view where the operator left it: the same rows in the same order emit one ``dataChanged``; the same rows in a new
order move the selection with them (``layoutChanged``); only a different set of rows resets the model.

A silenced alert (its ``silenced_until`` still ahead, or a matching active ``Silence``) is dimmed and says until
when, why and by whom; an open alert nobody has acknowledged is bold. Every cell is a plain string.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from services.alerts.model import AlertView, Silence
from widgets import table_colours
from widgets.alert_words import (
    SEVERITY_RGB,
    message,
    rule_name,
    scope_name,
    severity_label,
    silenced_text,
    since_text,
    state_text,
)
from widgets.column_model import ColumnTableModel, Index
from widgets.display_format import format_datetime, plain_tooltip
from widgets.i18n import current_language, t

FILTERS = ("open", "unacked", "cleared", "all")
FILTER_WORDS = {"open": ("เปิดอยู่", "Open"), "unacked": ("รอรับทราบ", "Needs acknowledging"),
                "cleared": ("คลี่คลายแล้ว", "Cleared"), "all": ("ทั้งหมด", "All")}
ID_ROLE = Qt.ItemDataRole.UserRole
ALERT_ROLE = Qt.ItemDataRole.UserRole + 1
_FILTER_STATES = {"open": ("open", "acknowledged"), "unacked": ("open",), "cleared": ("cleared",),
                  "all": ("open", "acknowledged", "cleared")}
_DIMMED = table_colours.OUT_OF_DATE_TEXT


def newest_first(alerts: Sequence[AlertView]) -> list[AlertView]:
    """Latest occurrence first; the newer alert first on a tie."""
    return sorted(alerts, key=lambda a: (a.last_at, a.id), reverse=True)


def matching_silence(alert: AlertView, silences: Sequence[Silence], now: datetime) -> Silence | None:
    """The active silence over ``alert``'s rule (for its scope or all scopes) that lasts longest, if any."""
    active = [s for s in silences if s.rule_id == alert.rule_id and s.scope_key in (None, alert.scope_key)
              and s.starts_at <= now < s.until]
    return max(active, key=lambda s: s.until, default=None)


class AlertsModel(ColumnTableModel):
    """Alerts of one filter (``FILTERS``), newest first; ``set_alerts`` gives all of them."""

    COLUMNS = ("severity", "what", "where", "since", "occurrences", "latest", "state", "incident")
    HEADERS = {
        "severity": ("ระดับ", "Severity"),
        "what": ("เรื่อง", "What"),
        "where": ("ที่ไหน", "Where"),
        "since": ("ตั้งแต่", "Since"),
        "occurrences": ("จำนวนครั้ง", "Times"),
        "latest": ("ค่าล่าสุด", "Latest"),
        "state": ("สถานะ", "State"),
        "incident": ("เหตุการณ์", "Incident"),
    }

    def __init__(self, parent: Any = None, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._all: list[AlertView] = []
        self._rows: list[AlertView] = []
        self._silences: list[Silence] = []
        self._filter = "open"
        self._bold = QFont()
        self._bold.setBold(True)

    # --- feeding ---------------------------------------------------------------------------------------------------

    def set_alerts(self, alerts: Sequence[AlertView]) -> None:
        """All alerts (every state); the table shows those of the current filter."""
        self._all = newest_first(alerts)
        self._show()

    def set_silences(self, silences: Sequence[Silence]) -> None:
        self._silences = list(silences)
        self.refresh_times()

    def set_filter(self, name: str) -> None:
        if name not in FILTERS:
            raise ValueError(f"unknown alert filter {name!r}; use one of {FILTERS}")
        if name != self._filter:
            self._filter = name
            self._show()

    def refresh_times(self) -> None:
        """Re-read every cell: ages move on, silences end."""
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.COLUMNS) - 1))

    def _show(self) -> None:
        states = _FILTER_STATES[self._filter]
        rows = [a for a in self._all if a.state in states]
        old_ids = [a.id for a in self._rows]
        new_ids = [a.id for a in rows]
        if new_ids == old_ids:
            self._rows = rows
            self.refresh_times()
        elif set(new_ids) == set(old_ids):
            # Same alerts, new order (a newer occurrence): the selection and the current row follow their alert.
            self.layoutAboutToBeChanged.emit()
            new_row = {alert_id: row for row, alert_id in enumerate(new_ids)}
            moved = self.persistentIndexList()
            self.changePersistentIndexList(moved, [self.index(new_row[old_ids[i.row()]], i.column()) for i in moved])
            self._rows = rows
            self.layoutChanged.emit()
        else:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()

    # --- reading ---------------------------------------------------------------------------------------------------

    @property
    def filter(self) -> str:
        return self._filter

    def alerts(self) -> list[AlertView]:
        """Every alert given (all states), newest first."""
        return list(self._all)

    def alert(self, alert_id: int) -> AlertView | None:
        return next((a for a in self._all if a.id == alert_id), None)

    def alert_at(self, row: int) -> AlertView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_id(self, alert_id: int) -> int:
        return next((row for row, a in enumerate(self._rows) if a.id == alert_id), -1)

    def count(self, name: str) -> int:
        """How many alerts filter ``name`` holds."""
        return sum(1 for a in self._all if a.state in _FILTER_STATES[name])

    def open_critical(self) -> int:
        """Critical alerts not cleared yet (acknowledged or not)."""
        return sum(1 for a in self._all if a.state != "cleared" and a.severity == "critical")

    def silences(self) -> list[Silence]:
        return list(self._silences)

    def silenced(self, alert: AlertView) -> tuple[datetime | None, Silence | None]:
        """Until when ``alert`` is silenced (None: it is not) and the silence that says why, when known."""
        now = self._clock()
        silence = matching_silence(alert, self._silences, now)
        ends = [u for u in (alert.silenced_until, silence.until if silence else None) if u is not None and u > now]
        return (max(ends) if ends else None), silence

    def row_total(self) -> int:
        return len(self._rows)

    # --- Qt model API ----------------------------------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        alert = self.alert_at(index.row()) if index.isValid() else None
        if alert is None:
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(alert, column)
        if role == ID_ROLE:
            return alert.id
        if role == ALERT_ROLE:
            return alert
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return self._paint(alert, column, background=role == Qt.ItemDataRole.BackgroundRole)
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if alert.state == "open" and self.silenced(alert)[0] is None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(self._tooltip(alert, column))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("occurrences", "incident"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, alert: AlertView, column: str) -> str:
        now = self._clock()
        if column == "severity":
            return severity_label(alert.severity)
        if column == "what":
            return rule_name(alert)
        if column == "where":
            return scope_name(alert)
        if column == "since":
            return since_text(alert, now)
        if column == "occurrences":
            return f"×{alert.occurrences:,}"
        if column == "latest":
            return message(alert)
        if column == "state":
            until, silence = self.silenced(alert)
            text = state_text(alert, now)
            return text if until is None else f"{text} · {silenced_text(until, now, silence)}"
        if column == "incident":
            return f"#{alert.incident_ref or alert.incident_id}" if alert.incident_id is not None else ""
        return ""

    def _paint(self, alert: AlertView, column: str, *, background: bool) -> Any:
        dimmed = self.silenced(alert)[0] is not None
        if column == "severity":
            rgb = table_colours.OUT_OF_DATE if dimmed else SEVERITY_RGB.get(alert.severity)
            if rgb is None:
                return None
            if background:
                return table_colours.brush(rgb)
            return table_colours.brush(_DIMMED) if dimmed else table_colours.text_brush_on(rgb)
        if dimmed and not background:
            return table_colours.brush(_DIMMED)
        return None

    def _tooltip(self, alert: AlertView, column: str) -> str:
        lang = current_language()
        if column in ("severity", "state"):
            until, silence = self.silenced(alert)
            lines = [state_text(alert, self._clock())]
            if alert.ack_comment:
                lines.append(t("ความเห็น: ", "comment: ") + alert.ack_comment)
            if until is not None:
                lines.append(silenced_text(until, self._clock(), silence))
            return "\n".join(lines)
        if column == "since":
            return (t("เกิดครั้งแรก ", "first ") + format_datetime(alert.first_at, lang) + "\n"
                    + t("ล่าสุด ", "latest ") + format_datetime(alert.last_at, lang))
        if column == "where" and alert.lat is None:
            return scope_name(alert) + "\n" + t("ไม่มีตำแหน่งบนแผนที่", "no place on the map")
        return self._display(alert, column)  # the whole text, where the column is too narrow for it
