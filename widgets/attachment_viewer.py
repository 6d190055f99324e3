"""A window showing one attachment full size (photos), or saying it is not an image."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from widgets.i18n import t


class AttachmentViewer(QDialog):
    """Non-modal; the image scrolls when larger than the screen allows."""

    def __init__(self, title: str, data: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.image = QLabel(self)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setTextFormat(Qt.TextFormat.PlainText)
        pixmap = QPixmap()
        if pixmap.loadFromData(data):
            self.image.setPixmap(pixmap)
        else:
            self.image.setText(t("ไฟล์นี้ไม่ใช่รูปภาพ", "This file is not an image"))
        scroll = QScrollArea(self)
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        self.resize(min(pixmap.width() + 40, 1200) if not pixmap.isNull() else 360,
                    min(pixmap.height() + 40, 900) if not pixmap.isNull() else 160)
