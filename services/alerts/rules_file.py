"""The workstation's own alert rules: read for the settings dialog, validated and written back, or removed so the
rules shipped with the console apply again. Only a supervisor changes them (an operator and a viewer read them)."""

from __future__ import annotations

from pathlib import Path

from services.alerts.rules import RuleSet, default_rules_text, dump_rules, parse_rules
from services.atomic_file import write_text_atomically
from services.workflow import WorkflowError

EDIT_ROLES = frozenset({"supervisor"})


def rules_text(path: Path) -> tuple[str, bool]:
    """The rules the console runs, as a file's text, and whether they are the workstation's own (False: shipped)."""
    if path.exists():
        try:
            return path.read_text(encoding="utf-8"), True
        except (OSError, UnicodeDecodeError):
            pass  # unreadable: the console runs the shipped rules (and has said why in the log)
    return default_rules_text(), False


def check_role(role: str) -> None:
    if role not in EDIT_ROLES:
        raise WorkflowError("role", f"a {role} cannot change the alert rules; a supervisor can")


def save_rules(path: Path, text: str, role: str) -> RuleSet:
    """Validate ``text`` (AlertRulesError naming the rule and field when it breaks one) and write it atomically as
    the workstation's rules, normalised; the rules as validated are returned."""
    check_role(role)
    rules = parse_rules(text, "the edited alert rules")
    write_text_atomically(path, dump_rules(rules.rules))
    return rules


def restore_shipped(path: Path, role: str) -> None:
    """Drop the workstation's rules: the shipped ones apply."""
    check_role(role)
    path.unlink(missing_ok=True)
