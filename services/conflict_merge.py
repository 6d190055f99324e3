"""Three-way merge of one queued local edit with the server's current record, field by field.

``base`` is what the fields held before the local edit (its timeline event's "before", or the server's values the
edit was last rebased on), ``mine`` the fields the edit changes, ``theirs`` the server's current values:

- changed only by me (theirs == base): keep mine, it goes in the patch;
- changed only by them (mine does not touch it): take theirs (nothing to send);
- changed by both to the same value: fine, nothing to send;
- changed by both to different values, or base unknown and theirs != mine: a conflict on that field;
- a change the server's current workflow state no longer allows (checked with :func:`services.workflow.transition`
  / :func:`services.workflow.check` in the same order the backend checks a PATCH: state first, then priority,
  assignee, description, each in the state the previous step lands in): a conflict on that field too.

Qt-free and pure: the store calls it inside its transaction, tests call it on small dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services import workflow
from services.feeds.thai_time import parse_w3c
from services.incident_writer import PATCH_FIELDS
from services.records import ServiceRequest
from services.sla import SlaPolicy

#: The fields a merge decides on: what the backend's PATCH takes (the rest of an edit is bookkeeping it derives).
MERGE_FIELDS: tuple[str, ...] = PATCH_FIELDS
#: Keys of an outbox entry's fields that ride along with the patch rather than being merged.
CARRIED_KEYS = ("note", "action")
# The workflow action the backend checks for a change of each non-state field.
# The agency is set by a forward; on its own it is a hand-over, which the roles that may assign may make.
_FIELD_ACTION = {"priority": "set_priority", "assignee": "assign", "description": "comment", "agency": "assign"}


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """One field of a local edit beside the server's value. ``reason`` says why it cannot merge (None: it can)."""

    field: str
    base: Any
    mine: Any
    theirs: Any
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class MergeResult:
    """``auto``: no conflicts, send ``patch`` (my surviving changes plus the note/action) on the server's version.
    ``taken``: the server's values of the fields I did not change (the local row takes them).
    ``conflicts``: what a person must decide."""

    auto: bool
    patch: dict[str, Any]
    conflicts: list[FieldConflict] = field(default_factory=list)
    taken: dict[str, Any] = field(default_factory=dict)


def server_values(record: ServiceRequest) -> dict[str, Any]:
    """The merge fields of a server record (``status_detail`` is our workflow state in the extension)."""
    return {"workflow_state": record.status_detail, "priority": record.priority, "assignee": record.assignee,
            "description": record.description, "agency": record.agency_responsible}


def server_view(record: ServiceRequest) -> workflow.WorkflowView | None:
    """The workflow's view of a server record; None when it lacks what the rules need (a plain v2 backend)."""
    state, priority = record.status_detail, record.priority
    if state not in workflow.STATES or priority is None or record.requested_at is None:
        return None
    since_text = record.extra.get("sla_paused_since")
    try:
        since = parse_w3c(str(since_text)) if since_text else None
    except ValueError:
        since = None
    return workflow.WorkflowView(
        state=state, priority=priority, category=record.service_code, requested_at=record.requested_at,
        sla_paused_s=int(record.extra.get("sla_paused_s") or 0), sla_paused_since=since,
        resumed_state=record.extra.get("resumed_state"),
    )


def _value_conflicts(base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]
                     ) -> tuple[dict[str, Any], list[FieldConflict]]:
    patch: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    for name in MERGE_FIELDS:
        if name not in mine:
            continue
        b, m, th = base.get(name), mine[name], theirs.get(name)
        if th == m:
            continue  # both sides agree already: nothing to send
        if name in base and th == b:
            patch[name] = m  # only I changed it
        elif name in base:
            conflicts.append(FieldConflict(name, b, m, th, "changed on both sides"))
        else:  # without a base nobody can tell who changed it: a person decides
            conflicts.append(FieldConflict(name, None, m, th, "changed on the server; the value before the edit "
                                                               "is unknown"))
    return patch, conflicts


def _workflow_conflicts(patch: Mapping[str, Any], base: Mapping[str, Any], mine: Mapping[str, Any],
                        theirs: Mapping[str, Any], view: workflow.WorkflowView, role: str | None,
                        now: datetime, policy: SlaPolicy) -> list[FieldConflict]:
    """Replay the patch against the server's state as the backend will; each refused step is a conflict."""
    # Without a role only what the *state* allows is judged (the most permissive role); the backend still checks
    # the role itself and answers 403, which the writer reports as rejected, never as silently applied.
    acting = role or "supervisor"
    conflicts: list[FieldConflict] = []

    def refused(name: str, message: str) -> None:
        conflicts.append(FieldConflict(name, base.get(name), mine.get(name), theirs.get(name), message))

    try:
        wanted = patch.get("workflow_state", view.state)
        if wanted != view.state:
            action = workflow.action_for(view.state, wanted)
            if action is None:
                refused("workflow_state", f"no action moves an incident from {view.state} to {wanted}")
                return conflicts
            step = workflow.transition(view, action, acting, now, policy)
            if step.state_after != wanted:
                refused("workflow_state", f"resuming returns this incident to {step.state_after}, not {wanted}")
                return conflicts
            view = workflow.apply(view, step)
    except workflow.WorkflowError as exc:
        refused("workflow_state", exc.message)
        return conflicts
    for name, action in _FIELD_ACTION.items():
        if name not in patch:
            continue
        try:
            if action == "set_priority":
                view = workflow.apply(view, workflow.transition(view, action, acting, now, policy,
                                                                priority=patch[name]))
            else:
                workflow.check(view, action, acting, now, policy)
        except workflow.WorkflowError as exc:
            refused(name, exc.message)
    return conflicts


def merge(base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any], *,
          view: workflow.WorkflowView | None = None, role: str | None = None, now: datetime | None = None,
          policy: SlaPolicy | None = None) -> MergeResult:
    """Merge one edit (see the module docstring). ``mine`` may carry "note" and "action", which ride along in the
    patch; ``view`` is the server's workflow view (:func:`server_view`) for the transition check, skipped when None.
    """
    patch, conflicts = _value_conflicts(base, mine, theirs)
    if not conflicts and view is not None and patch:
        conflicts = _workflow_conflicts(patch, base, mine, theirs, view, role, now or datetime.now(UTC),
                                        policy or SlaPolicy())
    taken = {name: theirs[name] for name in MERGE_FIELDS if name not in mine and name in theirs}
    if conflicts:
        return MergeResult(False, {}, conflicts, taken)
    for key in CARRIED_KEYS:
        if mine.get(key) is not None:
            patch[key] = mine[key]
    return MergeResult(True, patch, [], taken)
