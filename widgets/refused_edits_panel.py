"""Edits the server refused for good, under the open conflicts: which incident, what change, the server's reason.

A refusal (a validation error, a role that may not do it, a file too large) cannot be retried as it is. The operator
sees it here, opens the incident to act on it (a new intake, a smaller photo, a supervisor's hand), and
acknowledges it. Everything shown is plain text: reasons come from the server and descriptions from citizens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, \
    QVBoxLayout, QWidget

from widgets.display_format import format_datetime
from widgets.i18n import current_language, t

_OUTBOX_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def op_label(op: str) -> str:
    labels = {"create": t("รับเรื่องใหม่", "new incident"), "update": t("การเปลี่ยนแปลง", "change"),
              "comment": t("ความเห็น", "comment"), "attachment": t("ไฟล์แนบ", "attachment"),
              "merge": t("รวมเรื่องซ้ำ", "merge"), "split": t("แยกเรื่องที่รวมไว้", "split"),
              "relate": t("เชื่อมโยงเรื่อง", "relate"), "unrelate": t("ยกเลิกการเชื่อมโยง", "unrelate"),
              "promote": t("ยกเป็นเหตุการณ์ใหญ่", "promote to major incident"),
              "attach": t("ผูกกับเหตุการณ์ใหญ่", "attach to major incident"),
              "detach": t("แยกออกจากเหตุการณ์ใหญ่", "detach from major incident")}
    return labels.get(op, op)


class RefusedEditsPanel(QWidget):
    """The list of refused edits, the selected one's reason, and *Show incident* / *Acknowledge*."""

    sig_show_incident_requested = Signal(int)
    """Open this incident (its local id) in the detail dock."""
    sig_acknowledge_requested = Signal(int)
    """The operator has seen this refusal (the outbox id)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._refused: dict[int, Any] = {}
        self.title = QLabel(self)
        self.list = QListWidget(self)
        self.reason = QLabel(self)
        self.show_button = QPushButton(self)
        self.acknowledge_button = QPushButton(self)

        self.setObjectName("refusedEditsPanel")
        for label in (self.title, self.reason):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setMaximumHeight(110)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.acknowledge_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)

        self.list.currentItemChanged.connect(lambda _cur, _prev: self._show_selected())
        self.show_button.clicked.connect(self._ask_show)
        self.acknowledge_button.clicked.connect(self._ask_acknowledge)
        self.retranslate()

    def set_refused(self, refused: Sequence[Any]) -> None:
        """Show these refused edits (services.store.refusals.RefusedEdit); the selection stays where it can."""
        selected = self.selected_outbox_id()
        self._refused = {r.outbox_id: r for r in refused}
        self.list.blockSignals(True)
        self.list.clear()
        for edit in refused:
            item = QListWidgetItem(self._list_text(edit))
            item.setData(_OUTBOX_ID_ROLE, edit.outbox_id)
            self.list.addItem(item)
        ids = [r.outbox_id for r in refused]
        if ids:
            self.list.setCurrentRow(ids.index(selected) if selected in ids else 0)
        self.list.blockSignals(False)
        self._show_selected()
        self.setVisible(bool(refused))  # nothing refused: the conflicts get the whole dock

    def selected_outbox_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(_OUTBOX_ID_ROLE))

    def retranslate(self) -> None:
        self.show_button.setText(t("เปิดเรื่อง", "Show incident"))
        self.acknowledge_button.setText(t("รับทราบ", "Acknowledge"))
        self.set_refused(list(self._refused.values()))

    @staticmethod
    def _list_text(edit: Any) -> str:
        who = edit.server_id or t(f"ในเครื่อง {edit.incident_id}", f"local {edit.incident_id}")
        when = format_datetime(edit.refused_at, current_language()) if edit.refused_at is not None else ""
        return f"#{who} · {op_label(edit.op)} · {edit.actor or '—'} · {when}"

    def _show_selected(self) -> None:
        edit = self._refused.get(self.selected_outbox_id() or -1)
        self.title.setText(t(f"การแก้ไขที่เซิร์ฟเวอร์ไม่รับ: {len(self._refused)}",
                             f"Edits the server refused: {len(self._refused)}"))
        self.show_button.setEnabled(edit is not None)
        self.acknowledge_button.setEnabled(edit is not None)
        if edit is None:
            self.reason.setText("")
            return
        description = (edit.description or "").strip()
        self.reason.setText(f"{description}\n{t('เหตุผล', 'Reason')}: {edit.reason or '—'}".strip())

    def _ask_show(self) -> None:
        edit = self._refused.get(self.selected_outbox_id() or -1)
        if edit is not None:
            self.sig_show_incident_requested.emit(edit.incident_id)

    def _ask_acknowledge(self) -> None:
        outbox_id = self.selected_outbox_id()
        if outbox_id is not None:
            self.sig_acknowledge_requested.emit(outbox_id)
