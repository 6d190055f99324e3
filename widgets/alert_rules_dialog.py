"""The alert rules as a form: each rule's name, severity, thresholds, hours and quiet period, and whether it is on.

The dialog edits a copy of the rules document (the rules file's JSON) and asks the console to save it
(``sig_save_requested``); the console validates it on a worker (services.alerts.rules_file) and either closes the
dialog or hands the refusal back (``show_error``), which names the rule and the field. A rule's identity, kind and
scope are shown but not edited: alerts already raised belong to them. Only a supervisor saves; others read.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from widgets.alert_words import severity_label
from widgets.i18n import t

READ_ONLY = ("id", "kind", "scope")
CHOICES: dict[str, tuple[str, ...]] = {"severity": ("info", "warning", "critical"), "level": ("bank_full", "flood"),
                                       "min_confidence": ("low", "nominal", "high")}
FLOATS = {"above": 1, "clear_below": 1, "clear_margin_m": 2, "rise_m_per_h": 2, "clear_rise_m_per_h": 2,
          "radius_km": 1, "stale_factor": 1}
INTEGERS = ("for_hours", "clear_hours", "rate_hours", "district_count", "window_hours", "silent_hours", "quiet_minutes")
LISTS = ("near", "feeds")  # "all", or names separated by commas
FIELD_WORDS: dict[str, tuple[str, str]] = {
    "id": ("รหัสกฎ", "Rule id"), "kind": ("ชนิด", "Kind"), "scope": ("ขอบเขต", "Scope"),
    "name_th": ("ชื่อ (ไทย)", "Name (Thai)"), "name_en": ("ชื่อ (อังกฤษ)", "Name (English)"),
    "severity": ("ความรุนแรง", "Severity"), "enabled": ("ใช้งาน", "In use"),
    "above": ("เกิน (มคก./ลบ.ม.)", "Above (µg/m³)"), "for_hours": ("ติดต่อกัน (ชม.)", "For (hours in a row)"),
    "clear_below": ("คลี่คลายเมื่อต่ำกว่า (มคก./ลบ.ม.)", "Clears below (µg/m³)"),
    "clear_hours": ("คลี่คลายหลัง (ชม.)", "Clears after (hours)"), "province": ("จังหวัด", "Province"),
    "level": ("เกณฑ์ระดับน้ำ", "Water level threshold"), "clear_margin_m": ("ต่ำกว่าเกณฑ์ (ม.)", "Margin below (m)"),
    "rise_m_per_h": ("ขึ้นเร็วกว่า (ม./ชม.)", "Rising faster than (m/h)"), "rate_hours": ("คิดจาก (ชม.)", "Over (hours)"),
    "clear_rise_m_per_h": ("คลี่คลายเมื่อช้ากว่า (ม./ชม.)", "Clears below (m/h)"),
    "near": ("ใกล้สถานที่ (all หรือรหัส)", "Near landmarks (all or keys)"), "radius_km": ("รัศมี (กม.)", "Radius (km)"),
    "min_confidence": ("ความเชื่อมั่นขั้นต่ำ", "Lowest confidence"),
    "district_count": ("จำนวนจุดในอำเภอ", "Hotspots in a district"), "window_hours": ("ภายใน (ชม.)", "Within (hours)"),
    "stale_factor": ("เก่ากว่ารอบปกติ (เท่า)", "Older than its cadence ×"), "feeds": ("แหล่งข้อมูล", "Feeds"),
    "silent_hours": ("ไม่ส่งข้อมูลนาน (ชม.)", "Silent for (hours)"),
    "quiet_minutes": ("ช่วงสงบ (นาที)", "Quiet period (min)"),
}
CHOICE_WORDS: dict[str, tuple[str, str]] = {
    "bank_full": ("เต็มตลิ่ง", "bank-full"), "flood": ("น้ำท่วมเมือง", "city flooding"), "low": ("ต่ำ", "low"),
    "nominal": ("ปกติ", "nominal"), "high": ("สูง", "high"),
}


class AlertRulesDialog(QDialog):
    """Edits a rules document (see the module)."""

    sig_save_requested = Signal(str)
    """Save these rules (the rules file's JSON text)."""
    sig_restore_requested = Signal()
    """Drop the workstation's rules: the ones shipped with the console apply again."""

    def __init__(self, text: str, own: bool, role: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc: dict[str, Any] = json.loads(text)
        self._rules: list[dict[str, Any]] = [copy.deepcopy(r) for r in self._doc.get("rules", [])]
        self._can_save = role == "supervisor"
        self._own = own
        self.rule_list = QListWidget(self)
        self.form_host = QWidget(self)
        self.form = QFormLayout(self.form_host)
        self.fields: dict[str, QWidget] = {}
        self.source = QLabel(self)
        self.error = QLabel(self)
        self.restore_button = QPushButton(self)
        self.save_button = QPushButton(self)
        self.cancel_button = QPushButton(self)

        self.setObjectName("alertRulesDialog")
        self.setMinimumSize(720, 460)
        for label in (self.source, self.error):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
        self.error.setObjectName("alertRulesError")
        self.error.setStyleSheet("color: rgb(183, 28, 28);")
        self.rule_list.setObjectName("alertRuleList")
        self.rule_list.setMaximumWidth(260)
        self.save_button.setDefault(True)
        self.save_button.setEnabled(self._can_save)
        self.restore_button.setEnabled(self._can_save and own)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form_host)

        body = QHBoxLayout()
        body.addWidget(self.rule_list)
        body.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source)
        layout.addLayout(body, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.rule_list.currentRowChanged.connect(self._show_rule)
        self.save_button.clicked.connect(self._save)
        self.restore_button.clicked.connect(self.sig_restore_requested)
        self.cancel_button.clicked.connect(self.reject)
        self.retranslate()
        self.rule_list.setCurrentRow(0 if self._rules else -1)

    # --- for the console and tests -----------------------------------------------------------------------------------

    def rules(self) -> list[dict[str, Any]]:
        """The rules as edited so far."""
        return copy.deepcopy(self._rules)

    def document_text(self) -> str:
        """The rules file's text as edited (what *Save* sends)."""
        return json.dumps({**self._doc, "rules": self._rules}, ensure_ascii=False, indent=2) + "\n"

    def select_rule(self, rule_id: str) -> bool:
        for row, rule in enumerate(self._rules):
            if rule.get("id") == rule_id:
                self.rule_list.setCurrentRow(row)
                return True
        return False

    def show_error(self, text: str) -> None:
        """Why the rules were not saved (the rule and field are named); the dialog stays open."""
        self.error.setText(t(f"ยังไม่ได้บันทึก: {text}", f"Not saved: {text}"))

    # --- the form ----------------------------------------------------------------------------------------------------

    def _show_rule(self, row: int) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        if not 0 <= row < len(self._rules):
            return
        rule = self._rules[row]
        for key, value in rule.items():
            widget = self._field(row, key, value)
            label = QLabel(t(*FIELD_WORDS.get(key, (key, key))), self.form_host)
            label.setTextFormat(Qt.TextFormat.PlainText)
            self.form.addRow(label, widget)
            self.fields[key] = widget

    def _field(self, row: int, key: str, value: Any) -> QWidget:
        host = self.form_host
        editable = self._can_save and key not in READ_ONLY
        if isinstance(value, bool):
            box = QCheckBox(host)
            box.setChecked(value)
            box.toggled.connect(lambda on, r=row, k=key: self._set(r, k, bool(on)))
            widget: QWidget = box
        elif key in CHOICES:
            combo = QComboBox(host)
            for choice in CHOICES[key]:
                combo.addItem(self._choice_words(key, choice), choice)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.currentIndexChanged.connect(lambda _i, c=combo, r=row, k=key: self._set(r, k, c.currentData()))
            widget = combo
        elif key in INTEGERS and isinstance(value, int):
            spin = QSpinBox(host)
            spin.setRange(0, 100_000)
            spin.setValue(value)
            spin.valueChanged.connect(lambda v, r=row, k=key: self._set(r, k, int(v)))
            widget = spin
        elif key in FLOATS and isinstance(value, (int, float)):
            dspin = QDoubleSpinBox(host)
            dspin.setDecimals(FLOATS[key])
            dspin.setRange(0.0, 10_000.0)
            dspin.setValue(float(value))
            dspin.valueChanged.connect(lambda v, r=row, k=key: self._set(r, k, float(v)))
            widget = dspin
        else:
            line = QLineEdit(", ".join(map(str, value)) if isinstance(value, list) else str(value), host)
            line.textEdited.connect(lambda text, r=row, k=key: self._set(r, k, self._text_value(k, text)))
            widget = line
        widget.setEnabled(editable)
        return widget

    @staticmethod
    def _text_value(key: str, text: str) -> Any:
        if key in LISTS and text.strip().lower() != "all":
            return [part.strip() for part in text.split(",") if part.strip()]
        return text.strip() if key in LISTS else text

    @staticmethod
    def _choice_words(key: str, choice: str) -> str:
        if key == "severity":
            return severity_label(choice)
        return t(*CHOICE_WORDS.get(choice, (choice, choice)))

    def _set(self, row: int, key: str, value: Any) -> None:
        self._rules[row][key] = value
        self.error.clear()
        if key in ("enabled", "name_th", "name_en"):
            self._label_rule(row)

    def _label_rule(self, row: int) -> None:
        rule = self._rules[row]
        name = t(str(rule.get("name_th", "")), str(rule.get("name_en", ""))) or str(rule.get("id", ""))
        off = "" if rule.get("enabled", True) else t(" (ปิด)", " (off)")
        item = self.rule_list.item(row)
        if item is None:
            item = QListWidgetItem(self.rule_list)
        item.setText(name + off)
        item.setToolTip(str(rule.get("id", "")))

    def _save(self) -> None:
        if self._can_save:
            self.sig_save_requested.emit(self.document_text())

    def retranslate(self) -> None:
        self.setWindowTitle(t("กฎการแจ้งเตือน", "Alert rules"))
        own = t("กฎของเครื่องนี้", "this workstation's rules") if self._own else t("กฎมาตรฐานที่มากับคอนโซล",
                                                                                 "the rules shipped with the console")
        self.source.setText(t(f"ใช้อยู่: {own}", f"In use: {own}") + ("" if self._can_save else t(
            " — แก้ไขได้เฉพาะหัวหน้าเวร", " — only a supervisor can change them")))
        self.restore_button.setText(t("กลับไปใช้กฎมาตรฐาน", "Restore the shipped rules"))
        self.save_button.setText(t("บันทึก", "Save"))
        self.cancel_button.setText(t("ยกเลิก", "Cancel"))
        for row in range(len(self._rules)):
            self._label_rule(row)
        self._show_rule(self.rule_list.currentRow())
