"""Incident workflow rules: states, actions, who may do what, and what each action does to the SLA clock.

Qt-free and shared: the console uses it to enable actions, the store to apply them, the simulator to enforce them.

States and their meaning outside::

    state         Open311 status   Traffy Fondue    SLA clock
    new           open             start            runs
    acknowledged  open             inprogress       runs
    dispatched    open             inprogress       runs
    on_scene      open             inprogress       runs
    reopened      open             inprogress       runs
    forwarded     open             forward          paused (another agency has it: ส่งต่อ)
    on_hold       open             follow           paused (waiting: ติดตาม)
    resolved      closed           finish           stopped at resolution
    closed        closed           finish           stopped
    cancelled     closed           irrelevant       stopped

One rule for Open311: ``status`` is "closed" once the work is done (resolved), as Open311 consumers expect; the
supervisor's sign-off (closed) is internal and shows in ``workflow_state``. Importing Traffy states picks one state
per Traffy state (:func:`state_from_traffy`), so Traffy → ours → Traffy is the identity.

Roles: a viewer reads only. An operator takes in, acknowledges, assigns, dispatches, comments, resolves, forwards,
holds and resumes, reopens a resolved incident, and closes a resolved P3/P4 that met its SLA. Only a supervisor closes
a resolved P1/P2 or SLA-breached incident, cancels, or reopens a closed or cancelled one. Merge and split are store
operations open to :data:`WRITE_ROLES`.

Evidence: resolving needs an after-photo of the scene on the incident (:func:`check_evidence`), the proof a
supervisor reviews before closing. It is a separate check because only the caller knows the incident's attachments.

Errors: :class:`WorkflowError` with ``code`` "role" (the role may never do this: HTTP 403), "state" (not from this
state: 409), "supervisor" (allowed for this role in general, but this incident needs a supervisor: 409), "evidence"
(an after-photo is missing: 409), "value" (a bad argument: 400).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from services.sla import PRIORITIES, SlaPolicy, SlaStatus, paused_seconds, sla_status

__all__ = [
    "ACTIONS", "OPEN311_STATUS", "PRIORITIES", "ROLES", "SOURCES", "STATES", "TRAFFY_STATE", "WRITE_ROLES",
    "SlaPolicy", "SlaStatus", "Transition", "WorkflowError", "WorkflowView", "action_for", "allowed_actions", "apply",
    "check", "check_evidence", "clock_runs", "sla_status", "state_from_traffy", "transition",
]

#: The attachment kind that proves the work was done (what :func:`check_evidence` looks for).
AFTER_PHOTO = "after_photo"

STATES: tuple[str, ...] = (
    "new", "acknowledged", "dispatched", "on_scene", "resolved", "closed", "forwarded", "on_hold", "reopened",
    "cancelled",
)
ACTIONS: tuple[str, ...] = (
    "acknowledge", "dispatch", "arrive", "resolve", "close", "forward", "hold", "resume", "reopen", "cancel",
    "assign", "comment", "set_priority",
)
ROLES: tuple[str, ...] = ("viewer", "operator", "supervisor")
WRITE_ROLES = frozenset({"operator", "supervisor"})
SOURCES: tuple[str, ...] = ("hotline", "walk_in", "citizen_app", "sensor", "patrol")

OPEN311_STATUS: dict[str, str] = {
    s: "closed" if s in ("resolved", "closed", "cancelled") else "open" for s in STATES
}
def actor_label(user: str, role: str) -> str:
    """Who made a change, as the timeline and the outbox record it: the workstation user and the acting role."""
    return f"{user} ({role})"


def role_of_actor(actor: str | None) -> str | None:
    """The role in an :func:`actor_label` (None for "sync", "system" or a label without one)."""
    if not actor or not actor.endswith(")") or " (" not in actor:
        return None
    role = actor[actor.rindex(" (") + 2:-1]
    return role if role in ROLES else None


TRAFFY_STATE: dict[str, str] = {
    "new": "start", "acknowledged": "inprogress", "dispatched": "inprogress", "on_scene": "inprogress",
    "reopened": "inprogress", "forwarded": "forward", "on_hold": "follow", "resolved": "finish", "closed": "finish",
    "cancelled": "irrelevant",
}
# Traffy Fondue writes its state as a type or as the Thai label its web app shows.
_FROM_TRAFFY: dict[str, str] = {
    "start": "new", "inprogress": "acknowledged", "forward": "forwarded", "follow": "on_hold", "finish": "closed",
    "irrelevant": "cancelled",
    "รอรับเรื่อง": "new", "กำลังดำเนินการ": "acknowledged", "ส่งต่อ": "forwarded", "ติดตาม": "on_hold",
    "เสร็จสิ้น": "closed", "ไม่เกี่ยวข้อง": "cancelled",
}

_RUNNING = frozenset({"new", "acknowledged", "dispatched", "on_scene", "reopened"})
_TERMINAL = frozenset({"resolved", "closed", "cancelled"})
_ALL = frozenset(STATES)
# action → (states it may start from, state it leads to; None = stays, "*resume" = back to resumed_state)
_MOVES: dict[str, tuple[frozenset[str], str | None]] = {
    "acknowledge": (frozenset({"new", "reopened"}), "acknowledged"),
    "dispatch": (frozenset({"new", "acknowledged", "reopened"}), "dispatched"),
    "arrive": (frozenset({"dispatched"}), "on_scene"),
    "resolve": (frozenset({"new", "acknowledged", "dispatched", "on_scene", "reopened", "forwarded", "on_hold"}),
                "resolved"),
    "close": (frozenset({"resolved"}), "closed"),
    "forward": (frozenset({"new", "acknowledged", "dispatched", "on_scene", "reopened"}), "forwarded"),
    "hold": (frozenset({"acknowledged", "dispatched", "on_scene", "reopened"}), "on_hold"),
    "resume": (frozenset({"forwarded", "on_hold"}), "*resume"),
    "reopen": (frozenset({"resolved", "closed", "cancelled"}), "reopened"),
    "cancel": (_ALL - _TERMINAL, "cancelled"),
    "assign": (_ALL - _TERMINAL, None),
    "comment": (_ALL, None),
    "set_priority": (_ALL - _TERMINAL, None),
}
_ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "operator": frozenset(ACTIONS) - {"cancel"},
    "supervisor": frozenset(ACTIONS),
}
# Where a resume goes when the record does not say (older data): the first state someone owns.
_RESUME_DEFAULT = "acknowledged"


class WorkflowError(Exception):
    """A refused action: ``code`` is "role", "state", "supervisor", "evidence" or "value" (see the module text)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class WorkflowView:
    """What the rules need of one incident. Times are aware (stored as UTC)."""

    state: str
    priority: str
    category: str | None
    requested_at: datetime
    sla_paused_s: int = 0
    sla_paused_since: datetime | None = None
    resumed_state: str | None = None


