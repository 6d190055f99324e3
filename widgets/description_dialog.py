"""Correcting an incident's description: the reported text in an editor, saved only when it changed.

Non-blocking, like the other incident dialogs: the detail panel opens it and turns a save into the workflow action
"describe" (the old text stays on the timeline). Save is enabled only for a changed, non-empty text within the
backend's limit; the count shows how close the text is to it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from services.workflow import DESCRIPTION_MAX
from widgets.i18n import t


class DescriptionDialog(QDialog):
    """The description of incident ``name`` in an editor; ``sig_saved(text)`` when the operator saves a change."""

    sig_saved = Signal(str)

    def __init__(self, name: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("descriptionDialog")
        self.setModal(False)
        self._original = text.strip()
        self.editor = QPlainTextEdit(self)
        self.editor.setPlainText(text)
        self.count = QLabel(self)
        self.save_button = QPushButton(self)
        self.discard_button = QPushButton(self)
        self.save_button.setObjectName("saveDescription")
        self.discard_button.setObjectName("discardDescription")
        self.setWindowTitle(t(f"แก้ไขรายละเอียด #{name}", f"Edit description of #{name}"))
        self.save_button.setText(t("บันทึกรายละเอียด", "Save description"))
        self.discard_button.setText(t("ไม่บันทึก", "Don't save"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.discard_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 1)
        layout.addLayout(buttons)
        self.resize(520, 260)
        self.editor.textChanged.connect(self._validate)
        self.save_button.clicked.connect(self._save)
        self.discard_button.clicked.connect(self.reject)
        self._validate()

    def _validate(self) -> None:
        text = self.editor.toPlainText().strip()
        self.count.setText(f"{len(text):,} / {DESCRIPTION_MAX:,}")
        self.save_button.setEnabled(bool(text) and len(text) <= DESCRIPTION_MAX and text != self._original)

    def _save(self) -> None:
        if self.save_button.isEnabled():
            self.sig_saved.emit(self.editor.toPlainText().strip())
            self.accept()
