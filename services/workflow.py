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

Roles: a viewer reads only. An operator takes in, acknowledges, assigns, dispatches, comments, corrects the
description (``describe``, in any state, as a comment), resolves, forwards, holds and resumes, reopens a resolved
incident, and closes a resolved P3/P4 that met its SLA. Only a supervisor closes a resolved P1/P2 or SLA-breached
incident, cancels, or reopens a closed or cancelled one.

Links (:data:`LINK_ACTIONS`, :func:`check_link`): merging duplicates into one incident and splitting them back,
relating peers, promoting an incident to a major incident and attaching or detaching its children are open to
:data:`WRITE_ROLES`; none needs a supervisor. Merges never nest, a merged duplicate takes no other link, and a major
incident is never a child nor merged into another. Closing a major incident (resolve, close or cancel) while children
are still open needs a choice (:func:`check_children`): ``close`` them with it (each takes the parent's new state,
:func:`with_parent`; a close that would need a supervisor for a child needs one here too) or ``leave`` them open.

Evidence: resolving needs an after-photo of the scene on the incident (:func:`check_evidence`), the proof a
supervisor reviews before closing. It is a separate check because only the caller knows the incident's attachments.

Errors: :class:`WorkflowError` with ``code`` "role" (the role may never do this: HTTP 403), "state" (not from this
state: 409), "supervisor" (allowed for this role in general, but this incident needs a supervisor: 409), "evidence"
(an after-photo is missing: 409), "children" (a major incident with open children closed without saying what happens
to them: 409), "value" (a bad argument: 400).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.sla import PRIORITIES, SlaPolicy, SlaStatus, paused_seconds, sla_status

__all__ = [
    "ACTIONS", "CHILDREN_CHOICES", "CLOSING_ACTIONS", "DESCRIPTION_MAX", "LINK_ACTIONS", "OPEN311_STATUS", "PRIORITIES",
    "ROLES", "SOURCES", "STATES", "TRAFFY_STATE", "WRITE_ROLES", "LinkView", "SlaPolicy", "SlaStatus", "Transition",
    "WorkflowError", "WorkflowView", "action_for", "allowed_actions", "apply", "check", "check_children",
    "check_description", "check_evidence", "check_link", "clock_runs", "is_open", "sla_status", "state_from_traffy",
    "transition", "with_parent", "REFUSAL_REASONS", "Refusal", "refusals",
]

#: The attachment kind that proves the work was done (what :func:`check_evidence` looks for).
AFTER_PHOTO = "after_photo"

STATES: tuple[str, ...] = (
    "new", "acknowledged", "dispatched", "on_scene", "resolved", "closed", "forwarded", "on_hold", "reopened",
    "cancelled",
)
ACTIONS: tuple[str, ...] = (
    "acknowledge", "dispatch", "arrive", "resolve", "close", "forward", "hold", "resume", "reopen", "cancel",
    "assign", "comment", "set_priority", "describe",
)
ROLES: tuple[str, ...] = ("viewer", "operator", "supervisor")
DESCRIPTION_MAX = 4000  # characters of a description or a comment (intake, corrections, the backend's limit)
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
    "describe": (_ALL, None),  # correcting the description: wherever a comment may be written, as the server checks
}
_ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "operator": frozenset(ACTIONS) - {"cancel"},
    "supervisor": frozenset(ACTIONS),
}
# Where a resume goes when the record does not say (older data): the first state someone owns.
_RESUME_DEFAULT = "acknowledged"


class WorkflowError(Exception):
    """A refused action: ``code`` is "role", "state", "supervisor", "evidence", "children" or "value" (see the
    module text)."""

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


def check_description(text: str | None) -> str:
    """The description an operator wrote, trimmed; WorkflowError "value" when empty or past DESCRIPTION_MAX."""
    text = (text or "").strip()
    if not text:
        raise WorkflowError("value", "a description cannot be empty")
    if len(text) > DESCRIPTION_MAX:
        raise WorkflowError("value", f"a description is at most {DESCRIPTION_MAX} characters, got {len(text)}")
    return text


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


# --- links: duplicates merged into one, related peers, a major incident and its children ---------------------------

