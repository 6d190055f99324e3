"""Refused edits (outbox 'failed'): listed until a person acknowledges them; acknowledging keeps everything and says
who saw it on the timeline; the status bar's count follows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.store.incident_rows import IncidentDraft
from services.store.store import Store

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def _refused_comment(store: Store) -> tuple[int, int]:
    draft = IncidentDraft(category="tree", priority="P3", description="<b>ต้นไม้ล้ม</b>", lat=18.79, lon=98.98,
                          source="hotline")
    incident = store.create_incident_local(draft, "nida (operator)", NOW)
    store.outbox_mark_sent(store.outbox_pending()[0].id, None)
    with store.edit_engine.begin() as conn:  # as if the create's answer had given it its server id
        conn.exec_driver_sql("UPDATE incidents SET server_id = 'CM-77', version = 1 WHERE id = ?", (incident,))
    store.add_comment_local(incident, "x" * 5, "nida (operator)", NOW)
    entry = store.outbox_pending()[0]
    store.outbox_mark_failed(entry.id, "HTTP 400: text too short", retry=False, now=NOW)
    return incident, entry.id


def test_refused_edits_are_listed_until_acknowledged(store: Store) -> None:
    incident, outbox_id = _refused_comment(store)
    [refused] = store.refused_edits()
    assert (refused.outbox_id, refused.incident_id, refused.op, refused.reason, refused.actor) == (
        outbox_id, incident, "comment", "HTTP 400: text too short", "nida (operator)")
    assert refused.fields == {"text": "xxxxx"} and refused.description == "<b>ต้นไม้ล้ม</b>"
    assert store.outbox_states() == {"failed": 1}

    store.acknowledge_refusal(outbox_id, "somchai (supervisor)", NOW)
    store.acknowledge_refusal(outbox_id, "somchai (supervisor)", NOW)  # twice: no second event
    assert store.refused_edits() == [] and store.outbox_states() == {}
    events = [e for e in store.incident_detail(incident).events if e.kind == "refusal_acknowledged"]
    assert len(events) == 1 and events[0].actor == "somchai (supervisor)"
    assert events[0].after["reason"] == "HTTP 400: text too short"
    with store.edit_engine.connect() as conn:  # the entry itself stays, as refused
        assert conn.exec_driver_sql("SELECT state FROM outbox WHERE id = ?", (outbox_id,)).scalar() == "failed"


def test_only_a_refused_edit_can_be_acknowledged(store: Store) -> None:
    incident, _ = _refused_comment(store)
    store.add_comment_local(incident, "pending one", "nida (operator)", NOW)
    pending = store.outbox_pending()[0]
    with pytest.raises(LookupError):
        store.acknowledge_refusal(pending.id, "somchai (supervisor)", NOW)
    with pytest.raises(LookupError):
        store.acknowledge_refusal(999_999, "somchai (supervisor)", NOW)
