"""Alert outbox entries the backend refused for good reach the refused-edits list beside the incident edits: which
alert (rule and scope), what op, who, when and why; a person acknowledges each (the alert's history says who); an
acknowledgement refused as a conflict (another console's was kept) never shows up there."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.store.incident_rows import IncidentDraft
from services.store.refusals import RefusedAlertEdit, RefusedEdit
from services.store.store import Store

from tests.services.alerts.conftest import at, levels, rules

FLOOD = {"id": "flood", "kind": "river", "level": "flood", "severity": "critical", "clear_margin_m": 0.1,
         "clear_hours": 2, "quiet_minutes": 0}


def _flood_alert(store: Store) -> int:
    store.ingest_river(levels("P.1", [4.3, 4.3, 4.3]))
    [alert_id] = store.evaluate_alerts(rules(FLOOD), at(3.2)).raised
    return alert_id


def _answer_next(store: Store, kind: str, reason: str, hours: float) -> int:
    """What the drain records when the backend answers the next alert entry with ``kind`` (services.outbox_drain);
    returns the entry's id."""
    entry = store.alert_outbox_next()
    assert entry is not None
    store.alert_outbox_record(entry, kind, None, reason, at(hours))
    return entry.id


def _refused_incident_create(store: Store) -> int:
    """An incident edit refused for good: its outbox id (the incident outbox counts from 1 too)."""
    draft = IncidentDraft(category="flood", priority="P2", description="น้ำท่วมถนน", lat=18.79, lon=98.99,
                          source="hotline")
    store.create_incident_local(draft, "nida (operator)", at(1))
    entry = store.outbox_pending()[0]
    store.outbox_mark_failed(entry.id, "HTTP 400: no such category", retry=False, now=at(1.6))
    return entry.id


def test_a_refused_alert_is_listed_beside_incident_edits_until_acknowledged(store: Store) -> None:
    alert_id = _flood_alert(store)
    alert_entry = _answer_next(store, "rejected", "HTTP 422: occurrences went back", 3.3)
    incident_entry = _refused_incident_create(store)
    assert alert_entry == incident_entry == 1  # the two outboxes' ids overlap

    incident_refusal, alert_refusal = store.refused_edits()  # oldest made first
    assert isinstance(incident_refusal, RefusedEdit) and incident_refusal.source == "incident"
    assert isinstance(alert_refusal, RefusedAlertEdit) and alert_refusal.source == "alert"
    assert (alert_refusal.outbox_id, alert_refusal.op, alert_refusal.alert_id, alert_refusal.reason) == (
        alert_entry, "alert", alert_id, "HTTP 422: occurrences went back")
    assert (alert_refusal.rule_id, alert_refusal.rule_name_th, alert_refusal.rule_name_en) == (
        "flood", "กฎ flood", "Rule flood")
    assert (alert_refusal.scope_key, alert_refusal.scope_name_th, alert_refusal.scope_name_en) == (
        "P.1", "สถานี P.1", "Gauge P.1")
    assert alert_refusal.actor is None  # the evaluation queued it
    assert alert_refusal.made_at is not None and alert_refusal.refused_at == at(3.3)
    assert store.outbox_states() == {"failed": 2}

    # The same id in the other outbox is another entry: acknowledging the alert's leaves the incident's listed.
    store.acknowledge_refusal(alert_entry, "somchai (supervisor)", at(4), source="alert")
    store.acknowledge_refusal(alert_entry, "somchai (supervisor)", at(4.1), source="alert")  # twice: one line
    assert [r.source for r in store.refused_edits()] == ["incident"]
    assert store.outbox_states() == {"failed": 1}
    seen = [(h.action, h.actor, h.role, h.comment) for h in store.alert_history(alert_id)
            if h.action == "refusal_acknowledged"]
    assert seen == [("refusal_acknowledged", "somchai (supervisor)", "supervisor", "HTTP 422: occurrences went back")]
    with store.edit_engine.connect() as conn:  # the entry stays, as refused, with when it was seen
        assert conn.exec_driver_sql("SELECT state, acknowledged_at IS NOT NULL FROM alert_outbox WHERE id = ?",
                                    (alert_entry,)).one() == ("failed", 1)

    store.acknowledge_refusal(incident_entry, "somchai (supervisor)", at(4.2))
    assert store.refused_edits() == [] and store.outbox_states() == {}


def test_a_refused_silence_names_its_rule_and_scope_and_is_seen_on_the_alerts_it_covered(store: Store) -> None:
    alert_id = _flood_alert(store)
    _answer_next(store, "sent", "", 3.3)  # the raise went through
    silence = store.silence_rule("flood", "P.1", at(3.5) + timedelta(hours=4), "งานซ่อมสถานี", "wichai (operator)",
                                 "operator", at(3.5))
    entry = _answer_next(store, "rejected", "HTTP 403: a viewer may not silence", 3.6)

    [refused] = store.refused_edits()
    assert isinstance(refused, RefusedAlertEdit)
    assert (refused.op, refused.alert_id, refused.silence_id, refused.actor) == (
        "silence", None, silence.id, "wichai (operator)")
    assert (refused.rule_id, refused.rule_name_en, refused.scope_key, refused.scope_name_en) == (
        "flood", "Rule flood", "P.1", "Gauge P.1")
    assert refused.fields["reason"] == "งานซ่อมสถานี"

    store.acknowledge_refusal(entry, "somchai (supervisor)", at(4), source="alert")
    assert store.refused_edits() == []
    history = [(h.action, h.actor) for h in store.alert_history(alert_id)]
    assert history[-2:] == [("silenced", "wichai (operator)"), ("refusal_acknowledged", "somchai (supervisor)")]


def test_an_acknowledgement_refused_as_a_conflict_is_not_listed(store: Store) -> None:
    alert_id = _flood_alert(store)
    _answer_next(store, "sent", "", 3.3)  # the raise went through
    store.acknowledge_alert(alert_id, "on our way", "wichai (operator)", "operator", at(3.5))
    entry = _answer_next(store, "conflict", "HTTP 409: acknowledged already by somchai", 3.6)

    assert store.refused_edits() == [] and store.outbox_states() == {}
    with store.edit_engine.connect() as conn:  # kept as refused, seen already: another console's ack won
        assert conn.exec_driver_sql("SELECT state FROM alert_outbox WHERE id = ?", (entry,)).scalar() == "failed"


def test_only_a_refused_alert_entry_can_be_acknowledged(store: Store) -> None:
    _flood_alert(store)
    pending = store.alert_outbox_next()
    assert pending is not None
    with pytest.raises(LookupError):
        store.acknowledge_refusal(pending.id, "somchai (supervisor)", at(4), source="alert")
    with pytest.raises(LookupError):
        store.acknowledge_refusal(999_999, "somchai (supervisor)", at(4), source="alert")
    with pytest.raises(ValueError):
        store.acknowledge_refusal(pending.id, "somchai (supervisor)", at(4), source="alerts")