#: The link actions: the outbox ops that carry them and the backend's link endpoints (see the module text).
LINK_ACTIONS: tuple[str, ...] = ("merge", "split", "relate", "unrelate", "promote", "attach", "detach")
#: What happens to a major incident's open children when it is closed: they close with it, or stay open.
CHILDREN_CHOICES: tuple[str, ...] = ("close", "leave")
#: The actions that take an incident out of Open311 "open" (resolve, close, cancel).
CLOSING_ACTIONS = frozenset(a for a, (_starts, to) in _MOVES.items() if to in _TERMINAL)


@dataclass(frozen=True)
class LinkView:
    """What the link rules need of one incident. Ids are whatever the caller uses (local ids, server ids)."""

    id: Any
    state: str
    merged_into: Any = None
    major: bool = False
    parent: Any = None
    related: tuple[Any, ...] = ()


def is_open(state: str | None) -> bool:
    """True while an incident is still being worked (not resolved, closed or cancelled)."""
    return (state or "new") not in _TERMINAL


def check_link(action: str, role: str, target: LinkView, others: Sequence[LinkView]) -> None:
    """Raise :class:`WorkflowError` unless ``role`` may take link ``action`` on ``target`` with ``others``:

    - merge: ``others`` become duplicates of ``target`` (none merged already, none a major incident);
    - split: ``others`` (each merged into ``target``) come back on their own;
    - relate / unrelate: ``others`` become (or stop being) related to ``target``;
    - promote: ``target`` becomes a major incident (``others``, if any, are attached to it at once);
    - attach / detach: ``others`` become (or stop being) children of the major incident ``target``.
    """
    if action not in LINK_ACTIONS:
        raise WorkflowError("value", f"unknown link action {action!r}")
    if role not in _ROLE_ACTIONS:
        raise WorkflowError("role", f"unknown role {role!r}")
    if role not in WRITE_ROLES:
        raise WorkflowError("role", f"a {role} may not change how incidents are linked")
    if action != "promote" and not others:
        raise WorkflowError("value", f"{action}: name the other incident(s)")
    if any(o.id == target.id for o in others):
        raise WorkflowError("value", f"{action}: an incident cannot be linked to itself")
    if action == "split":
        for o in others:
            if o.merged_into != target.id:
                raise WorkflowError("state", f"#{o.id} is not merged into #{target.id}")
        return
    if target.merged_into is not None:
        raise WorkflowError("state", f"#{target.id} is merged into #{target.merged_into}: act on that incident")
    for o in others:
        if o.merged_into is not None and action != "unrelate" and action != "detach":
            raise WorkflowError("state", f"#{o.id} is already merged into #{o.merged_into}")
    if action == "merge":
        for o in others:
            if o.major:
                raise WorkflowError("state", f"#{o.id} is a major incident: it cannot be merged into another")
    elif action == "relate":
        for o in others:
            if o.id in target.related:
                raise WorkflowError("state", f"#{o.id} is already related to #{target.id}")
    elif action == "unrelate":
        for o in others:
            if o.id not in target.related:
                raise WorkflowError("state", f"#{o.id} is not related to #{target.id}")
    elif action == "detach":
        for o in others:
            if o.parent != target.id:
                raise WorkflowError("state", f"#{o.id} is not a child of #{target.id}")
    else:  # promote, attach
        if action == "promote" and target.major:
            raise WorkflowError("state", f"#{target.id} is already a major incident")
        if action == "attach" and not target.major:
            raise WorkflowError("state", f"#{target.id} is not a major incident: promote it first")
        if target.parent is not None:
            raise WorkflowError("state", f"#{target.id} is a child of #{target.parent}: a major incident has no parent")
        if not is_open(target.state):
            raise WorkflowError("state", f"#{target.id} is {target.state}: only an open incident leads others")
        for o in others:
            if o.major:
                raise WorkflowError("state", f"#{o.id} is a major incident itself")
            if o.parent == target.id:
                raise WorkflowError("state", f"#{o.id} is already a child of #{target.id}")
            if o.parent is not None:
                raise WorkflowError("state", f"#{o.id} is a child of #{o.parent}: detach it there first")


