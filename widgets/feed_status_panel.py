"""Dock content: the feed status table and a "sync now" button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from widgets.feed_status_model import FeedStatusModel
from widgets.i18n import t


class FeedStatusPanel(QWidget):
    """Shows every feed's freshness; asks for an immediate sync."""

    sig_sync_requested = Signal()
    """The operator asked to poll every feed now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FeedStatusModel(self)
        self.table = QTableView(self)
        self.summary = QLabel(self)
        self.sync_button = QPushButton(self)

        self.table.setModel(self.model)
        self.table.setObjectName("feedStatusTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((170, 120, 110, 150, 130, 110, 70)):
            self.table.setColumnWidth(column, width)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.sync_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)

        self.sync_button.clicked.connect(self.sig_sync_requested)
        self.retranslate()

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def retranslate(self) -> None:
        self.sync_button.setText(t("ซิงก์ตอนนี้", "Sync now"))
        self.model.retranslate()
