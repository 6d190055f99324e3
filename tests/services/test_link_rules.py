"""The link rules of services.workflow: who may merge, split, relate, promote, attach and detach, and what closing a
major incident with open children needs (the console and the simulator both apply them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services import workflow
from services.sla import SlaPolicy
from services.workflow import LinkView, WorkflowError, WorkflowView

NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)


def _refused(action: str, role: str, target: LinkView, others: list[LinkView]) -> WorkflowError:
    with pytest.raises(WorkflowError) as refused:
        workflow.check_link(action, role, target, others)
    return refused.value


def test_every_link_action_is_open_to_operators_and_supervisors_and_closed_to_viewers() -> None:
    a, b = LinkView(1, "new"), LinkView(2, "acknowledged")
    for role in ("operator", "supervisor"):
        workflow.check_link("merge", role, a, [b])
        workflow.check_link("relate", role, a, [b])
        workflow.check_link("promote", role, a, [b])
    assert _refused("merge", "viewer", a, [b]).code == "role"
    assert _refused("promote", "viewer", a, []).code == "role"


def test_merges_never_nest_and_a_major_incident_is_never_a_duplicate() -> None:
    keep = LinkView(1, "new")
    assert _refused("merge", "operator", keep, [LinkView(2, "new", merged_into=9)]).code == "state"
    assert _refused("merge", "operator", LinkView(1, "new", merged_into=9), [LinkView(2, "new")]).code == "state"
    assert _refused("merge", "operator", keep, [LinkView(2, "new", major=True)]).code == "state"
    assert _refused("merge", "operator", keep, [keep]).code == "value"
    assert _refused("merge", "operator", keep, []).code == "value"
    workflow.check_link("split", "operator", keep, [LinkView(2, "new", merged_into=1)])
    assert _refused("split", "operator", keep, [LinkView(2, "new", merged_into=3)]).code == "state"


def test_major_incidents_lead_open_incidents_one_level_deep() -> None:
    major = LinkView(1, "dispatched", major=True)
    workflow.check_link("attach", "operator", major, [LinkView(2, "new")])
    assert _refused("attach", "operator", LinkView(1, "new"), [LinkView(2, "new")]).message.endswith(
        "promote it first")
    assert _refused("promote", "operator", major, []).code == "state"  # already one
    assert _refused("promote", "operator", LinkView(1, "new", parent=7), []).code == "state"  # a child
    assert _refused("promote", "operator", LinkView(1, "closed"), []).code == "state"
    assert _refused("attach", "operator", major, [LinkView(2, "new", major=True)]).code == "state"
    assert _refused("attach", "operator", major, [LinkView(2, "new", parent=5)]).message.endswith(
        "detach it there first")
    workflow.check_link("detach", "operator", major, [LinkView(2, "new", parent=1)])
    assert _refused("detach", "operator", major, [LinkView(2, "new", parent=5)]).code == "state"


def _child(priority: str = "P3", state: str = "dispatched", age_h: float = 1) -> WorkflowView:
    return WorkflowView(state=state, priority=priority, category="forest_fire",
                        requested_at=NOW - timedelta(hours=age_h))


def test_closing_a_major_incident_with_open_children_needs_a_choice() -> None:
    policy = SlaPolicy()
    with pytest.raises(WorkflowError) as refused:
        workflow.check_children("resolve", "operator", [_child()], None, NOW, policy)
    assert refused.value.code == "children" and "1 open child" in refused.value.message
    workflow.check_children("resolve", "operator", [_child()], "close", NOW, policy)
    workflow.check_children("close", "operator", [_child()], "leave", NOW, policy)
    workflow.check_children("resolve", "operator", [], None, NOW, policy)  # no open children: nothing to ask
    workflow.check_children("acknowledge", "operator", [_child()], None, NOW, policy)  # not a close
    with pytest.raises(WorkflowError) as bad:
        workflow.check_children("cancel", "supervisor", [_child()], "later", NOW, policy)
    assert bad.value.code == "value"


def test_closing_p1_children_along_needs_a_supervisor() -> None:
    policy = SlaPolicy()
    with pytest.raises(WorkflowError) as refused:
        workflow.check_children("close", "operator", [_child("P1")], "close", NOW, policy)
    assert refused.value.code == "supervisor"
    with pytest.raises(WorkflowError):  # breached its SLA (P3: 72 h)
        workflow.check_children("close", "operator", [_child("P3", age_h=100)], "close", NOW, policy)
    workflow.check_children("close", "supervisor", [_child("P1")], "close", NOW, policy)
    workflow.check_children("close", "operator", [_child("P1")], "leave", NOW, policy)


def test_a_child_closes_with_its_parent_in_one_step_and_its_clock_stops() -> None:
    running = _child(state="dispatched")
    step = workflow.with_parent(running, "closed", NOW)
    assert (step.state_before, step.state_after, step.sla_paused_since) == ("dispatched", "closed", NOW)
    held = WorkflowView(state="on_hold", priority="P2", category="flood", requested_at=NOW - timedelta(hours=3),
                        sla_paused_since=NOW - timedelta(hours=1))
    assert workflow.with_parent(held, "resolved", NOW).sla_paused_since == NOW - timedelta(hours=1)
    with pytest.raises(WorkflowError):
        workflow.with_parent(running, "acknowledged", NOW)
