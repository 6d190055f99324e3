"""Handling alerts: acknowledging needs an operator and a comment, once; silences need a reason and an end after
now; a viewer can do neither; every action is recorded with who and when; two consoles on one store see one
acknowledgement."""

from __future__ import annotations

import pytest

from services.store import Store, open_store
from services.workflow import WorkflowError

from tests.services.alerts.conftest import at, levels, rules

FLOOD = {"id": "flood", "kind": "river", "level": "flood", "severity": "critical", "clear_margin_m": 0.1,
         "clear_hours": 2, "quiet_minutes": 0}


def _open_alert(store: Store) -> int:
    store.ingest_river(levels("P.1", [4.3, 4.3, 4.3]))
    result = store.evaluate_alerts(rules(FLOOD), at(3.2))
    [alert_id] = result.raised
    return alert_id


def _refused(code: str, call, *args: object) -> WorkflowError:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkflowError) as caught:
        call(*args)
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_acknowledging_takes_a_comment_and_is_recorded_with_who_and_when(store: Store) -> None:
    alert_id = _open_alert(store)
    view = store.acknowledge_alert(alert_id, "  ทีมกู้ภัยกำลังไปที่สะพานนวรัฐ\nrescue team on its way  ", "wichai",
                                   "operator", at(3.5))
    assert (view.state, view.acknowledged_by, view.acknowledged_at) == ("acknowledged", "wichai", at(3.5))
    assert view.ack_comment == "ทีมกู้ภัยกำลังไปที่สะพานนวรัฐ\nrescue team on its way"  # stripped, line break kept
    history = store.alert_history(alert_id)
    assert [(h.action, h.actor, h.role, h.at, h.comment) for h in history] == [
        ("raised", "system", "", at(1), None),
        ("acknowledged", "wichai", "operator", at(3.5), view.ack_comment)]
    assert store.alerts(("acknowledged",), now=at(3.5)) == [view]
    assert store.alerts(("open",), now=at(3.5)) == []


@pytest.mark.parametrize(("comment", "needle"), [
    ("", "a comment is required"),
    ("   \n ", "a comment is required"),
    ("x" * 1001, "at most 1000 characters, got 1001"),
    ("seen\x07", "control characters"),
])
def test_a_comment_must_say_something(store: Store, comment: str, needle: str) -> None:
    alert_id = _open_alert(store)
    error = _refused("value", store.acknowledge_alert, alert_id, comment, "wichai", "operator", at(4))
    assert needle in error.message
    assert store.alert(alert_id).state == "open" and len(store.alert_history(alert_id)) == 1


def test_a_thousand_characters_are_enough(store: Store) -> None:
    alert_id = _open_alert(store)
    assert store.acknowledge_alert(alert_id, "ก" * 1000, "wichai", "operator", at(4)).ack_comment == "ก" * 1000


def test_a_viewer_can_neither_acknowledge_nor_silence(store: Store) -> None:
    alert_id = _open_alert(store)
    _refused("role", store.acknowledge_alert, alert_id, "seen it", "guest", "viewer", at(4))
    _refused("role", store.silence_rule, "flood", None, at(8), "testing", "guest", "viewer", at(4))
    silence = store.silence_rule("flood", None, at(8), "levee works", "somchai", "supervisor", at(4))
    _refused("role", store.end_silence, silence.id, "guest", "viewer", at(5))
    assert store.alert(alert_id).state == "open"
    assert [s.id for s in store.active_silences(at(5))] == [silence.id]
    assert [h.action for h in store.alert_history(alert_id)] == ["raised", "silenced"]


def test_only_an_open_alert_is_acknowledged_and_only_once(store: Store) -> None:
    alert_id = _open_alert(store)
    store.acknowledge_alert(alert_id, "on it", "wichai", "operator", at(4))
    error = _refused("state", store.acknowledge_alert, alert_id, "me too", "nattaya", "supervisor", at(4.2))
    assert "acknowledged already by wichai" in error.message
    store.ingest_river(levels("P.1", [4.0, 4.0], 4))
    assert store.evaluate_alerts(rules(FLOOD), at(5.5)).cleared == (alert_id,)
    cleared = store.alert(alert_id)
    assert (cleared.state, cleared.acknowledged_by, cleared.ack_comment) == ("cleared", "wichai", "on it")
    _refused("state", store.acknowledge_alert, alert_id, "late", "nattaya", "supervisor", at(6))
    with pytest.raises(LookupError):
        store.acknowledge_alert(9999, "what?", "wichai", "operator", at(6))


@pytest.mark.parametrize(("rule_id", "until_h", "reason", "needle"), [
    ("flood", 4.0, "works", "must end after now"),
    ("flood", 3.0, "works", "must end after now"),
    ("flood", 4 + 31 * 24, "works", "at most 30 days"),
    ("flood", 8.0, "  ", "a reason is required"),
    ("smoke", 8.0, "works", "no alert rule 'smoke'"),
])
def test_a_silence_needs_a_known_rule_a_reason_and_an_end_after_now(store: Store, rule_id: str, until_h: float,
                                                                     reason: str, needle: str) -> None:
    _open_alert(store)
    error = _refused("value", store.silence_rule, rule_id, None, at(until_h), reason, "somchai", "supervisor", at(4))
    assert needle in error.message
    assert store.active_silences(at(4)) == []


def test_ending_a_silence_that_is_not_in_force_is_refused(store: Store) -> None:
    _open_alert(store)
    silence = store.silence_rule("flood", "P.1", at(6), "works", "somchai", "supervisor", at(4))
    _refused("state", store.end_silence, silence.id, "somchai", "supervisor", at(6))  # over by itself
    with pytest.raises(LookupError):
        store.end_silence(9999, "somchai", "supervisor", at(5))


def test_two_consoles_on_one_store_see_one_acknowledgement(store: Store) -> None:
    alert_id = _open_alert(store)
    with open_store(store.path) as other:
        other.acknowledge_alert(alert_id, "seen at the other desk", "nattaya", "operator", at(4))
        seen = store.alert(alert_id)
        assert (seen.state, seen.acknowledged_by, seen.ack_comment) == (
            "acknowledged", "nattaya", "seen at the other desk")
        _refused("state", store.acknowledge_alert, alert_id, "seen here too", "wichai", "operator", at(4.1))
        assert [h.actor for h in other.alert_history(alert_id)] == ["system", "nattaya"]
