"""The incident queue: search box, saved filters, and the million-row table over ``IncidentQueueModel``.

Filtering, sorting and search happen in SQL: the panel only says what the user asked for (``sig_filter_changed``,
``sig_sort_requested``) and the console answers with ``model.set_ids(...)``. The header is clickable for sorting, but
the view never sorts itself (no ``setSortingEnabled``, no proxy model) and rows have a fixed height (no
ResizeToContents): both cost minutes at a million rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets.i18n import t
from widgets.incident_queue_model import ID_ROLE, IncidentQueueModel
from widgets.incident_rows import QueueFilterData

PRESETS = ("open", "mine", "unassigned", "breaching", "all", "closed")
SEARCH_DEBOUNCE_MS = 300


class IncidentQueuePanel(QWidget):
    """Queue table with filters. Give it the model (built by the console with its fetch callback)."""

    sig_filter_changed = Signal(object)
    """The user changed the filter or search text (a ``QueueFilterData``)."""
    sig_sort_requested = Signal(str, bool)
    """The user asked for another order: (column name from ``IncidentQueueModel.COLUMNS``, descending)."""
    sig_incident_selected = Signal(int)
    """The user selected an incident in the table (its local id)."""

    def __init__(self, model: IncidentQueueModel, parent: QWidget | None = None, *, current_user: str = "") -> None:
        super().__init__(parent)
        self.model = model
        self._current_user = current_user
        self._syncing = False  # True while selecting a row on request: that is not a user selection
        self.search = QLineEdit(self)
        self.preset = QComboBox(self)
        self.district = QComboBox(self)
        self.category = QComboBox(self)
        self.count_label = QLabel(self)
        self.table = QTableView(self)
        self._debounce = QTimer(self)

        self.search.setObjectName("incidentSearch")
        self.search.setClearButtonEnabled(True)
        self.preset.setObjectName("incidentPreset")
        self.district.setObjectName("incidentDistrict")
        self.category.setObjectName("incidentCategory")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._setup_table()
        self.set_districts(())
        self.set_categories(())
        self.retranslate()

        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(self.preset, 1)
        top.addWidget(self.district, 1)
        top.addWidget(self.category, 1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.table)

        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._emit_filter_now)
        self._debounce.timeout.connect(self._emit_filter)
        self.preset.currentIndexChanged.connect(self._emit_filter_now)
        self.district.currentIndexChanged.connect(self._emit_filter_now)
        self.category.currentIndexChanged.connect(self._emit_filter_now)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort_indicator)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.model.modelReset.connect(self._update_count)

    def _setup_table(self) -> None:
        view = self.table
        view.setObjectName("incidentQueueTable")
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setSortingEnabled(False)  # sorting is SQL; the header only shows and requests the order
        view.setWordWrap(False)
        vertical = view.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(view.fontMetrics().height() + 8)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(self.model.COLUMNS.index("age"), Qt.SortOrder.DescendingOrder)

    # --- state from the console ------------------------------------------------------------------------------------

    def set_current_user(self, user: str) -> None:
        """Who "mine" means."""
        self._current_user = user
        if self.preset.currentData() == "mine":
            self._emit_filter_now()

    def set_districts(self, districts: Sequence[tuple[str, str]]) -> None:
        """(code, name) pairs for the district filter; the selection is kept when possible, without a signal."""
        self._fill(self.district, districts, t("ทุกอำเภอ", "All districts"))

    def set_categories(self, categories: Sequence[tuple[str, str]]) -> None:
        """(service_code, service_name) pairs for the category filter."""
        self._fill(self.category, categories, t("ทุกประเภท", "All categories"))

    def _fill(self, combo: QComboBox, items: Sequence[tuple[str, str]], all_text: str) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(all_text, None)
        for code, name in items:
            combo.addItem(name or code, code)
        index = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def select_incident(self, incident_id: int) -> bool:
        """Select and show the row of ``incident_id`` (e.g. picked on the map) without emitting a selection.

        Returns False when the incident is not in the current queue (filtered out)."""
        row = self.model.row_of_id(incident_id)
        if row < 0:
            return False
        index = self.model.index(row, 0)
        self._syncing = True
        try:
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            self._syncing = False
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def selected_id(self) -> int | None:
        index = self.table.selectionModel().currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def current_filter(self) -> QueueFilterData:
        """The filter the controls describe."""
        preset = self.preset.currentData()
        status: frozenset[str] | None = frozenset({"open"})
        if preset == "all":
            status = None
        elif preset == "closed":
            status = frozenset({"closed"})
        text = self.search.text().strip()
        return QueueFilterData(
            status=status,
            assignee=(self._current_user or None) if preset == "mine" else None,
            unassigned=preset == "unassigned",
            breaching=preset == "breaching",
            district=self.district.currentData(),
            category=self.category.currentData(),
            text=text or None,
        )

    def retranslate(self) -> None:
        self.search.setPlaceholderText(t("ค้นหา (ไทย/อังกฤษ): รายละเอียด สถานที่ ผู้แจ้ง เลขที่",
                                         "Search (Thai/English): description, place, reporter, id"))
        labels = {
            "open": t("เรื่องที่เปิดอยู่", "Open"),
            "mine": t("ของฉัน", "Mine"),
            "unassigned": t("ยังไม่มอบหมาย", "Unassigned"),
            "breaching": t("เกิน SLA", "Breaching SLA"),
            "all": t("ทั้งหมด", "All"),
            "closed": t("ปิดแล้ว", "Closed"),
        }
        current = self.preset.currentData() or "open"
        self.preset.blockSignals(True)
        self.preset.clear()
        for key in PRESETS:
            self.preset.addItem(labels[key], key)
        self.preset.setCurrentIndex(PRESETS.index(current))
        self.preset.blockSignals(False)
        self.district.setItemText(0, t("ทุกอำเภอ", "All districts"))
        self.category.setItemText(0, t("ทุกประเภท", "All categories"))
        self.model.retranslate()
        self._update_count()

    # --- reactions -------------------------------------------------------------------------------------------------

    def _emit_filter_now(self) -> None:
        self._debounce.stop()
        self._emit_filter()

    def _emit_filter(self) -> None:
        self.sig_filter_changed.emit(self.current_filter())

    def _on_sort_indicator(self, section: int, order: Qt.SortOrder) -> None:
        if 0 <= section < len(self.model.COLUMNS):
            self.sig_sort_requested.emit(self.model.COLUMNS[section], order == Qt.SortOrder.DescendingOrder)

    def _on_current_row(self, current: Any, _previous: Any) -> None:
        if self._syncing or not current.isValid():
            return
        incident_id = current.data(ID_ROLE)
        if incident_id is not None:
            self.sig_incident_selected.emit(int(incident_id))

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(t(f"{n:,} เรื่อง", f"{n:,} incidents"))
