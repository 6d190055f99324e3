"""The three-way merge, exhaustively on small cases: every combination of base / mine / theirs for each field, pairs
of fields merging independently, and the workflow check against the server's current state."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from services.conflict_merge import MERGE_FIELDS, FieldConflict, merge, server_values, server_view
from services.records import ServiceRequest
from services.workflow import WorkflowView

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ABSENT = object()

# One field: base is "a". Mine is absent (not my change) or "b" / "c"; theirs is "a" / "b" / "c".
# Expected: ("send", value) | ("nothing", None) | ("conflict", None).
CASES = [
    (ABSENT, "a", ("nothing", None)), (ABSENT, "b", ("nothing", None)), (ABSENT, "c", ("nothing", None)),
    ("b", "a", ("send", "b")),  # only I changed it
    ("b", "b", ("nothing", None)),  # both to the same value
    ("b", "c", ("conflict", None)),  # both, differently
    ("c", "a", ("send", "c")), ("c", "b", ("conflict", None)), ("c", "c", ("nothing", None)),
]


def _values(name: str, letter: str) -> str:
    if name == "workflow_state":  # only the value rules here: no view, so no workflow check
        return {"a": "acknowledged", "b": "dispatched", "c": "on_hold"}[letter]
    if name == "priority":
        return {"a": "P3", "b": "P1", "c": "P2"}[letter]
    return f"{name}-{letter}"


def _check_one(result, name: str, mine: object, theirs: str,  # type: ignore[no-untyped-def]
               expected: tuple[str, object]) -> None:
    kind, value = expected
    if kind == "send":
        assert result.patch[name] == _values(name, value)  # type: ignore[arg-type]
    else:
        assert name not in result.patch
    conflicted = [c for c in result.conflicts if c.field == name]
    if kind == "conflict":
        mine_value = _values(name, mine)  # type: ignore[arg-type]
        assert conflicted == [FieldConflict(name, _values(name, "a"), mine_value, _values(name, theirs),
                                            "changed on both sides")]
    else:
        assert conflicted == []
    if mine is ABSENT:
        assert result.taken[name] == _values(name, theirs)


@pytest.mark.parametrize("name", MERGE_FIELDS)
@pytest.mark.parametrize(("mine", "theirs", "expected"), CASES)
def test_each_field_alone(name: str, mine: object, theirs: str, expected: tuple[str, object]) -> None:
    base = {name: _values(name, "a")}
    mine_d = {} if mine is ABSENT else {name: _values(name, mine)}  # type: ignore[arg-type]
    result = merge(base, mine_d, {name: _values(name, theirs)})
    _check_one(result, name, mine, theirs, expected)
    assert result.auto == (expected[0] != "conflict")
    if not result.auto:
        assert result.patch == {}  # nothing is sent while anything is undecided


@pytest.mark.parametrize(("first", "second"), list(itertools.product(CASES, CASES)))
def test_two_fields_merge_independently(first: tuple, second: tuple) -> None:
    names = ("priority", "assignee")
    base, mine, theirs = {}, {}, {}
    for name, (m, th, _e) in zip(names, (first, second), strict=True):
        base[name] = _values(name, "a")
        theirs[name] = _values(name, th)
        if m is not ABSENT:
            mine[name] = _values(name, m)
    result = merge(base, mine, theirs)
    any_conflict = first[2][0] == "conflict" or second[2][0] == "conflict"
    assert result.auto is not any_conflict
    for name, (m, th, expected) in zip(names, (first, second), strict=True):
        if expected[0] == "conflict":
            assert any(c.field == name for c in result.conflicts)
        elif result.auto:
            _check_one(result, name, m, th, expected)


def test_unknown_base_conflicts_unless_both_agree() -> None:
    assert merge({}, {"assignee": "x"}, {"assignee": "x"}).auto
    result = merge({}, {"assignee": "x"}, {"assignee": "y"})
    assert not result.auto and result.conflicts[0].field == "assignee" and result.conflicts[0].base is None


def test_note_and_action_ride_along_only_with_a_clean_merge() -> None:
    result = merge({"assignee": None}, {"assignee": "x", "note": "รับทราบ", "action": "assign"}, {"assignee": None})
    assert result.patch == {"assignee": "x", "note": "รับทราบ", "action": "assign"}
    refused = merge({"assignee": None}, {"assignee": "x", "note": "n"}, {"assignee": "y"})
    assert refused.patch == {}


def view(state: str, priority: str = "P3", **kw: object) -> WorkflowView:
    return WorkflowView(state=state, priority=priority, category="flooding", requested_at=NOW - timedelta(hours=1),
                        **kw)  # type: ignore[arg-type]


def test_a_transition_still_allowed_in_the_servers_state_merges() -> None:
    # I dispatched; they raised the priority meanwhile: the state still allows dispatch.
    result = merge({"workflow_state": "acknowledged"}, {"workflow_state": "dispatched", "action": "dispatch"},
                   {"workflow_state": "acknowledged", "priority": "P1"}, view=view("acknowledged", "P1"),
                   role="operator", now=NOW)
    assert result.auto and result.patch == {"workflow_state": "dispatched", "action": "dispatch"}
    assert result.taken["priority"] == "P1"


def test_a_field_change_the_servers_state_no_longer_allows_is_a_conflict() -> None:
    # I assigned; they resolved it: assigning a resolved incident is refused (409 on the server).
    result = merge({"assignee": None}, {"assignee": "ทีม 1"}, {"assignee": None, "workflow_state": "resolved"},
                   view=view("resolved"), role="operator", now=NOW)
    assert not result.auto
    [conflict] = result.conflicts
    assert (conflict.field, conflict.mine, conflict.theirs) == ("assignee", "ทีม 1", None)
    assert "resolved" in (conflict.reason or "")
    # A priority change on a cancelled incident, likewise.
    assert not merge({"priority": "P3"}, {"priority": "P1"}, {"priority": "P3"}, view=view("cancelled"),
                     role="supervisor", now=NOW).auto


def test_the_same_transition_on_both_sides_sends_nothing_and_checks_nothing() -> None:
    result = merge({"workflow_state": "acknowledged"}, {"workflow_state": "dispatched"},
                   {"workflow_state": "dispatched"}, view=view("dispatched"), role="operator", now=NOW)
    assert result.auto and result.patch == {}


def test_a_close_that_now_needs_a_supervisor_is_a_conflict_for_an_operator() -> None:
    base, mine = {"workflow_state": "resolved"}, {"workflow_state": "closed", "action": "close"}
    theirs = {"workflow_state": "resolved", "priority": "P1"}  # they raised it to P1 after it was resolved
    operator = merge(base, mine, theirs, view=view("resolved", "P1"), role="operator", now=NOW)
    assert not operator.auto and operator.conflicts[0].field == "workflow_state"
    assert "supervisor" in (operator.conflicts[0].reason or "")
    assert merge(base, mine, theirs, view=view("resolved", "P1"), role="supervisor", now=NOW).auto
    # Without a role only the state is judged: the server checks the role itself (403 → rejected, not applied).
    assert merge(base, mine, theirs, view=view("resolved", "P1"), now=NOW).auto


def test_a_resume_that_would_land_elsewhere_is_a_conflict() -> None:
    result = merge({"workflow_state": "on_hold"}, {"workflow_state": "dispatched"}, {"workflow_state": "on_hold"},
                   view=view("on_hold", resumed_state="acknowledged", sla_paused_since=NOW), role="operator",
                   now=NOW)
    assert not result.auto and "acknowledged" in (result.conflicts[0].reason or "")


def test_server_values_and_view_from_a_record() -> None:
    record = ServiceRequest(
        id="101", status="open", service_code="flooding", description="น้ำท่วม", lat=None, lon=None,
        requested_at=NOW - timedelta(hours=2), updated_at=NOW, status_detail="on_hold", priority="P2",
        assignee="ทีม 2", version=7, agency_responsible="การประปาส่วนภูมิภาค",
        extra={"sla_paused_s": 60, "sla_paused_since": "2026-03-01T18:30:00+07:00", "resumed_state": "dispatched"})
    assert server_values(record) == {"workflow_state": "on_hold", "priority": "P2", "assignee": "ทีม 2",
                                     "description": "น้ำท่วม", "agency": "การประปาส่วนภูมิภาค"}
    v = server_view(record)
    assert v is not None and (v.state, v.priority, v.sla_paused_s, v.resumed_state) == (
        "on_hold", "P2", 60, "dispatched")
    assert v.sla_paused_since == datetime(2026, 3, 1, 11, 30, tzinfo=UTC)
    plain = ServiceRequest(id="1", status="open", service_code=None, description=None, lat=None, lon=None,
                           requested_at=None, updated_at=None)
    assert server_view(plain) is None  # a plain GeoReport v2 record: no workflow check
