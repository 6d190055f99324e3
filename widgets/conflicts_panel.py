"""The Conflicts panel: every open conflict (an edit the server refused and the merge could not settle) and, for the
selected one, its fields side by side — base (before the edit), mine, theirs (the server's) — with the three
decisions. The panel only asks (``sig_*_requested``); the console stores the decision and sends a fresh list.

Conflicts arrive as plain objects with ``outbox_id``, ``incident_id``, ``server_id``, ``reason``, ``created_at``,
``description`` and ``fields`` (each with ``field``, ``base``, ``mine``, ``theirs`` and ``reason``: None when that
field merges cleanly). Everything is shown as plain text: values come from other people and other systems.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets.display_format import format_datetime, plain_tooltip
from widgets.empty_state import EmptyState
from widgets.i18n import current_language, t
from widgets.incident_rows import state_label

FIELD_COLUMN, BASE_COLUMN, MINE_COLUMN, THEIRS_COLUMN = range(4)
_FIELD_LABELS = {
    "workflow_state": ("สถานะ", "State"),
    "priority": ("ความเร่งด่วน", "Priority"),
    "assignee": ("ผู้รับผิดชอบ", "Assignee"),
    "description": ("รายละเอียด", "Description"),
}
_OUTBOX_ID_ROLE = Qt.ItemDataRole.UserRole
_FIELD_ROLE = Qt.ItemDataRole.UserRole + 1


def field_label(name: str) -> str:
    """A field name in the current language (unknown names as they are)."""
    pair = _FIELD_LABELS.get(name)
    return t(*pair) if pair else name


def value_text(name: str, value: Any) -> str:
    """A field value as shown: "—" for nothing, states by their label."""
    if value is None or value == "":
        return "—"
    if name == "workflow_state":
        return state_label(str(value))
    return str(value)


class ConflictsPanel(QWidget):
    """List of open conflicts, the side-by-side table of the selected one, and keep mine / keep theirs / edit."""

    sig_keep_mine_requested = Signal(int)
    """Send my change as it is (the outbox id)."""
    sig_keep_theirs_requested = Signal(int)
    """Drop my change and keep the server's values (the outbox id)."""
    sig_edit_requested = Signal(int, dict)
    """Send these values for the conflicting fields (the outbox id, field -> value; None for an emptied value)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._conflicts: dict[int, Any] = {}
        self._editing = False
        self.title = QLabel(self)
        self.list = QListWidget(self)
        self.reason = QLabel(self)
        self.table = QTableWidget(0, 4, self)
        self.keep_mine_button = QPushButton(self)
        self.keep_theirs_button = QPushButton(self)
        self.edit_button = QPushButton(self)
        self.send_edit_button = QPushButton(self)

        self.setObjectName("conflictsPanel")
        for label in (self.title, self.reason):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.send_edit_button.setVisible(False)
        self.list_empty = EmptyState(self.list, lambda: t(
            "ไม่มีข้อมูลขัดแย้ง: การแก้ไขทุกรายการตรงกับเซิร์ฟเวอร์ ไม่ต้องทำอะไร",
            "No conflicts: every edit agrees with the server, nothing to decide"))
        self.table_empty = EmptyState(self.table, lambda: t(
            "เลือกรายการทางซ้ายเพื่อเทียบค่าก่อนแก้ ของฉัน และบนเซิร์ฟเวอร์" if self._conflicts else
            "เมื่อการแก้ไขขัดแย้งกับเซิร์ฟเวอร์ ค่าทั้งสามฝั่งจะแสดงที่นี่ให้เลือก",
            "Pick a conflict on the left to compare base, mine and theirs" if self._conflicts else
            "When an edit conflicts with the server, base, mine and theirs show here to choose from"))

        buttons = QHBoxLayout()
        for button in (self.keep_mine_button, self.keep_theirs_button, self.edit_button, self.send_edit_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        detail = QVBoxLayout()
        detail.addWidget(self.reason)
        detail.addWidget(self.table, 1)
        detail.addLayout(buttons)
        body = QHBoxLayout()
        body.addWidget(self.list, 1)
        body.addLayout(detail, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(body, 1)

        self.list.currentItemChanged.connect(lambda _cur, _prev: self._show_selected())
        self.keep_mine_button.clicked.connect(lambda: self._ask(self.sig_keep_mine_requested))
        self.keep_theirs_button.clicked.connect(lambda: self._ask(self.sig_keep_theirs_requested))
        self.edit_button.clicked.connect(self._start_edit)
        self.send_edit_button.clicked.connect(self._send_edit)
        self.retranslate()

    # --- state in ------------------------------------------------------------------------------------------

    def set_conflicts(self, conflicts: Sequence[Any]) -> None:
        """Show these open conflicts; the selection stays on the same one while it is still open."""
        selected = self.selected_outbox_id()
        self._conflicts = {c.outbox_id: c for c in conflicts}
        self.list.blockSignals(True)  # rebuilding the list is not the user choosing another conflict
        self.list.clear()
        for conflict in conflicts:
            item = QListWidgetItem(self._list_text(conflict))
            item.setData(_OUTBOX_ID_ROLE, conflict.outbox_id)
            self.list.addItem(item)
        rows = [c.outbox_id for c in conflicts]
        if rows:
            self.list.setCurrentRow(rows.index(selected) if selected in rows else 0)
        self.list.blockSignals(False)
        self._show_selected()

    def selected_outbox_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(_OUTBOX_ID_ROLE))

    def retranslate(self) -> None:
        self.keep_mine_button.setText(t("ใช้ค่าของฉัน", "Keep mine"))
        self.keep_theirs_button.setText(t("ใช้ค่าจากเซิร์ฟเวอร์", "Keep theirs"))
        self.edit_button.setText(t("แก้ไขค่า…", "Edit…"))
        self.send_edit_button.setText(t("ส่งค่าที่แก้ไข", "Send edited values"))
        self.table.setHorizontalHeaderLabels([t("ข้อมูล", "Field"), t("ก่อนแก้ไข", "Base"),
                                              t("ของฉัน", "Mine"), t("บนเซิร์ฟเวอร์", "Theirs")])
        self.list_empty.refresh()
        conflicts = list(self._conflicts.values())
        self.set_conflicts(conflicts)

    # --- rendering -----------------------------------------------------------------------------------------

    @staticmethod
    def _list_text(conflict: Any) -> str:
        who = conflict.server_id or t(f"ในเครื่อง {conflict.incident_id}", f"local {conflict.incident_id}")
        names = ", ".join(field_label(f.field) for f in conflict.fields if f.reason is not None)
        when = format_datetime(conflict.created_at, current_language()) if conflict.created_at is not None else ""
        return f"#{who} · {names or '—'} · {when}"

    def _show_selected(self) -> None:
        self._editing = False
        self.send_edit_button.setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        conflict = self._conflicts.get(self.selected_outbox_id() or -1)
        count = len(self._conflicts)
        self.title.setText(t(f"ข้อมูลขัดแย้งที่รอการตัดสินใจ: {count}", f"Open conflicts: {count}"))
        for button in (self.keep_mine_button, self.keep_theirs_button, self.edit_button):
            button.setEnabled(conflict is not None)
        self.table.setRowCount(0)
        self.table_empty.refresh()  # its words depend on whether there are conflicts at all
        if conflict is None:
            self.reason.setText(t("ไม่มีข้อมูลขัดแย้ง", "No conflicts"))
            return
        description = (conflict.description or "").strip()
        self.reason.setText(f"{description}\n{t('สาเหตุ', 'Reason')}: {conflict.reason or '—'}".strip())
        self.table.setRowCount(len(conflict.fields))
        for row, item in enumerate(conflict.fields):
            label = ("≠ " if item.reason is not None else "= ") + field_label(item.field)
            cells = (label, value_text(item.field, item.base), value_text(item.field, item.mine),
                     value_text(item.field, item.theirs))
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                cell.setData(_FIELD_ROLE, item.field)
                if item.reason is not None:
                    font = cell.font()
                    font.setBold(True)
                    cell.setFont(font)
                    cell.setToolTip(plain_tooltip(item.reason))
                self.table.setItem(row, column, cell)

    # --- asking --------------------------------------------------------------------------------------------

    def _ask(self, signal: Any) -> None:
        outbox_id = self.selected_outbox_id()
        if outbox_id is not None:
            signal.emit(outbox_id)

    def _start_edit(self) -> None:
        """Open my values of the conflicting fields for editing (raw values, so states are typed as codes)."""
        conflict = self._conflicts.get(self.selected_outbox_id() or -1)
        if conflict is None:
            return
        self._editing = True
        for row, item in enumerate(conflict.fields):
            if item.reason is None:
                continue
            cell = self.table.item(row, MINE_COLUMN)
            cell.setText("" if item.mine is None else str(item.mine))
            cell.setFlags(cell.flags() | Qt.ItemFlag.ItemIsEditable)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.send_edit_button.setVisible(True)

    def edited_values(self) -> dict[str, Any]:
        """The values typed for the conflicting fields (an emptied value is None)."""
        values: dict[str, Any] = {}
        for row in range(self.table.rowCount()):
            cell = self.table.item(row, MINE_COLUMN)
            if cell is not None and cell.flags() & Qt.ItemFlag.ItemIsEditable:
                text = cell.text().strip()
                values[str(cell.data(_FIELD_ROLE))] = text or None
        return values

    def _send_edit(self) -> None:
        outbox_id = self.selected_outbox_id()
        if outbox_id is None or not self._editing:
            return
        values = self.edited_values()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sig_edit_requested.emit(outbox_id, values)
