"""The incident queue: search box, saved filters, and the million-row table over ``IncidentQueueModel``.

Filtering, sorting and search happen in SQL: the panel only says what the user asked for (``sig_filter_changed``,
``sig_sort_requested``) and the console answers with ``model.set_ids(...)``. The header is clickable for sorting, but
the view never sorts itself (no ``setSortingEnabled``, no proxy model) and rows have a fixed height (no
ResizeToContents): both cost minutes at a million rows.

The map's area filter shows here too: a line naming the area in effect with a button to clear it, and the *Areas*
menu (also under *Map*) to pick a saved area, save the one in effect under a name, rename or delete it. The panel
only asks (``sig_area_*_requested``); the console changes the areas and tells the panel and the map what is in
effect (``set_area``, ``set_saved_areas``), so both always show the same filter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets.empty_state import EmptyState
from widgets.i18n import t
from widgets.incident_queue_model import ID_ROLE, IncidentQueueModel
from widgets.incident_rows import QueueFilterData

PRESETS = ("open", "p1", "mine", "unassigned", "breaching", "all", "closed")
SEARCH_DEBOUNCE_MS = 300
TRIAGE_SORT = "triage"  # services.store.incident_queue.TRIAGE: breached first, then priority, then oldest


class IncidentQueuePanel(QWidget):
    """Queue table with filters. Give it the model (built by the console with its fetch callback)."""

    sig_filter_changed = Signal(object)
    """The user changed the filter or search text (a ``QueueFilterData``)."""
    sig_sort_requested = Signal(str, bool)
    """The user asked for another order: (column name from ``IncidentQueueModel.COLUMNS``, descending)."""
    sig_incident_selected = Signal(int)
    """The user selected an incident in the table (its local id)."""
    sig_area_clear_requested = Signal()
    """The user asked to clear the area filter (on the map and in the queue)."""
    sig_area_apply_requested = Signal(str)
    """The user picked a saved area (its name) to filter by."""
    sig_area_save_requested = Signal(str)
    """The user asked to keep the area in effect under a name."""
    sig_area_rename_requested = Signal(str, str)
    """The user asked to rename a saved area: (its name, the new name)."""
    sig_area_delete_requested = Signal(str)
    """The user asked to forget a saved area (its name)."""

    def __init__(self, model: IncidentQueueModel, parent: QWidget | None = None, *, current_user: str = "") -> None:
        super().__init__(parent)
        self.model = model
        self._current_user = current_user
        self._syncing = False  # True while selecting a row on request: that is not a user selection
        self._area: tuple[tuple[float, float], ...] | None = None  # the map's area filter, as the console says
        self._area_name: str | None = None
        self._saved_areas: list[str] = []
        self.search = QLineEdit(self)
        self.preset = QComboBox(self)
        self.district = QComboBox(self)
        self.category = QComboBox(self)
        self.count_label = QLabel(self)
        self.triage_button = QToolButton(self)  # the triage order (the default); a header click sorts by a column
        self._districts: list[tuple[str, str, str]] = []  # (code, Thai, English)
        self.areas_menu = QMenu(self)  # also under the window's Map menu
        self.area_button = QToolButton(self)
        self.area_label = QLabel(self)
        self.area_clear = QToolButton(self)
        self.table = QTableView(self)
        self._debounce = QTimer(self)

        self.search.setObjectName("incidentSearch")
        self.search.setClearButtonEnabled(True)
        self.preset.setObjectName("incidentPreset")
        self.district.setObjectName("incidentDistrict")
        self.category.setObjectName("incidentCategory")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setObjectName("incidentCount")
        self.triage_button.setObjectName("incidentTriageOrder")
        self.triage_button.setCheckable(True)
        self.triage_button.setChecked(True)
        self.search.setMinimumWidth(120)
        for combo in (self.preset, self.district, self.category):  # they elide rather than push the count off
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.areas_menu.setObjectName("incidentAreasMenu")
        self.area_button.setObjectName("incidentAreas")
        self.area_button.setMenu(self.areas_menu)
        self.area_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.area_label.setObjectName("incidentAreaLabel")
        self.area_label.setTextFormat(Qt.TextFormat.PlainText)  # an area's name is the operator's text
        self.area_clear.setObjectName("incidentAreaClear")
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._setup_table()
        self.empty_state = EmptyState(self.table, self._empty_text)  # an empty queue says why and what to do
        self.set_districts(())
        self.set_categories(())
        self.retranslate()

        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(self.preset, 1)
        top.addWidget(self.district, 1)
        top.addWidget(self.category, 1)
        top.addWidget(self.area_button)
        top.addWidget(self.triage_button)
        top.addWidget(self.count_label)
        area_row = QHBoxLayout()
        area_row.addWidget(self.area_label, 1)
        area_row.addWidget(self.area_clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addLayout(area_row)
        layout.addWidget(self.table)

        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._emit_filter_now)
        self._debounce.timeout.connect(self._emit_filter)
        self.preset.currentIndexChanged.connect(self._emit_filter_now)
        self.district.currentIndexChanged.connect(self._emit_filter_now)
        self.category.currentIndexChanged.connect(self._emit_filter_now)
        self.area_clear.clicked.connect(self.sig_area_clear_requested)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort_indicator)
        self.triage_button.clicked.connect(self._on_triage_clicked)
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
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the triage order: no column's
        self._size_columns()

    def _size_columns(self) -> None:
        """Widths that fit what the columns hold (SLA text, Thai district and state names, glyphs) in this font, so
        nothing is clipped at 1366x768; the last column takes what is left."""
        metrics = self.table.fontMetrics()
        # The widest each column holds, in either language (the widths stay when the language switches).
        samples = {"id": ("00000 ★9 ✎",), "priority": ("▲ P1",), "status": ("ถึงที่เกิดเหตุ", "acknowledged"),
                   "district": ("เมืองเชียงใหม่", "Mueang Chiang Mai"), "age": ("23 ชม. 59 นาที", "23 h 59 min"),
                   "sla": ("⚠ เกิน 23 ชม. 59 นาที", "⚠ over by 23 h 59 min"), "category": ("ไฟป่า/หมอกควัน",),
                   "assignee": ("operator",)}
        header_metrics = self.table.horizontalHeader().fontMetrics()
        for column, texts in samples.items():
            index = self.model.COLUMNS.index(column)
            title = str(self.model.headerData(index, Qt.Orientation.Horizontal) or "")
            width = max(max(metrics.horizontalAdvance(text) for text in texts),
                        header_metrics.horizontalAdvance(title) + 14) + 14
            self.table.setColumnWidth(index, width)

    # --- state from the console ------------------------------------------------------------------------------------

    def set_current_user(self, user: str) -> None:
        """Who "mine" means."""
        self._current_user = user
        if self.preset.currentData() == "mine":
            self._emit_filter_now()

    def set_districts(self, districts: Sequence[tuple[str, str] | tuple[str, str, str]]) -> None:
        """(code, Thai name, English name) for the district filter and the queue's district column ((code, name)
        pairs also do); the selection is kept when possible, without a signal."""
        self._districts = [(d[0], d[1], d[-1]) for d in districts]
        self.model.set_district_names({code: (th, en) for code, th, en in self._districts})
        self._fill(self.district, [(code, t(th, en)) for code, th, en in self._districts],
                   t("ทุกอำเภอ", "All districts"))

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

    def show_preset(self, preset: str) -> None:
        """Show one preset alone (the situation strip's "open P1", "breaching"): search, district and category are
        cleared and the filter is emitted once. The map's area filter stays: the console owns it."""
        for combo, index in ((self.preset, max(self.preset.findData(preset), 0)), (self.district, 0),
                             (self.category, 0)):
            combo.blockSignals(True)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._emit_filter_now()

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
            priorities=frozenset({"P1"}) if preset == "p1" else None,
            district=self.district.currentData(),
            category=self.category.currentData(),
            text=text or None,
            area=self._area,
        )

    def retranslate(self) -> None:
        self.search.setPlaceholderText(t("ค้นหา (ไทย/อังกฤษ): รายละเอียด สถานที่ ผู้แจ้ง เลขที่",
                                         "Search (Thai/English): description, place, reporter, id"))
        labels = {
            "open": t("เรื่องที่เปิดอยู่", "Open"),
            "p1": t("P1 ที่เปิดอยู่", "Open P1"),
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
        self.set_districts(self._districts)  # the names in the new language
        self.triage_button.setText(t("เรียงตามความเร่งด่วน", "Triage order"))
        self.triage_button.setToolTip(t("เกิน SLA ก่อน แล้วตามความเร่งด่วน แล้วเรื่องที่เก่าที่สุด "
                                        "(คลิกหัวคอลัมน์เพื่อเรียงตามคอลัมน์นั้น)",
                                        "Past the SLA first, then by priority, then the oldest "
                                        "(click a column header to sort by that column)"))
        self.category.setItemText(0, t("ทุกประเภท", "All categories"))
        self.area_button.setText(t("พื้นที่", "Areas"))
        self.area_button.setToolTip(t("ตัวกรองพื้นที่ที่บันทึกไว้ (วาดพื้นที่ใหม่บนแผนที่)",
                                      "Saved area filters (draw a new area on the map)"))
        self.areas_menu.setTitle(t("พื้นที่กรองเหตุการณ์", "Incident &areas"))
        self.area_clear.setText(t("✕ ล้างพื้นที่", "✕ Clear area"))
        self._show_area()
        self.model.retranslate()
        self._update_count()

    # --- the area filter (the console says what is in effect) -------------------------------------------------------

    @property
    def area_name(self) -> str | None:
        """The saved name of the area in effect (None: none, or drawn and not saved)."""
        return self._area_name

    def set_area(self, polygon: Sequence[Sequence[float]] | None, name: str | None) -> None:
        """The area filter in effect (a ring of (lon, lat) points, or None) and its saved name. A new polygon changes
        the queue's filter: ``sig_filter_changed`` follows, as for any other filter change."""
        area = tuple((float(p[0]), float(p[1])) for p in polygon) if polygon else None
        changed = area != self._area
        self._area, self._area_name = area, name if area else None
        self._show_area()
        if changed:
            self._emit_filter_now()

    def set_saved_areas(self, names: Sequence[str]) -> None:
        """The names of the saved areas, for the Areas menu."""
        self._saved_areas = list(names)
        self._fill_areas_menu()

    def ask_save_area(self) -> QInputDialog:
        """Ask for a name to keep the area in effect under (then ``sig_area_save_requested``)."""
        return self._ask_name(t("บันทึกพื้นที่", "Save area"), t("ชื่อพื้นที่:", "Name of the area:"),
                              self._area_name or "", self.sig_area_save_requested.emit)

    def ask_rename_area(self) -> QInputDialog | None:
        """Ask for a new name for the saved area in effect (then ``sig_area_rename_requested``)."""
        old = self._area_name
        if old is None:
            return None
        return self._ask_name(t("เปลี่ยนชื่อพื้นที่", "Rename area"), t(f"ชื่อใหม่ของ “{old}”:", f"New name for “{old}”:"),
                              old, lambda new: self.sig_area_rename_requested.emit(old, new))

    def _ask_name(self, title: str, label: str, initial: str, done: Callable[[str], None]) -> QInputDialog:
        # open(), not exec(): the console keeps running (and tests can answer) while the operator types
        dialog = QInputDialog(self)
        dialog.setObjectName("areaNameDialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(initial)
        dialog.textValueSelected.connect(lambda text: done(text) if text.strip() else None)
        dialog.open()
        return dialog

    def _show_area(self) -> None:
        on = self._area is not None
        if self._area_name is not None:
            text = t(f"กรองตามพื้นที่: {self._area_name}", f"Area filter: {self._area_name}")
        else:
            text = t("กรองตามพื้นที่ที่วาดบนแผนที่ (ยังไม่ได้บันทึก)", "Area filter: drawn on the map (not saved)")
        self.area_label.setText(text if on else "")
        self.area_label.setVisible(on)
        self.area_clear.setVisible(on)
        self._fill_areas_menu()

    def _fill_areas_menu(self) -> None:
        menu = self.areas_menu
        menu.clear()
        current = (self._area_name or "").casefold()
        for name in self._saved_areas:
            action = menu.addAction(name.replace("&", "&&"))  # plain text; "&" is a mnemonic in a menu
            action.setObjectName("areaApply")
            action.setData(name)
            action.setCheckable(True)
            action.setChecked(self._area is not None and name.casefold() == current)
            action.triggered.connect(lambda _=False, n=name: self.sig_area_apply_requested.emit(n))
        if not self._saved_areas:
            hint = menu.addAction(t("ยังไม่มีพื้นที่ที่บันทึกไว้: วาดพื้นที่บนแผนที่",
                                    "No saved areas yet: draw one on the map"))
            hint.setEnabled(False)
        menu.addSeparator()
        on, named = self._area is not None, self._area_name is not None
        shown = (self._area_name or "").replace("&", "&&")
        for object_name, text, enabled, slot in (
            ("areaSave", t("บันทึกพื้นที่นี้เป็น…", "&Save this area as…"), on, self.ask_save_area),
            ("areaRename", t(f"เปลี่ยนชื่อ “{shown}”…", f"&Rename “{shown}”…") if named
             else t("เปลี่ยนชื่อพื้นที่…", "&Rename area…"), named, self.ask_rename_area),
            ("areaDelete", t(f"ลบ “{shown}” ออกจากรายการ", f"&Delete “{shown}” from the list")
             if named else t("ลบพื้นที่ออกจากรายการ", "&Delete area from the list"), named,
             lambda: self._area_name is not None and self.sig_area_delete_requested.emit(self._area_name)),
            ("areaClear", t("ล้างตัวกรองพื้นที่", "&Clear the area filter"), on, self.sig_area_clear_requested.emit),
        ):
            action = menu.addAction(text)
            action.setObjectName(object_name)
            action.setEnabled(enabled)
            action.triggered.connect(lambda _=False, s=slot: s())

    # --- reactions -------------------------------------------------------------------------------------------------

    def _emit_filter_now(self) -> None:
        self._debounce.stop()
        self._emit_filter()

    def _emit_filter(self) -> None:
        self.sig_filter_changed.emit(self.current_filter())

    def _on_sort_indicator(self, section: int, order: Qt.SortOrder) -> None:
        if 0 <= section < len(self.model.COLUMNS):
            self.triage_button.setChecked(False)
            self.sig_sort_requested.emit(self.model.COLUMNS[section], order == Qt.SortOrder.DescendingOrder)

    def _on_triage_clicked(self) -> None:
        """Back to the triage order (the button stays checked while it is in effect)."""
        self.triage_button.setChecked(True)
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)
        header.viewport().update()
        self.sig_sort_requested.emit(TRIAGE_SORT, False)

    def _on_current_row(self, current: Any, _previous: Any) -> None:
        if self._syncing or not current.isValid():
            return
        incident_id = current.data(ID_ROLE)
        if incident_id is not None:
            self.sig_incident_selected.emit(int(incident_id))

    def _update_count(self) -> None:
        n = self.model.rowCount()
        text = t(f"{n:,} เรื่อง", f"{n:,} incidents")
        self.count_label.setText(text)
        # Never squeezed: the filter controls give way first (they elide), the count is read whole.
        self.count_label.setMinimumWidth(self.count_label.fontMetrics().horizontalAdvance(text) + 6)
        self.empty_state.refresh()  # a language switch rewords it

    def _empty_text(self) -> str:
        """Why the queue lists nothing, and what to do about it."""
        if self.search.text().strip() or self.district.currentData() or self.category.currentData() or self._area:
            return t("ไม่มีเหตุการณ์ที่ตรงกับตัวกรอง: ล้างคำค้นหา อำเภอ ประเภท หรือพื้นที่ หรือเลือก “ทั้งหมด”",
                     "No incidents match: clear the search, district, category or area, or pick “All”")
        if (self.preset.currentData() or "all") != "all":
            name = self.preset.currentText()
            return t(f"ไม่มีเหตุการณ์ใน “{name}”: เลือก “ทั้งหมด” เพื่อดูทุกเรื่อง",
                     f"No incidents under “{name}”: pick “All” to see every incident")
        return t("ยังไม่มีเหตุการณ์: จะมาพร้อมการซิงก์ครั้งถัดไป (F5) หรือรับเรื่องใหม่ (Ctrl+N)",
                 "No incidents yet: they come with the next sync (F5), or take one in (Ctrl+N)")
