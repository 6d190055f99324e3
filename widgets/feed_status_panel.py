"""Dock content: the feed status table, a summary line in the worst feed's colour, and a "sync now" button."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets import table_colours
from widgets.feed_status_model import FeedStatusModel, summary
from widgets.i18n import t
from widgets.table_rows import FeedStatusRow


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
        self.summary_condition = "none"  # ok | warning | problem | none: the colour the summary is shown in

        self.table.setModel(self.model)
        self.table.setObjectName("feedStatusTable")
        self.summary.setObjectName("feedStatusSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # What matters first on the left (feed, status in its longest words in either language, the error's reason,
        # the age); the counts and the source follow, scrolled to in a narrow dock.
        header.setStretchLastSection(True)
        metrics = self.table.fontMetrics()
        status = max(metrics.horizontalAdvance(text) for text in ("✖ ดึงข้อมูลไม่สำเร็จ · ข้อมูลเก่า ⟳",
                                                                  "✖ failing · no data yet ⟳"))
        widths = {"feed": 150, "status": status + 16, "last_error": 320, "age": 120, "last_success": 140, "records": 95,
                  "rejected": 60, "source": 120}
        for name, width in widths.items():
            self.table.setColumnWidth(self.model.COLUMNS.index(name), width)

        top = QHBoxLayout()
        top.addWidget(self.summary)
        top.addStretch(1)
        top.addWidget(self.sync_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)

        self.sync_button.clicked.connect(self.sig_sync_requested)
        self.retranslate()

    def set_rows(self, rows: Sequence[FeedStatusRow]) -> None:
        """Every feed's state: the table, and the summary in words and in the worst feed's colour."""
        self.model.set_rows(rows)
        text, self.summary_condition = summary(rows)
        self.summary.setText(text)
        background = table_colours.FEED[self.summary_condition]
        r, g, b = background
        fr, fg, fb = table_colours.text_on(background)
        self.summary.setStyleSheet(f"QLabel#feedStatusSummary {{ background: rgb({r}, {g}, {b}); "
                                   f"color: rgb({fr}, {fg}, {fb}); padding: 2px 8px; border-radius: 3px; }}")

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def retranslate(self) -> None:
        self.sync_button.setText(t("ซิงก์ตอนนี้", "Sync now"))
        self.model.retranslate()
        if self.model.rows():
            self.set_rows(self.model.rows())
