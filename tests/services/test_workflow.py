"""Workflow rules, exhaustively: every state × action × role, plus the priority / SLA conditions of close and reopen.

The expected table below is written out by hand from the issue's rules (not derived from the module), so a change in
services/workflow.py that breaks a rule fails here.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from services import workflow
from services.workflow import (
    ACTIONS,
    OPEN311_STATUS,
    ROLES,
    STATES,
    TRAFFY_STATE,
    SlaPolicy,
    WorkflowError,
    WorkflowView,
    action_for,
    allowed_actions,
    check,
    state_from_traffy,
    transition,
)

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)  # inside every default SLA: nothing is breached unless a test makes it so
POLICY = SlaPolicy()

# action → the states it may start from (by hand, from the issue).
FROM = {
    "acknowledge": {"new", "reopened"},
    "dispatch": {"new", "acknowledged", "reopened"},
    "arrive": {"dispatched"},
    "resolve": {"new", "acknowledged", "dispatched", "on_scene", "reopened", "forwarded", "on_hold"},
    "close": {"resolved"},
    "forward": {"new", "acknowledged", "dispatched", "on_scene", "reopened"},
    "hold": {"acknowledged", "dispatched", "on_scene", "reopened"},
    "resume": {"forwarded", "on_hold"},
    "reopen": {"resolved", "closed", "cancelled"},
    "cancel": {"new", "acknowledged", "dispatched", "on_scene", "forwarded", "on_hold", "reopened"},
    "assign": {"new", "acknowledged", "dispatched", "on_scene", "forwarded", "on_hold", "reopened"},
    "comment": set(STATES),
    "describe": set(STATES),  # a correction of the report, wherever a comment may be written
    "set_priority": {"new", "acknowledged", "dispatched", "on_scene", "forwarded", "on_hold", "reopened"},
}
TO = {"acknowledge": "acknowledged", "dispatch": "dispatched", "arrive": "on_scene", "resolve": "resolved",
      "close": "closed", "forward": "forwarded", "hold": "on_hold", "reopen": "reopened", "cancel": "cancelled"}
PAUSED_STATES = {"forwarded", "on_hold", "resolved", "closed", "cancelled"}


def view(state: str, priority: str = "P3", **kw) -> WorkflowView:
    paused = kw.pop("sla_paused_since", T0 + timedelta(minutes=30) if state in PAUSED_STATES else None)
    resumed = kw.pop("resumed_state", "dispatched" if state in ("forwarded", "on_hold") else None)
    return WorkflowView(state=state, priority=priority, category="road", requested_at=T0,
                        sla_paused_since=paused, resumed_state=resumed, **kw)


def expected(state: str, action: str, role: str, priority: str) -> str | None:
    """None when allowed, else the WorkflowError code."""
    if role == "viewer" or (action == "cancel" and role != "supervisor"):
        return "role"
    if state not in FROM[action]:
        return "state"
    if role == "operator" and action == "close" and priority in ("P1", "P2"):
        return "supervisor"
    if role == "operator" and action == "reopen" and state in ("closed", "cancelled"):
        return "supervisor"
    return None


@pytest.mark.parametrize("priority", ["P1", "P2", "P3", "P4"])
@pytest.mark.parametrize(("state", "action", "role"), list(itertools.product(STATES, ACTIONS, ROLES)))
def test_every_state_action_role(state: str, action: str, role: str, priority: str) -> None:
    v = view(state, priority)
    want = expected(state, action, role, priority)
    assert (action in allowed_actions(v, role, NOW, POLICY)) == (want is None)
    if want is None:
        check(v, action, role, NOW, POLICY)
        result = transition(v, action, role, NOW, POLICY, priority="P2" if action == "set_priority" else None)
        assert result.state_before == state
        if action in TO:
            assert result.state_after == TO[action]
        elif action == "resume":
            assert result.state_after == "dispatched"  # the resumed_state
        else:
            assert result.state_after == state
        assert action_for(state, result.state_after) == (action if result.state_after != state else None)
    else:
        with pytest.raises(WorkflowError) as err:
            check(v, action, role, NOW, POLICY)
        assert err.value.code == want and err.value.message
        with pytest.raises(WorkflowError):
            transition(v, action, role, NOW, POLICY, priority="P2")


@pytest.mark.parametrize("priority", ["P1", "P2", "P3", "P4"])
def test_close_of_a_breached_incident_needs_a_supervisor(priority: str) -> None:
    hours = POLICY.target_hours("road", priority)
    # Resolved one hour after its target: breached, and the clock stopped at resolution keeps it breached.
    late = view("resolved", priority, sla_paused_since=T0 + timedelta(hours=hours + 1))
    on_time = view("resolved", priority, sla_paused_since=T0 + timedelta(hours=hours - 1))
    much_later = T0 + timedelta(days=30)
    with pytest.raises(WorkflowError) as err:
        check(late, "close", "operator", much_later, POLICY)
    assert err.value.code == "supervisor"
    check(late, "close", "supervisor", much_later, POLICY)
    if priority in ("P3", "P4"):
        check(on_time, "close", "operator", much_later, POLICY)  # resolved in time: the wait for sign-off is not late
        assert "close" in allowed_actions(on_time, "operator", much_later, POLICY)
    assert "close" not in allowed_actions(late, "operator", much_later, POLICY)


def test_viewer_may_do_nothing_and_unknowns_are_refused() -> None:
    for state in STATES:
        assert allowed_actions(view(state), "viewer", NOW, POLICY) == frozenset()
    with pytest.raises(WorkflowError) as err:
        check(view("new"), "fly", "supervisor", NOW, POLICY)
    assert err.value.code == "value"
    with pytest.raises(WorkflowError) as err:
        check(view("new"), "comment", "admin", NOW, POLICY)
    assert err.value.code == "role"
    with pytest.raises(WorkflowError) as err:
        check(WorkflowView("limbo", "P3", "road", T0), "comment", "supervisor", NOW, POLICY)
    assert err.value.code == "value"
    with pytest.raises(WorkflowError) as err:
        transition(view("new"), "set_priority", "operator", NOW, POLICY, priority="P9")
    assert err.value.code == "value"


def test_hold_and_forward_remember_where_to_resume() -> None:
    for start in ("acknowledged", "dispatched", "on_scene", "reopened"):
        for pause in ("hold", "forward"):
            held = workflow.apply(view(start), transition(view(start), pause, "operator", NOW, POLICY))
            assert held.resumed_state == start and held.sla_paused_since == NOW
            back = transition(held, "resume", "operator", NOW + timedelta(hours=2), POLICY)
            assert (back.state_after, back.resumed_state, back.sla_paused_since) == (start, None, None)
            assert back.sla_paused_s == 7200
    forwarded_new = workflow.apply(view("new"), transition(view("new"), "forward", "operator", NOW, POLICY))
    assert transition(forwarded_new, "resume", "operator", NOW, POLICY).state_after == "new"
    orphan = view("on_hold", resumed_state=None)  # older data without resumed_state
    assert transition(orphan, "resume", "operator", NOW, POLICY).state_after == "acknowledged"
    resolved = transition(view("on_hold"), "resolve", "operator", NOW, POLICY)
    assert resolved.resumed_state is None and resolved.sla_paused_since == view("on_hold").sla_paused_since


def test_actions_that_keep_the_state_keep_the_clock_fields() -> None:
    held = view("on_hold", sla_paused_s=600)
    for action, kw in (("assign", {}), ("comment", {}), ("set_priority", {"priority": "P1"})):
        result = transition(held, action, "operator", NOW, POLICY, **kw)
        assert (result.state_after, result.sla_paused_s, result.sla_paused_since, result.resumed_state) == (
            "on_hold", 600, held.sla_paused_since, "dispatched")
    assert transition(held, "set_priority", "operator", NOW, POLICY, priority="P1").priority == "P1"
    assert transition(held, "assign", "operator", NOW, POLICY).priority == "P3"


def test_open311_status_rule() -> None:
    assert set(OPEN311_STATUS) == set(STATES)
    assert {s for s, v in OPEN311_STATUS.items() if v == "closed"} == {"resolved", "closed", "cancelled"}
    assert set(OPEN311_STATUS.values()) == {"open", "closed"}


def test_traffy_mapping_round_trips() -> None:
    assert set(TRAFFY_STATE) == set(STATES)
    traffy_types = {"start", "inprogress", "forward", "follow", "finish", "irrelevant"}
    assert set(TRAFFY_STATE.values()) == traffy_types
    for traffy in traffy_types:
        assert TRAFFY_STATE[state_from_traffy(traffy)] == traffy  # Traffy → ours → Traffy is the identity
        assert state_from_traffy(traffy.upper()) == state_from_traffy(traffy)
    for state in STATES:
        imported = state_from_traffy(TRAFFY_STATE[state])
        assert TRAFFY_STATE[imported] == TRAFFY_STATE[state]
        assert OPEN311_STATUS[imported] == OPEN311_STATUS[state]  # the round trip never flips open/closed
    thai = {"รอรับเรื่อง": "start", "กำลังดำเนินการ": "inprogress", "ส่งต่อ": "forward", "ติดตาม": "follow",
            "เสร็จสิ้น": "finish", "ไม่เกี่ยวข้อง": "irrelevant"}
    for label, traffy in thai.items():
        assert state_from_traffy(f" {label} ") == state_from_traffy(traffy)
    with pytest.raises(ValueError):
        state_from_traffy("pending")


@pytest.mark.parametrize(("before", "after"), list(itertools.product(STATES, STATES)))
def test_action_for_every_pair(before: str, after: str) -> None:
    """action_for names an action exactly when some incident in ``before`` can reach ``after`` with it."""
    reachable = {}
    for action in ACTIONS:
        if before not in FROM[action]:
            continue
        targets = {TO[action]} if action in TO else (
            {"new", "acknowledged", "dispatched", "on_scene", "reopened"} if action == "resume" else set())
        for target in targets:
            reachable.setdefault(target, action)
    got = action_for(before, after)
    assert got == reachable.get(after)
    if got is not None and got != "resume":
        result = transition(view(before, "P4"), got, "supervisor", NOW, POLICY)
        assert result.state_after == after
    assert action_for(before, "limbo") is None and action_for("limbo", after) is None


def test_full_lifecycle_with_roles() -> None:
    v = WorkflowView("new", "P1", "forest_fire", T0)
    steps = [("acknowledge", "operator"), ("assign", "operator"), ("dispatch", "operator"), ("arrive", "operator"),
             ("resolve", "operator")]
    for i, (action, role) in enumerate(steps):
        v = workflow.apply(v, transition(v, action, role, T0 + timedelta(minutes=10 * (i + 1)), POLICY))
    assert v.state == "resolved" and v.sla_paused_since == T0 + timedelta(minutes=50)
    with pytest.raises(WorkflowError):
        check(v, "close", "operator", T0 + timedelta(hours=1), POLICY)
    v = workflow.apply(v, transition(v, "close", "supervisor", T0 + timedelta(hours=1), POLICY))
    assert v.state == "closed" and OPEN311_STATUS[v.state] == "closed"
    assert "reopen" not in allowed_actions(v, "operator", T0 + timedelta(hours=2), POLICY)
    reopened = workflow.apply(v, transition(v, "reopen", "supervisor", T0 + timedelta(hours=2), POLICY))
    # The 70 minutes between resolution and reopening do not count against the SLA.
    assert reopened.state == "reopened" and reopened.sla_paused_s == 70 * 60 and reopened.sla_paused_since is None


def test_resolving_needs_an_after_photo() -> None:
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.check_evidence("resolve", ["photo", "file"])
    assert refused.value.code == "evidence"
    workflow.check_evidence("resolve", ["photo", workflow.AFTER_PHOTO])
    for action in ("close", "forward", "comment"):  # only resolving asks for evidence
        workflow.check_evidence(action, [])
