"""The workstation's rules file: validated before it is written, written whole, removed to go back to the shipped
rules, and changed only by a supervisor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.alerts.rules import AlertRulesError, default_rules_text, load_rules
from services.alerts.rules_file import restore_shipped, rules_text, save_rules
from services.workflow import WorkflowError


def _edited(**changes: object) -> str:
    doc = json.loads(default_rules_text())
    doc["rules"][0].update(changes)
    return json.dumps(doc)


def test_a_supervisor_saves_and_the_console_reads_it_back(tmp_path: Path) -> None:
    path = tmp_path / "alert_rules.json"
    assert rules_text(path) == (default_rules_text(), False)
    save_rules(path, _edited(above=100.0), "supervisor")
    text, own = rules_text(path)
    assert own and load_rules(path).rule("pm25_unhealthy").above == 100.0
    restore_shipped(path, "supervisor")
    assert not path.exists() and rules_text(path)[1] is False


def test_a_bad_rule_is_refused_and_the_file_stays(tmp_path: Path) -> None:
    path = tmp_path / "alert_rules.json"
    save_rules(path, _edited(above=90.0), "supervisor")
    before = path.read_bytes()
    with pytest.raises(AlertRulesError) as refused:
        save_rules(path, _edited(above="lots"), "supervisor")
    assert "pm25_unhealthy" in str(refused.value) and "above" in str(refused.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_a_supervisor_changes_them(tmp_path: Path, role: str) -> None:
    path = tmp_path / "alert_rules.json"
    with pytest.raises(WorkflowError, match="supervisor"):
        save_rules(path, default_rules_text(), role)
    with pytest.raises(WorkflowError):
        restore_shipped(path, role)
    assert not path.exists()
