"""New-incident form: category from the Open311 service list, the category's own questions (its Open311 attributes,
:mod:`widgets.service_attribute_fields`), priority, description, reporter, source, location, and the candidate
duplicates (same category within 300 m and 48 h) with "merge into this one" or "add as a child of this one" (the
selected incident becomes, or already is, a major incident) instead of creating on its own. Required attributes
(a forest fire's size) must be answered before Create / Merge enable: the backend refuses a request without them.

The dialog never saves nor closes itself: "create" / "merge" emit a request and put the dialog in a busy state; the
console calls ``accept()`` once the store has the incident, or ``show_error(text)`` to let the operator try again.
Duplicates are asked for (debounced) whenever category or location change; an answer for an older question is
ignored (``set_duplicates(rows, category=, lat=, lon=)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets.display_format import format_age, plain_tooltip
from widgets.empty_state import EmptyState
from widgets.i18n import current_language, t
from widgets.incident_rows import (
    DESCRIPTION_MAX,
    PRIORITIES,
    SOURCES,
    IncidentDraftData,
    category_label,
    in_language,
    source_label,
    state_label,
)
from widgets.service_attribute_fields import ServiceAttributeFields

DUPLICATE_DEBOUNCE_MS = 250


def _coordinate(text: str, limit: float) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if -limit <= value <= limit else None


class IncidentIntakeDialog(QDialog):
    """Intake form. ``services``: Open311 services (``service_code``, ``service_name``, optional ``attributes``)."""

    sig_create_requested = Signal(object)
    """The operator asked to create the incident (an ``IncidentDraftData``)."""
    sig_merge_requested = Signal(int, object)
    """The operator asked to merge the report into an existing incident: (existing id, ``IncidentDraftData``)."""
    sig_child_requested = Signal(int, object)
    """The operator asked to add the report as a child of an existing (major) incident: (its id, the draft)."""
    sig_duplicates_requested = Signal(str, float, float)
    """Candidate duplicates are needed for (category, lat, lon)."""
    sig_district_requested = Signal(float, float)
    """The district of a typed-in location is needed (answer with ``set_district``)."""

    def __init__(self, services: Sequence[Any], parent: QWidget | None = None, *, lat: float | None = None,
                 lon: float | None = None, district_code: str | None = None, district_name: str | None = None,
                 now: datetime | None = None) -> None:
        super().__init__(parent)
        self._district_code = district_code
        self._busy = False
        self._now = now
        self._asked: tuple[str, float, float] | None = None
        self._services = {service.service_code: service for service in services}
        self.category = QComboBox(self)
        self.priority = QComboBox(self)
        self.description = QPlainTextEdit(self)
        self.char_count = QLabel(self)
        self.reporter_name = QLineEdit(self)
        self.reporter_contact = QLineEdit(self)
        self.source = QComboBox(self)
        self.address = QLineEdit(self)
        self.lat = QLineEdit(self)
        self.lon = QLineEdit(self)
        self.district = QLabel(self)
        self.problems = QLabel(self)
        self.duplicates = QTableWidget(0, 5, self)
        self.duplicates_label = QLabel(self)
        self.create_button = QPushButton(self)
        self.merge_button = QPushButton(self)
        self.child_button = QPushButton(self)
        self.cancel_button = QPushButton(self)
        self._dup_timer = QTimer(self)
        self._duplicate_ids: list[int] = []

        self.setObjectName("incidentIntakeDialog")
        self.category.addItem("", None)
        for service in services:  # named in the UI language (retranslate names them again)
            self.category.addItem(in_language(service.service_name) or service.service_code, service.service_code)
        for p in PRIORITIES:
            self.priority.addItem(p, p)
        self.priority.setCurrentIndex(PRIORITIES.index("P3"))
        for label in (self.char_count, self.district, self.problems, self.duplicates_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.setStyleSheet("color: rgb(200, 0, 0);")
        self.problems.setWordWrap(True)
        self.duplicates.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.duplicates.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.duplicates.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.duplicates.verticalHeader().setVisible(False)
        self.duplicates.horizontalHeader().setStretchLastSection(True)
        self.duplicates.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.create_button.setDefault(True)
        self._checked_duplicates = False  # the console has answered a duplicates question
        self.duplicates_empty = EmptyState(self.duplicates, self._duplicates_empty_text)
        self._dup_timer.setSingleShot(True)
        self._dup_timer.setInterval(DUPLICATE_DEBOUNCE_MS)
        if lat is not None and lon is not None:
            self.lat.setText(f"{lat:.6f}")
            self.lon.setText(f"{lon:.6f}")
        self.set_district(district_code, district_name)

        form = QFormLayout()
        self.form = form
        self._row_labels: list[QLabel] = []
        for widget in (self.category, self.priority, self.description, self.char_count, self.reporter_name,
                       self.reporter_contact, self.source, self.address):
            self._row_labels.append(QLabel(self))
            form.addRow(self._row_labels[-1], widget)
        where = QHBoxLayout()
        where.addWidget(self.lat)
        where.addWidget(self.lon)
        self._row_labels.append(QLabel(self))
        form.addRow(self._row_labels[-1], where)
        self._row_labels.append(QLabel(self))
        form.addRow(self._row_labels[-1], self.district)
        # The chosen category's questions go right under it (row 1 on), replaced when the category changes.
        self.attribute_fields = ServiceAttributeFields(form, 1, self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.merge_button)
        buttons.addWidget(self.child_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(self.duplicates_label)
        layout.addWidget(self.duplicates, 1)
        layout.addLayout(buttons)
        self.retranslate()

        self.category.currentIndexChanged.connect(self._on_category_changed)
        self.attribute_fields.sig_changed.connect(self._validate)
        self.lat.textChanged.connect(self._on_where_changed)
        self.lon.textChanged.connect(self._on_where_changed)
        self.lat.editingFinished.connect(self._ask_district)
        self.lon.editingFinished.connect(self._ask_district)
        self.description.textChanged.connect(self._validate)
        self.duplicates.itemSelectionChanged.connect(self._validate)
        self._dup_timer.timeout.connect(self._ask_duplicates)
        self.create_button.clicked.connect(self._on_create)
        self.merge_button.clicked.connect(self._on_merge)
        self.child_button.clicked.connect(self._on_child)
        self.cancel_button.clicked.connect(self.reject)
        self._validate()

    # --- answers from the console ----------------------------------------------------------------------------------

    def set_duplicates(self, rows: Sequence[Any], *, category: str | None = None, lat: float | None = None,
                       lon: float | None = None) -> None:
        """Show candidate duplicates (queue rows with ``distance_m``), nearest first.

        When the question is given and it is not the latest one asked, the answer is ignored."""
        if category is not None and (category, lat, lon) != self._asked:
            return
        now = self._now or datetime.now(UTC)
        lang = current_language()
        self._duplicate_ids = []
        self.duplicates.setRowCount(0)
        for row in sorted(rows, key=lambda r: getattr(r, "distance_m", 0.0)):
            r = self.duplicates.rowCount()
            self.duplicates.insertRow(r)
            age = format_age(max((now - row.requested_at).total_seconds(), 0), lang) if row.requested_at else "—"
            cells = (f"#{row.server_id or row.id}", f"{getattr(row, 'distance_m', 0.0):.0f} m",
                     state_label(row.state), source_label(row.source), age)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tooltip(category_label(row.category, row.service_name)))
                self.duplicates.setItem(r, c, item)
            self._duplicate_ids.append(int(row.id))
        self._checked_duplicates = True
        self.duplicates_empty.refresh()
        n = len(self._duplicate_ids)
        self.duplicates_label.setText(
            t(f"เรื่องที่อาจซ้ำ (ประเภทเดียวกัน ภายใน 300 ม. และ 48 ชม.): {n}",
              f"Possible duplicates (same category, within 300 m and 48 h): {n}"))
        self._validate()

    def _duplicates_empty_text(self) -> str:
        if self._checked_duplicates:
            return t("ไม่พบเรื่องที่อาจซ้ำ: สร้างเป็นเรื่องใหม่ได้เลย",
                     "No possible duplicates: create it as a new incident")
        return t("เลือกประเภทและระบุตำแหน่ง แล้วเรื่องที่อาจซ้ำจะแสดงที่นี่ก่อนบันทึก",
                 "Choose a category and give the location: possible duplicates show here before you save")

    def set_district(self, code: str | None, name: str | None) -> None:
        """The district of the location (from the map or a ``sig_district_requested`` answer)."""
        self._district_code = code
        self.district.setText(name or code or t("(ไม่ทราบอำเภอ)", "(district unknown)"))

    def show_error(self, text: str) -> None:
        """Saving failed: show why (plain text) and let the operator try again."""
        self._busy = False
        self.problems.setText(text)
        self._validate(keep_message=True)

    # --- the form --------------------------------------------------------------------------------------------------

    def prefill(self, *, category: str | None, priority: str, description: str, source: str) -> None:
        """Fill the form from what raised the report (an alert): the operator checks it, answers the category's
        questions and saves, or changes anything first. A category the backend does not offer stays unchosen."""
        index = self.category.findData(category) if category else -1
        if index >= 0:
            self.category.setCurrentIndex(index)
        self.priority.setCurrentIndex(max(0, self.priority.findData(priority)))
        self.description.setPlainText(description)
        found = self.source.findData(source)
        if found >= 0:
            self.source.setCurrentIndex(found)

    def draft(self) -> IncidentDraftData | None:
        """The form as a draft, or None while it is not valid."""
        if self.problems_list():
            return None
        return IncidentDraftData(
            category=self.category.currentData(),
            # The backend's own name (both languages, as its service list gives it), not the half on show.
            category_name=getattr(self._services.get(self.category.currentData()), "service_name", None)
            or self.category.currentText(),
            priority=self.priority.currentData(),
            description=self.description.toPlainText().strip(),
            reporter_name=self.reporter_name.text().strip(),
            reporter_contact=self.reporter_contact.text().strip(),
            source=self.source.currentData(),
            lat=float(_coordinate(self.lat.text(), 90.0) or 0.0),
            lon=float(_coordinate(self.lon.text(), 180.0) or 0.0),
            district_code=self._district_code,
            address=self.address.text().strip(),
            attributes=self.attribute_fields.answers(),
        )

    def problems_list(self) -> list[str]:
        """What is still missing or wrong, in the current language (empty when the form can be saved)."""
        problems = []
        if not self.category.currentData():
            problems.append(t("เลือกประเภท", "choose a category"))
        problems += self.attribute_fields.problems()
        if self._location() is None:
            problems.append(t("ระบุตำแหน่ง (ละติจูด/ลองจิจูด)", "give the location (latitude/longitude)"))
        text = self.description.toPlainText().strip()
        if not text:
            problems.append(t("เขียนรายละเอียด", "write a description"))
        elif len(text) > DESCRIPTION_MAX:
            problems.append(t(f"รายละเอียดยาวเกิน {DESCRIPTION_MAX} ตัวอักษร",
                              f"description longer than {DESCRIPTION_MAX} characters"))
        return problems

    def selected_duplicate_id(self) -> int | None:
        rows = self.duplicates.selectionModel().selectedRows()
        return self._duplicate_ids[rows[0].row()] if rows else None

    def _location(self) -> tuple[float, float] | None:
        lat, lon = _coordinate(self.lat.text(), 90.0), _coordinate(self.lon.text(), 180.0)
        return None if lat is None or lon is None else (lat, lon)

    def _validate(self, *, keep_message: bool = False) -> None:
        problems = self.problems_list()
        length = len(self.description.toPlainText().strip())
        self.char_count.setText(f"{length:,} / {DESCRIPTION_MAX:,}")
        if not keep_message:
            self.problems.setText(" · ".join(problems))
        ok = not problems and not self._busy
        self.create_button.setEnabled(ok)
        self.merge_button.setEnabled(ok and self.selected_duplicate_id() is not None)
        self.child_button.setEnabled(ok and self.selected_duplicate_id() is not None)

    def _on_category_changed(self) -> None:
        service = self._services.get(self.category.currentData())
        self.attribute_fields.set_attributes(getattr(service, "attributes", None) if service is not None else None)
        self._on_where_changed()

    def _on_where_changed(self) -> None:
        self._validate()
        self._dup_timer.start()

    def _ask_duplicates(self) -> None:
        category, where = self.category.currentData(), self._location()
        if not category or where is None:
            return
        question = (category, where[0], where[1])
        if question != self._asked:
            self._asked = question
            self.sig_duplicates_requested.emit(*question)

    def _ask_district(self) -> None:
        where = self._location()
        if where is not None:
            self.sig_district_requested.emit(*where)

    def _on_create(self) -> None:
        draft = self.draft()
        if draft is None or self._busy:
            return
        self._busy = True
        self._validate()
        self.sig_create_requested.emit(draft)

    def _on_merge(self) -> None:
        draft, existing = self.draft(), self.selected_duplicate_id()
        if draft is None or existing is None or self._busy:
            return
        self._busy = True
        self._validate()
        self.sig_merge_requested.emit(existing, draft)

    def _on_child(self) -> None:
        draft, existing = self.draft(), self.selected_duplicate_id()
        if draft is None or existing is None or self._busy:
            return
        self._busy = True
        self._validate()
        self.sig_child_requested.emit(existing, draft)

    def retranslate(self) -> None:
        self.setWindowTitle(t("รับแจ้งเรื่องใหม่", "New incident"))
        names = (t("ประเภท", "Category"), t("ความเร่งด่วน", "Priority"), t("รายละเอียด", "Description"), "",
                 t("ชื่อผู้แจ้ง", "Reporter name"), t("ติดต่อผู้แจ้ง", "Reporter contact"),
                 t("ช่องทาง", "Source"), t("สถานที่", "Address"), t("ละติจูด, ลองจิจูด", "Latitude, longitude"),
                 t("อำเภอ", "District"))
        for label, name in zip(self._row_labels, names, strict=True):
            label.setText(name)
        self.attribute_fields.retranslate()
        self.category.setItemText(0, t("— เลือกประเภท —", "— choose a category —"))
        for index in range(1, self.category.count()):
            service = self._services.get(self.category.itemData(index))
            if service is not None:
                self.category.setItemText(index, in_language(service.service_name) or service.service_code)
        current = self.source.currentData()
        self.source.blockSignals(True)
        self.source.clear()
        for key in SOURCES:
            self.source.addItem(source_label(key), key)
        self.source.setCurrentIndex(max(self.source.findData(current), 0))
        self.source.blockSignals(False)
        self.lat.setPlaceholderText(t("ละติจูด", "latitude"))
        self.lon.setPlaceholderText(t("ลองจิจูด", "longitude"))
        self.duplicates.setHorizontalHeaderLabels([t("เลขที่", "ID"), t("ระยะ", "Distance"), t("สถานะ", "Status"),
                                                   t("ช่องทาง", "Source"), t("อายุ", "Age")])
        self.create_button.setText(t("สร้างเรื่อง", "Create"))
        self.merge_button.setText(t("รวมเข้ากับเรื่องที่เลือก", "Merge into selected"))
        self.child_button.setText(t("เพิ่มเป็นเรื่องย่อยของเรื่องที่เลือก", "Add as child of selected"))
        self.cancel_button.setText(t("ยกเลิก", "Cancel"))
        self.duplicates_empty.refresh()
        if not self.duplicates_label.text():
            self.duplicates_label.setText(t("เรื่องที่อาจซ้ำ: ยังไม่ได้ตรวจ", "Possible duplicates: not checked yet"))