@dataclass(frozen=True)
class Transition:
    """The result of an action: the new state and SLA bookkeeping to store (``priority`` after the action)."""

    state_before: str
    state_after: str
    sla_paused_s: int
    sla_paused_since: datetime | None
    resumed_state: str | None
    priority: str


def clock_runs(state: str) -> bool:
    """True in the states where the SLA clock runs (not forwarded / on_hold / resolved / closed / cancelled)."""
    return state in _RUNNING


def state_from_traffy(traffy_state: str) -> str:
    """Our state for a Traffy Fondue state type (start, inprogress, …) or its Thai label; ValueError when unknown."""
    key = (traffy_state or "").strip()
    state = _FROM_TRAFFY.get(key.lower()) or _FROM_TRAFFY.get(key)
    if state is None:
        raise ValueError(f"unknown Traffy Fondue state {traffy_state!r}")
    return state


def _target(view: WorkflowView, action: str) -> str:
    to = _MOVES[action][1]
    if to is None:
        return view.state
    if to == "*resume":
        return view.resumed_state or _RESUME_DEFAULT
    return to


def _refusal(view: WorkflowView, action: str, role: str, now: datetime, policy: SlaPolicy) -> WorkflowError | None:
    """Why ``role`` may not do ``action`` on ``view`` now, or None when it may."""
    if view.state not in _ALL:
        return WorkflowError("value", f"unknown state {view.state!r}")
    if action not in _MOVES:
        return WorkflowError("value", f"unknown action {action!r}")
    if role not in _ROLE_ACTIONS:
        return WorkflowError("role", f"unknown role {role!r}")
    if action not in _ROLE_ACTIONS[role]:
        return WorkflowError("role", f"a {role} may not {action.replace('_', ' ')} incidents")
    if view.state not in _MOVES[action][0]:
        return WorkflowError("state", f"cannot {action.replace('_', ' ')} an incident that is {view.state}")
    if role == "supervisor":
        return None
    if action == "close":
        if view.priority in ("P1", "P2"):
            return WorkflowError("supervisor", f"only a supervisor closes a resolved {view.priority} incident")
        if sla_status(view, now, policy).breached:
            return WorkflowError("supervisor", "only a supervisor closes an incident that breached its SLA")
    if action == "reopen" and view.state in ("closed", "cancelled"):
        return WorkflowError("supervisor", f"only a supervisor reopens a {view.state} incident")
    return None


