"""The Open311 attributes of one incident category as form rows (the questions the category asks at intake).

Attributes are read duck-typed from the service objects the console hands over (``ServiceAttribute``): ``code``,
``datatype`` (string | number | datetime | text | singlevaluelist | multivaluelist), ``description``, ``variable``,
``required``, ``order``, ``datatype_description``, ``values`` (each ``key``, ``name``). Only ``variable`` attributes
are asked; the others are shown as information. Every text from the server is shown as plain text, and a
question or choice the server writes in both languages ("How deep is the water? / ระดับน้ำลึกประมาณ") shows the
half of the UI language (``widgets.incident_rows.in_language``), again after a language switch.

Answers: code -> text (a list's key, the text typed, a number as typed, a datetime as ISO 8601 UTC with ``Z``) or a
list of keys for a multivaluelist; unanswered attributes are left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDateTime, QLocale, QObject, Qt, QTimeZone, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from widgets.display_format import plain_tooltip
from widgets.i18n import t
from widgets.incident_rows import in_language

#: Datetime attributes are entered in Thai local time (what the operator's clock says) and sent in UTC.
BANGKOK = QTimeZone(b"Asia/Bangkok")
TEXT_MAX = 2000  # a free-text answer; the description has its own, larger limit
_LIST_ROWS_SHOWN = 6


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(slots=True)
class _Field:
    attribute: Any
    label: QLabel | None  # None for information-only rows
    widget: QWidget  # the row's field widget (removing it removes the row)
    read: Callable[[], str | list[str] | None]
    retranslate: Callable[[], None] | None = None


class ServiceAttributeFields(QObject):
    """Builds, reads and checks the attribute rows of the chosen category inside the dialog's ``QFormLayout``.

    The rows go in at ``first_row`` (just under the category) and are replaced whenever ``set_attributes`` is
    called. The widgets belong to the form's parent widget."""

    sig_changed = Signal()
    """An answer changed (the dialog re-checks the form)."""

    def __init__(self, form: QFormLayout, first_row: int, parent: QWidget) -> None:
        super().__init__(parent)
        self._form = form
        self._first_row = first_row
        self._host = parent
        self._fields: list[_Field] = []
        self._rows: list[QWidget] = []
        self.hint = QLabel(parent)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setObjectName("attributeHint")
        self.hint.setStyleSheet("color: palette(mid);")
        self.hint.setVisible(False)

    # --- building --------------------------------------------------------------------------------------------------

    def set_attributes(self, attributes: Sequence[Any] | None) -> None:
        """Show the rows of ``attributes`` (None or empty: no rows), replacing the previous category's."""
        for widget in self._rows:
            if widget is self.hint:
                self._form.takeRow(widget)  # kept: it is reused by the next category
            else:
                self._form.removeRow(widget)
        self._fields, self._rows = [], []
        self.hint.setVisible(False)
        row = self._first_row
        for attribute in sorted(attributes or (), key=lambda a: (getattr(a, "order", 0), a.code)):
            field = self._make(attribute)
            if field is None:
                continue
            if field.label is None:
                self._form.insertRow(row, field.widget)
            else:
                self._form.insertRow(row, field.label, field.widget)
            self._fields.append(field)
            self._rows.append(field.widget)
            row += 1
        if any(f.attribute.required for f in self._fields if f.label is not None):
            self._form.insertRow(row, self.hint)
            self._rows.append(self.hint)
            self.hint.setVisible(True)
        self.retranslate()

    @staticmethod
    def _question(attribute: Any) -> str:
        """The attribute's question in the UI language."""
        return in_language(str(getattr(attribute, "description", "") or attribute.code))

    def _make(self, attribute: Any) -> _Field | None:
        if not getattr(attribute, "variable", True):
            info = QLabel(self._host)
            info.setTextFormat(Qt.TextFormat.PlainText)
            info.setWordWrap(True)
            return _Field(attribute, None, info, lambda: None)
        label = QLabel(self._host)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setObjectName(f"attributeLabel_{attribute.code}")
        maker = {
            "singlevaluelist": self._combo,
            "multivaluelist": self._checklist,
            "text": self._text,
            "number": self._number,
            "datetime": self._datetime,
        }.get(attribute.datatype, self._line)
        field = maker(attribute, label)
        field.widget.setObjectName(f"attribute_{attribute.code}")
        return field

    def _combo(self, attribute: Any, label: QLabel) -> _Field:
        combo = QComboBox(self._host)
        combo.addItem("", None)
        for value in attribute.values:
            combo.addItem(in_language(str(value.name)), str(value.key))  # item text is never read as markup
        combo.currentIndexChanged.connect(lambda _index: self.sig_changed.emit())

        def retranslate() -> None:
            combo.setItemText(0, t("— เลือก —", "— choose —"))
            for index, value in enumerate(attribute.values, start=1):
                combo.setItemText(index, in_language(str(value.name)))

        return _Field(attribute, label, combo, lambda: combo.currentData(), retranslate)

    def _checklist(self, attribute: Any, label: QLabel) -> _Field:
        checklist = QListWidget(self._host)
        checklist.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for value in attribute.values:
            item = QListWidgetItem(in_language(str(value.name)), checklist)
            item.setData(Qt.ItemDataRole.UserRole, str(value.key))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        shown = min(max(checklist.count(), 1), _LIST_ROWS_SHOWN)
        row_height = max(checklist.sizeHintForRow(0), checklist.fontMetrics().height() + 4)
        checklist.setFixedHeight(row_height * shown + 2 * checklist.frameWidth() + 6)
        checklist.itemChanged.connect(lambda _item: self.sig_changed.emit())

        def read() -> list[str]:
            return [str(checklist.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(checklist.count())
                    if checklist.item(i).checkState() == Qt.CheckState.Checked]

        def retranslate() -> None:
            for index, value in enumerate(attribute.values):
                checklist.item(index).setText(in_language(str(value.name)))

        return _Field(attribute, label, checklist, read, retranslate)

    def _line(self, attribute: Any, label: QLabel) -> _Field:
        edit = QLineEdit(self._host)
        edit.setMaxLength(TEXT_MAX)
        edit.textChanged.connect(lambda *_args: self.sig_changed.emit())
        return _Field(attribute, label, edit, lambda: edit.text().strip() or None)

    def _text(self, attribute: Any, label: QLabel) -> _Field:
        edit = QPlainTextEdit(self._host)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 3 + 12)
        edit.textChanged.connect(lambda *_args: self.sig_changed.emit())
        return _Field(attribute, label, edit, lambda: edit.toPlainText().strip() or None)

    def _number(self, attribute: Any, label: QLabel) -> _Field:
        edit = QLineEdit(self._host)
        validator = QDoubleValidator(edit)
        validator.setNotation(QDoubleValidator.Notation.StandardNotation)
        validator.setLocale(QLocale.c())  # "12.5", whatever the desktop's locale: the value is sent as typed
        edit.setValidator(validator)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        edit.textChanged.connect(lambda *_args: self.sig_changed.emit())
        return _Field(attribute, label, edit, lambda: edit.text().strip() or None)

    def _datetime(self, attribute: Any, label: QLabel) -> _Field:
        box = QWidget(self._host)
        given = QCheckBox(box)
        edit = QDateTimeEdit(box)
        edit.setTimeZone(BANGKOK)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        edit.setDateTime(QDateTime.currentDateTime().toTimeZone(BANGKOK))
        edit.setEnabled(False)  # until "set" is ticked: an untouched time must not be sent as if it were given
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(given)
        layout.addWidget(edit, 1)
        box.setFocusProxy(edit)

        def toggled(on: bool) -> None:
            edit.setEnabled(on)
            self.sig_changed.emit()

        def read() -> str | None:
            if not given.isChecked():
                return None
            return edit.dateTime().toUTC().toString(Qt.DateFormat.ISODate)  # e.g. 2026-03-01T03:00:00Z

        def retranslate() -> None:
            given.setText(t("ระบุ (เวลาไทย)", "set (Thai time)"))

        given.toggled.connect(toggled)
        edit.dateTimeChanged.connect(lambda _value: self.sig_changed.emit())
        return _Field(attribute, label, box, read, retranslate)

    # --- reading ---------------------------------------------------------------------------------------------------

    def answers(self) -> dict[str, str | list[str]]:
        """The answers given (code -> text, or keys of a multivaluelist); unanswered attributes are left out."""
        answers: dict[str, str | list[str]] = {}
        for field in self._fields:
            if field.label is None:
                continue
            value = field.read()
            if value:
                answers[field.attribute.code] = value
        return answers

    def problems(self) -> list[str]:
        """What is missing or wrong, in the current language (empty when the answers can be sent)."""
        problems = []
        answers = self.answers()
        for field in self._fields:
            if field.label is None:
                continue
            attribute, value = field.attribute, answers.get(field.attribute.code)
            name = _short(self._question(attribute))
            if not value and attribute.required:
                problems.append(t(f"ระบุ “{name}”", f"answer “{name}”"))
            elif value and attribute.datatype == "number" and not _is_number(str(value)):
                problems.append(t(f"“{name}” ต้องเป็นตัวเลข", f"“{name}” must be a number"))
        return problems

    def field(self, code: str) -> QWidget | None:
        """The input widget of attribute ``code`` (None when the category has no such question)."""
        return next((f.widget for f in self._fields if f.attribute.code == code and f.label is not None), None)

    def codes(self) -> list[str]:
        """The attributes asked, in the order shown."""
        return [f.attribute.code for f in self._fields if f.label is not None]

    def retranslate(self) -> None:
        self.hint.setText(t("* ต้องระบุสำหรับประเภทนี้", "* required for this category"))
        for field in self._fields:
            attribute = field.attribute
            if field.label is None:  # information only: the words themselves
                field.widget.setText(self._question(attribute))  # type: ignore[attr-defined]
            else:
                field.label.setText(self._question(attribute) + (" *" if attribute.required else ""))
                about = getattr(attribute, "datatype_description", None)
                tip = plain_tooltip(in_language(str(about))) if about else ""
                field.label.setToolTip(tip)
                field.widget.setToolTip(tip)
            if field.retranslate is not None:
                field.retranslate()


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