def check_children(action: str, role: str, open_children: Sequence[WorkflowView], choice: str | None,
                   now: datetime, policy: SlaPolicy) -> None:
    """Closing a major incident (an action of :data:`CLOSING_ACTIONS`) while ``open_children`` are still open needs
    ``choice``: "close" (they take its new state, :func:`with_parent`) or "leave" (they stay open). Raises
    :class:`WorkflowError` "children" without one, and "supervisor" when closing the children along would need a
    supervisor for one of them (a P1/P2 or SLA-breached child) and ``role`` is not one."""
    if action not in CLOSING_ACTIONS or not open_children:
        return
    if choice is None:
        raise WorkflowError("children", f"this major incident has {len(open_children)} open child incident(s): "
                                        "say whether they close with it or stay open")
    if choice not in CHILDREN_CHOICES:
        raise WorkflowError("value", f"children must be one of {CHILDREN_CHOICES}, got {choice!r}")
    if choice == "close" and action == "close" and role != "supervisor":
        for child in open_children:
            if child.priority in ("P1", "P2") or sla_status(child, now, policy).breached:
                raise WorkflowError("supervisor", "only a supervisor closes a P1/P2 or SLA-breached child incident "
                                                  "with its major incident")


def with_parent(child: WorkflowView, state_after: str, now: datetime) -> Transition:
    """A child closed with its major incident: it takes the parent's new state (resolved, closed or cancelled) in one
    step, and its SLA clock stops there as any closing action stops it."""
    if state_after not in _TERMINAL:
        raise WorkflowError("value", f"a child closes with its major incident only into {sorted(_TERMINAL)}")
    paused_since = now if clock_runs(child.state) else child.sla_paused_since
    return Transition(child.state, state_after, child.sla_paused_s, paused_since, None, child.priority)


# --- why an action is refused, as data (the console words it in the UI language) ----------------------------------

#: The finer reasons of :class:`Refusal` (``code`` stays WorkflowError's).
REFUSAL_REASONS: tuple[str, ...] = ("role", "state", "priority", "breached", "reopen", "merged", "value")


@dataclass(frozen=True)
class Refusal:
    """Why ``role`` may not take ``action`` on an incident now: plain data for the UI to word, never UI text.

    ``code`` is the :class:`WorkflowError` code ("role", "state", "supervisor", "value"); ``reason`` says which rule:
    "role" (the role never does this), "state" (not from this state: ``from_states`` are the states it may start
    from), "priority" (closing a resolved P1/P2 needs a supervisor), "breached" (closing an incident that breached
    its SLA needs a supervisor), "reopen" (reopening a closed or cancelled one needs a supervisor), "merged" (a merged
    duplicate takes no workflow action: the keeper is worked), "value" (anything else). ``message`` is the rules'
    English text, for logs.
    """

    action: str
    code: str
    reason: str
    state: str
    role: str
    priority: str
    from_states: tuple[str, ...]
    message: str


def _reason_of(error: WorkflowError, view: WorkflowView, action: str) -> str:
    if error.code in ("role", "state", "value"):
        return error.code
    if action == "reopen":
        return "reopen"
    return "priority" if view.priority in ("P1", "P2") else "breached"


def refusals(view: WorkflowView, role: str, now: datetime, policy: SlaPolicy, *,
             merged: bool = False) -> dict[str, Refusal]:
    """Every action of :data:`ACTIONS` that ``role`` may not take on ``view`` at ``now``, with why (the complement of
    :func:`allowed_actions`). ``merged``: the incident is a duplicate merged into another, which takes no workflow
    action at all."""
    found: dict[str, Refusal] = {}
    for action in ACTIONS:
        starts = tuple(s for s in STATES if s in _MOVES[action][0])
        if merged:
            found[action] = Refusal(action, "state", "merged", view.state, role, view.priority, starts,
                                    "a merged duplicate takes no workflow action: act on the one it is merged into")
            continue
        error = _refusal(view, action, role, now, policy)
        if error is not None:
            found[action] = Refusal(action, error.code, _reason_of(error, view, action), view.state, role,
                                    view.priority, starts, error.message)
    return found
