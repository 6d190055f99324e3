"""Closing a major incident that still has open children: close them with it, leave them open, or cancel.

Non-blocking, as the intake dialog is: the console opens it when the workflow rules refuse the close for want of a
choice, and sends the action again with the choice (``sig_choice_made``); Cancel sends nothing. Texts are ours,
with the incident numbers; nothing from data is read as rich text.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from widgets.i18n import t
from widgets.incident_rows import action_label


_PAST = {"resolve": "resolved", "close": "closed", "cancel": "cancelled"}


class CloseParentDialog(QDialog):
    """Asks what happens to a major incident's open children when it is closed (resolve, close or cancel)."""

    sig_choice_made = Signal(str)
    """The operator chose: "close" (the children close with it) or "leave" (they stay open)."""

    def __init__(self, incident: str, action: str, open_children: Sequence[str], parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setObjectName("closeParentDialog")
        self.setModal(False)
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.close_button = QPushButton(self)
        self.leave_button = QPushButton(self)
        self.cancel_button = QPushButton(self)
        self.close_button.setObjectName("closeChildren")
        self.leave_button.setObjectName("leaveChildren")
        self.cancel_button.setObjectName("cancelClose")

        names = ", ".join(f"#{c}" for c in open_children[:12]) + (" …" if len(open_children) > 12 else "")
        what = action_label(action)
        self.setWindowTitle(t("เหตุการณ์ใหญ่ยังมีเรื่องย่อยที่เปิดอยู่", "The major incident has open children"))
        self.message.setText(t(
            f"#{incident} เป็นเหตุการณ์ใหญ่ ยังมีเรื่องย่อยที่เปิดอยู่ {len(open_children)} เรื่อง ({names})\n"
            f"เมื่อ{what} จะให้เรื่องย่อยเหล่านี้ทำอย่างไร",
            f"#{incident} is a major incident with {len(open_children)} open child incident(s) ({names}).\n"
            f"What happens to them when it is {_PAST.get(action, action)}?"))
        self.close_button.setText(t("ปิดเรื่องย่อยไปพร้อมกัน", "Close them with it"))
        self.leave_button.setText(t("ให้เรื่องย่อยเปิดต่อไป", "Leave them open"))
        self.cancel_button.setText(t("ยกเลิก", "Cancel"))

        buttons = QHBoxLayout()
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.leave_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.close_button.clicked.connect(lambda: self._choose("close"))
        self.leave_button.clicked.connect(lambda: self._choose("leave"))
        self.cancel_button.clicked.connect(self.reject)

    def _choose(self, choice: str) -> None:
        self.sig_choice_made.emit(choice)
        self.accept()
