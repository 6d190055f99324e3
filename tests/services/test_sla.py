"""SLA arithmetic with fixed clocks: targets, pause / resume, priority changes that keep paused time, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services import workflow
from services.sla import SlaPolicy, paused_seconds, sla_status
from services.workflow import WorkflowView, transition

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
H = timedelta(hours=1)
POLICY = SlaPolicy(targets={("forest_fire", "P1"): 2.0})


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_targets_per_category_and_priority() -> None:
    assert POLICY.target_hours("forest_fire", "P1") == 2.0
    assert POLICY.target_hours("forest_fire", "P2") == 24.0
    assert [POLICY.target_hours("road", p) for p in ("P1", "P2", "P3", "P4")] == [4.0, 24.0, 72.0, 168.0]
    assert POLICY.target_hours(None, "P3") == 72.0
    with pytest.raises(ValueError):
        POLICY.target_hours("road", "P5")
    with pytest.raises(ValueError):
        SlaPolicy(defaults={"P1": 4})
    with pytest.raises(ValueError):
        SlaPolicy(targets={("road", "P1"): 0})
    with pytest.raises(ValueError):
        SlaPolicy(targets={("road", "urgent"): 3})


def test_policy_from_settings_json() -> None:
    policy = SlaPolicy.from_json({"defaults": {"P1": 3}, "targets": {"flooding": {"P2": 12}}})
    assert policy.target_hours("road", "P1") == 3.0 and policy.target_hours("road", "P4") == 168.0
    assert policy.target_hours("flooding", "P2") == 12.0
    assert SlaPolicy.from_json({}) == SlaPolicy()
    with pytest.raises(ValueError):
        SlaPolicy.from_json({"target": {}})
    with pytest.raises(ValueError):
        SlaPolicy.from_json({"targets": {"flooding": 12}})
    with pytest.raises(ValueError):
        SlaPolicy.from_json({"targets": {"flooding": {"P2": "soon"}}})


def test_running_clock() -> None:
    v = WorkflowView("acknowledged", "P1", "road", T0)
    s = sla_status(v, at(1), POLICY)
    assert (s.target_at, s.remaining_s, s.breached, s.paused) == (at(4), 3 * 3600, False, False)
    assert (s.target_s, s.elapsed_s) == (4 * 3600, 3600)
    assert sla_status(v, at(4), POLICY).breached is False  # exactly at the target: not yet late
    late = sla_status(v, at(4) + timedelta(seconds=1), POLICY)
    assert late.breached and late.remaining_s == -1
    assert sla_status(WorkflowView("new", "P1", "forest_fire", T0), at(1), POLICY).target_at == at(2)


def test_pause_freezes_the_countdown_and_resume_adds_the_pause() -> None:
    v = WorkflowView("dispatched", "P1", "road", T0)
    held = workflow.apply(v, transition(v, "hold", "operator", at(1), POLICY))
    assert held.sla_paused_since == at(1) and held.sla_paused_s == 0
    for later in (1, 2, 10, 100):  # the countdown stays at 3 h while paused, however long
        s = sla_status(held, at(later), POLICY)
        assert s.paused and s.remaining_s == 3 * 3600 and not s.breached and s.target_at == at(later + 3)
    back = workflow.apply(held, transition(held, "resume", "operator", at(10), POLICY))
    assert (back.state, back.sla_paused_s, back.sla_paused_since) == ("dispatched", 9 * 3600, None)
    s = sla_status(back, at(11), POLICY)
    assert s.target_at == at(13) and s.remaining_s == 2 * 3600 and s.elapsed_s == 2 * 3600 and not s.paused
    # A second pause adds to the first.
    fwd = workflow.apply(back, transition(back, "forward", "operator", at(12), POLICY))
    again = workflow.apply(fwd, transition(fwd, "resume", "operator", at(12.5), POLICY))
    assert again.sla_paused_s == int(9.5 * 3600)
    assert sla_status(again, at(13), POLICY).remaining_s == int(0.5 * 3600)


def test_priority_change_keeps_paused_time() -> None:
    v = WorkflowView("acknowledged", "P3", "road", T0)
    v = workflow.apply(v, transition(v, "hold", "operator", at(1), POLICY))
    v = workflow.apply(v, transition(v, "resume", "operator", at(6), POLICY))  # 5 h paused
    assert v.sla_paused_s == 5 * 3600
    raised = workflow.apply(v, transition(v, "set_priority", "operator", at(7), POLICY, priority="P1"))
    assert raised.sla_paused_s == 5 * 3600 and raised.priority == "P1"
    s = sla_status(raised, at(7), POLICY)
    assert s.target_at == at(4 + 5) and s.remaining_s == 2 * 3600  # 4 h target + 5 h paused, 2 h left
    # A priority change during a pause keeps the running pause as well.
    held = workflow.apply(raised, transition(raised, "hold", "operator", at(8), POLICY))
    lowered = workflow.apply(held, transition(held, "set_priority", "supervisor", at(9), POLICY, priority="P2"))
    assert (lowered.sla_paused_s, lowered.sla_paused_since) == (5 * 3600, at(8))
    resumed = workflow.apply(lowered, transition(lowered, "resume", "operator", at(11), POLICY))
    assert resumed.sla_paused_s == 8 * 3600
    assert sla_status(resumed, at(11), POLICY).target_at == at(24 + 8)


def test_resolution_stops_the_clock_and_reopen_restarts_it() -> None:
    v = WorkflowView("on_scene", "P1", "road", T0)
    done = workflow.apply(v, transition(v, "resolve", "operator", at(3), POLICY))
    month = sla_status(done, at(24 * 30), POLICY)
    assert month.paused and month.remaining_s == 3600 and not month.breached
    late = workflow.apply(v, transition(v, "resolve", "operator", at(5), POLICY))
    assert sla_status(late, at(24 * 30), POLICY).breached
    reopened = workflow.apply(done, transition(done, "reopen", "operator", at(10), POLICY))
    assert reopened.sla_paused_s == 7 * 3600 and sla_status(reopened, at(10), POLICY).remaining_s == 3600


def test_from_stored_utc_only_across_restarts_and_time_zones() -> None:
    """The same stored numbers give the same answer in any process, whatever zone "now" is written in."""
    thai = timezone(timedelta(hours=7))
    v = WorkflowView("on_hold", "P2", "road", T0, sla_paused_s=1800, sla_paused_since=at(2))
    a = sla_status(v, at(5), POLICY)
    b = sla_status(WorkflowView(**{**v.__dict__}), at(5).astimezone(thai), POLICY)
    assert a == b and paused_seconds(v, at(5)) == 1800 + 3 * 3600
    # A clock that went backwards does not make paused time negative.
    assert paused_seconds(v, at(1)) == 1800
    with pytest.raises(ValueError):
        sla_status(WorkflowView("new", "P2", "road", T0.replace(tzinfo=None)), at(1), POLICY)
    with pytest.raises(ValueError):
        sla_status(v, at(1).replace(tzinfo=None), POLICY)
