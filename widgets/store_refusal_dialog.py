"""The dialog shown when the store in the data directory belongs to another backend than the one the console is set to
use. It says which, what the store holds, and offers the ways out: export the unsent edits, set the store aside and
start a new one, use it with this backend (only for a store from before binding, whose backend nobody recorded), or
quit and start the console with the right options.

Non-blocking (``open()``): the controller does the work on its workers and answers with :meth:`show_result`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from widgets.i18n import t


class StoreRefusalDialog(QDialog):
    """Why the store was not opened, and what the operator can do about it."""

    sig_export_requested = Signal(str)
    """Write the store's unsent edits to this file."""

    sig_set_aside_requested = Signal()
    """Rename the store (nothing deleted) and start with a new one for this backend."""

    sig_adopt_requested = Signal()
    """The person says the unbound store's data belongs to this backend."""

    sig_quit_requested = Signal()
    """Close the console without opening the store."""

    def __init__(self, parent: QWidget | None, *, stored: str | None, wanted: str, unsent: int, incidents: int,
                 store_path: str, how_to_open_stored: str | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("คลังข้อมูลเป็นของระบบอื่น", "This store belongs to another backend"))
        self.setModal(True)
        self.setMinimumWidth(640)  # the store's path is one long word: room for it on one line
        self.file_dialog: QFileDialog | None = None  # the open save picker, if any (tests answer it)
        self._unsent = unsent
        if stored is None:
            first = t(f"คลังข้อมูลนี้สร้างก่อนที่คลังจะผูกกับระบบ จึงบอกไม่ได้ว่าข้อมูล {incidents} เรื่อง "
                      f"และการแก้ไขที่ยังไม่ได้ส่ง {unsent} รายการ เป็นของ{wanted}หรือไม่",
                      f"This store was written before stores were tied to one backend, so nobody can tell whether "
                      f"its {incidents} incidents and {unsent} unsent edits belong to {wanted}.")
        else:
            first = t(f"คลังข้อมูลนี้เป็นของ{stored} มีเรื่องแจ้ง {incidents} เรื่อง และการแก้ไขที่ยังไม่ได้ส่ง "
                      f"{unsent} รายการ จึงไม่เปิดใช้กับ{wanted} เพื่อไม่ให้ข้อมูลปนกันหรือส่งผิดระบบ",
                      f"This store belongs to {stored}. It holds {incidents} incidents and {unsent} unsent "
                      f"edits, so it is not opened for {wanted}: its edits would reach the wrong server.")
        lines = [first, t(f"ไฟล์: {store_path}", f"File: {store_path}")]
        if how_to_open_stored:
            lines.append(how_to_open_stored)
        self.message = QLabel("\n\n".join(lines), self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # paths and URLs are shown as they are, never as markup
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label = QLabel(self)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result_label.setWordWrap(True)

        self.export_button = QPushButton(t("ส่งออกการแก้ไขที่ยังไม่ได้ส่ง…", "Export unsent edits…"), self)
        self.export_button.setEnabled(unsent > 0)
        self.set_aside_button = QPushButton(t("เก็บคลังนี้ไว้ข้าง ๆ แล้วเริ่มคลังใหม่",
                                              "Set this store aside and start a new one"), self)
        self.adopt_button = QPushButton(t(f"ใช้คลังนี้กับ{wanted}", f"Use it with {wanted}"), self)
        self.adopt_button.setVisible(stored is None)
        self.quit_button = QPushButton(t("ปิดโปรแกรม", "Quit"), self)

        buttons = QHBoxLayout()
        for button in (self.export_button, self.set_aside_button, self.adopt_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)

        self.export_button.clicked.connect(self._pick_export_file)
        self.set_aside_button.clicked.connect(self.sig_set_aside_requested)
        self.adopt_button.clicked.connect(self.sig_adopt_requested)
        self.quit_button.clicked.connect(self.sig_quit_requested)
        self.rejected.connect(self.sig_quit_requested)  # Escape or the window's close button

    def set_busy(self, busy: bool) -> None:
        for button in (self.set_aside_button, self.adopt_button, self.quit_button):
            button.setEnabled(not busy)
        self.export_button.setEnabled(not busy and self._unsent > 0)

    def show_result(self, text: str) -> None:
        """What the last request did (or why it failed)."""
        self.result_label.setText(text)

    def _pick_export_file(self) -> None:
        dialog = QFileDialog(self, t("ส่งออกการแก้ไขที่ยังไม่ได้ส่ง", "Export unsent edits"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("JSON (*.json)")
        dialog.setDefaultSuffix("json")
        dialog.selectFile("unsent-edits.json")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.fileSelected.connect(lambda path: path and self.sig_export_requested.emit(path))
        self.file_dialog = dialog
        dialog.open()
