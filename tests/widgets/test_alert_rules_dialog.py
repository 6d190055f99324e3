"""The alert rules form: a supervisor edits a rule's numbers, switches and words and saves the document; others read
it; a refusal is shown as text and the dialog stays."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from services.alerts.rules import default_rules_text, parse_rules
from widgets.alert_rules_dialog import AlertRulesDialog


def _dialog(qtbot, role: str = "supervisor", own: bool = False) -> AlertRulesDialog:  # type: ignore[no-untyped-def]
    dialog = AlertRulesDialog(default_rules_text(), own, role)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_supervisor_edits_and_saves_a_valid_document(qtbot, english) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot)
    assert dialog.select_rule("pm25_unhealthy")
    above = dialog.fields["above"]
    assert isinstance(above, QDoubleSpinBox) and above.value() == 75.0 and above.isEnabled()
    above.setValue(100.0)
    hours = dialog.fields["for_hours"]
    assert isinstance(hours, QSpinBox)
    hours.setValue(4)
    assert not dialog.fields["id"].isEnabled() and not dialog.fields["kind"].isEnabled()

    assert dialog.select_rule("river_fast_rise")
    enabled = dialog.fields["enabled"]
    assert isinstance(enabled, QCheckBox)
    enabled.setChecked(False)
    assert dialog.rule_list.currentItem().text().endswith("(off)")
    severity = dialog.fields["severity"]
    assert isinstance(severity, QComboBox)
    severity.setCurrentIndex(severity.findData("info"))

    with qtbot.waitSignal(dialog.sig_save_requested) as saved:
        dialog.save_button.click()
    rules = parse_rules(saved.args[0])  # the document is a valid rules file
    pm25 = rules.rule("pm25_unhealthy")
    assert pm25.above == 100.0 and pm25.for_hours == 4
    rise = rules.rule("river_fast_rise")
    assert not rise.enabled and rise.severity == "info"
    assert json.loads(default_rules_text())["rules"][0]["above"] == 75.0  # the shipped text is untouched


def test_a_list_field_takes_all_or_names(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot)
    dialog.select_rule("fire_near_landmarks")
    near = dialog.fields["near"]
    assert isinstance(near, QLineEdit) and near.text() == "all"
    qtbot.keyClicks(near, "")  # nothing typed: unchanged
    near.clear()
    qtbot.keyClicks(near, "cmu, airport")
    assert next(r for r in dialog.rules() if r["id"] == "fire_near_landmarks")["near"] == ["cmu", "airport"]


def test_others_read_only_and_a_refusal_is_plain_text(qtbot, english) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, role="operator")
    assert not dialog.save_button.isEnabled() and not dialog.restore_button.isEnabled()
    assert "only a supervisor" in dialog.source.text()
    assert not dialog.fields["severity"].isEnabled()
    with qtbot.assertNotEmitted(dialog.sig_save_requested):
        dialog.save_button.click()
    dialog.show_error("<b>pm25_unhealthy</b>: above must be more than clear_below")
    assert dialog.error.text().startswith("Not saved: <b>pm25_unhealthy</b>")
    assert dialog.isVisible()


def test_restore_is_offered_only_for_a_workstation_file(qtbot) -> None:  # type: ignore[no-untyped-def]
    assert not _dialog(qtbot, own=False).restore_button.isEnabled()
    own = _dialog(qtbot, own=True)
    with qtbot.waitSignal(own.sig_restore_requested):
        own.restore_button.click()