def allowed_actions(view: WorkflowView, role: str, now: datetime, policy: SlaPolicy) -> frozenset[str]:
    """Every action ``role`` may take on ``view`` at ``now`` (empty for a viewer)."""
    return frozenset(a for a in ACTIONS if _refusal(view, a, role, now, policy) is None)


def check(view: WorkflowView, action: str, role: str, now: datetime, policy: SlaPolicy) -> None:
    """Raise :class:`WorkflowError` unless ``role`` may take ``action`` on ``view`` at ``now``."""
    refusal = _refusal(view, action, role, now, policy)
    if refusal is not None:
        raise refusal


def check_evidence(action: str, attachment_kinds: Iterable[str]) -> None:
    """Raise :class:`WorkflowError` ("evidence") when ``action`` needs evidence the incident does not have:
    resolving needs an after-photo among ``attachment_kinds`` (those already on it and any sent with the action)."""
    if action == "resolve" and AFTER_PHOTO not in set(attachment_kinds):
        raise WorkflowError("evidence", "resolving needs an after-photo of the scene")


def transition(view: WorkflowView, action: str, role: str, now: datetime, policy: SlaPolicy, *,
               priority: str | None = None) -> Transition:
    """Check and apply ``action``: the new state and SLA clock fields (``priority`` is required for set_priority).

    Leaving a running state stops the clock (``sla_paused_since`` = now); entering a running state adds the stop to
    ``sla_paused_s``. A priority change touches neither, so paused time survives it. Hold and forward remember the
    state to return to in ``resumed_state``; resume goes back there.
    """
    check(view, action, role, now, policy)
    new_priority = view.priority
    if action == "set_priority":
        if priority not in PRIORITIES:
            raise WorkflowError("value", f"priority must be one of {PRIORITIES}, got {priority!r}")
        new_priority = priority
    after = _target(view, action)
    paused_s, paused_since = view.sla_paused_s, view.sla_paused_since
    if clock_runs(view.state) and not clock_runs(after):
        paused_since = now
    elif not clock_runs(view.state) and clock_runs(after):
        paused_s = round(paused_seconds(view, now))
        paused_since = None
    if action in ("hold", "forward"):
        resumed = view.state
    elif after != view.state:
        resumed = None
    else:
        resumed = view.resumed_state
    return Transition(view.state, after, paused_s, paused_since, resumed, new_priority)


def apply(view: WorkflowView, result: Transition) -> WorkflowView:
    """``view`` after ``result`` (for chaining actions, e.g. in tests and seed data)."""
    return replace(view, state=result.state_after, priority=result.priority, sla_paused_s=result.sla_paused_s,
                   sla_paused_since=result.sla_paused_since, resumed_state=result.resumed_state)


def action_for(state_before: str, state_after: str) -> str | None:
    """The action that moves ``state_before`` to ``state_after`` (None when no action does, or they are equal).

    A return from forwarded / on_hold to a working state is "resume"; whether it returns to *that* state depends on
    the incident's ``resumed_state``, which :func:`transition` decides.
    """
    if state_before == state_after or state_before not in _ALL or state_after not in _ALL:
        return None
    for action in ACTIONS:
        starts, to = _MOVES[action]
        if state_before not in starts or to is None:
            continue
        if to == state_after or (to == "*resume" and clock_runs(state_after)):
            return action
    return None
