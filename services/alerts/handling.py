"""Who may handle alerts and what a person's words must be: the checks behind acknowledging and silencing.

The store runs these inside its transactions (services.store.alerts), so what it refuses is refused the same way
for every console. Refusals are :class:`services.workflow.WorkflowError`:

- "role": a viewer reads only; acknowledging, silencing and ending a silence take an operator or a supervisor.
- "value": a comment or reason that is empty or blank, longer than :data:`TEXT_MAX` characters or holding control
  characters (a line break is allowed); a silence that does not end after now or lasts longer than
  :data:`MAX_SILENCE`; a rule the evaluation does not know.
- "state": acknowledging an alert that has cleared (it needs nothing any more: its history keeps it), or one already
  acknowledged. One acknowledgement per alert: a second would overwrite the first person's comment, which every
  console shows; a reopened alert is open again and takes a new one. Ending a silence that is not in force.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from services.workflow import WRITE_ROLES, WorkflowError

TEXT_MAX = 1000  # characters of an acknowledgement's comment or a silence's reason
MAX_SILENCE = timedelta(days=30)  # longer, and a rule is better disabled in the rules file
SCOPE_MAX = 200


def check_role(role: str, what: str) -> None:
    """Only operators and supervisors handle alerts."""
    if role not in WRITE_ROLES:
        raise WorkflowError("role", f"a {role} cannot {what} alerts")


def clean_text(text: str | None, what: str) -> str:
    """A person's comment or reason, stripped; refused when empty, too long or holding control characters."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise WorkflowError("value", f"a {what} is required")
    if len(cleaned) > TEXT_MAX:
        raise WorkflowError("value", f"a {what} is at most {TEXT_MAX} characters, got {len(cleaned)}")
    if any(c != "\n" and unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in cleaned):
        raise WorkflowError("value", f"a {what} may not hold control characters")
    return cleaned


def clean_scope(scope_key: str | None) -> str | None:
    """A silence's scope: None (every scope of the rule) or a scope key as the alerts carry it."""
    if scope_key is None:
        return None
    cleaned = scope_key.strip()
    if not cleaned or len(cleaned) > SCOPE_MAX or any(unicodedata.category(c) == "Cc" for c in cleaned):
        raise WorkflowError("value", f"{scope_key!r} is not a scope")
    return cleaned


def check_acknowledge(state: str, acknowledged_by: str | None) -> None:
    """An alert can be acknowledged while it is open, once."""
    if state == "cleared":
        raise WorkflowError("state", "this alert has cleared; there is nothing to acknowledge")
    if state == "acknowledged":
        raise WorkflowError("state", f"this alert was acknowledged already by {acknowledged_by}")


def check_silence_window(starts_at: int, until: int) -> None:
    """A silence ends after it starts (now), and not too far ahead (unix seconds)."""
    if until <= starts_at:
        raise WorkflowError("value", "a silence must end after now")
    if until - starts_at > MAX_SILENCE.total_seconds():
        raise WorkflowError("value", f"a silence lasts at most {MAX_SILENCE.days} days")


def check_silence_in_force(starts_at: int, until: int, now: int) -> None:
    if not starts_at <= now < until:
        raise WorkflowError("state", "this silence is not in force")


def unknown_rule(rule_id: str) -> WorkflowError:
    return WorkflowError("value", f"no alert rule {rule_id!r}")
