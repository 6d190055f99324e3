"""The queue's triage order in SQL: past their SLA first, then by priority (P1 first, none last), then oldest first;
the same order for the id list and the first page, with every filter, and against a sort in Python."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.store import IncidentDraft, QueueFilter, QueueSort, Store
from services.store import incident_queue
from services.store.incident_queue import TRIAGE
from services.store.incident_rows import SLA_STOPPED_STATES

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def draft(**kw: object) -> IncidentDraft:
    values: dict[str, object] = {"category": "road", "priority": "P3", "description": "pothole", "lat": 18.79,
                                 "lon": 98.98, "source": "hotline"}
    values.update(kw)
    return IncidentDraft(**values)  # type: ignore[arg-type]


def breached(row, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    return (row.expected_at is not None and row.expected_at < now and row.status == "open"
            and row.sla_paused_since is None and (row.state or "") not in SLA_STOPPED_STATES)


def triage_key(now: datetime):  # type: ignore[no-untyped-def]
    def key(row):  # type: ignore[no-untyped-def]
        return (not breached(row, now), row.priority is None, row.priority or "", row.requested_at, row.id)
    return key


@pytest.fixture
def night(store: Store) -> dict[str, int]:
    """A shift's queue: P1s and a P3 past their SLA, P1s within it (one older), a paused P2, a resolved P4, one
    without a priority."""
    specs = {
        "p1_breached_new": dict(priority="P1", expected_at=NOW - timedelta(minutes=10),
                                requested_at=NOW - timedelta(hours=2)),
        "p3_breached": dict(priority="P3", expected_at=NOW - timedelta(hours=1), requested_at=NOW - timedelta(days=3)),
        "p1_breached_old": dict(priority="P1", expected_at=NOW - timedelta(hours=3),
                                requested_at=NOW - timedelta(hours=7)),
        "p1_young": dict(priority="P1", expected_at=NOW + timedelta(hours=3), requested_at=NOW - timedelta(hours=1)),
        "p1_old": dict(priority="P1", expected_at=NOW + timedelta(hours=1), requested_at=NOW - timedelta(hours=3)),
        "p2_paused": dict(priority="P2", expected_at=NOW - timedelta(hours=5), requested_at=NOW - timedelta(hours=9)),
        "p4_resolved": dict(priority="P4", expected_at=NOW - timedelta(days=1), requested_at=NOW - timedelta(days=2),
                            state="resolved"),
        "none": dict(priority=None, expected_at=None, requested_at=NOW - timedelta(days=4)),
    }
    ids = {name: store.create_incident_local(draft(**spec), "op", NOW) for name, spec in specs.items()}
    store.apply_action_local(ids["p2_paused"], {"sla_paused_since": NOW - timedelta(hours=6),
                                                "workflow_state": "on_hold"}, "op", NOW)
    return ids


def test_breached_first_then_priority_then_oldest(store: Store, night: dict[str, int]) -> None:
    names = {v: k for k, v in night.items()}
    ids = store.incident_queue_ids(QueueFilter(now=NOW), QueueSort(TRIAGE)).tolist()
    assert [names[i] for i in ids] == [
        "p1_breached_old", "p1_breached_new", "p3_breached",  # past their SLA: by priority, then oldest
        "p1_old", "p1_young", "p2_paused", "p4_resolved",  # the rest by priority, then oldest
        "none",  # no priority last
    ]
    first = store.incident_queue_first_page(QueueFilter(now=NOW), QueueSort(TRIAGE, True), 4)
    assert [r.id for r in first] == ids[:4]  # the first page in the same order; the direction does not apply
    # With a filter: the P1s alone, still breached first.
    p1 = store.incident_queue_ids(QueueFilter(now=NOW, priorities={"P1"}), QueueSort(TRIAGE)).tolist()
    assert [names[i] for i in p1] == ["p1_breached_old", "p1_breached_new", "p1_old", "p1_young"]
    # Later, the young P1 is past its target too and moves up.
    later = store.incident_queue_ids(QueueFilter(now=NOW + timedelta(hours=2)), QueueSort(TRIAGE)).tolist()
    assert [names[i] for i in later[:4]] == ["p1_breached_old", "p1_old", "p1_breached_new", "p3_breached"]


@pytest.mark.parametrize("scan_from", [20_000, 0], ids=["by-id", "whole-table"])
def test_triage_matches_a_sort_in_python(store: Store, monkeypatch: pytest.MonkeyPatch, scan_from: int) -> None:
    monkeypatch.setattr(incident_queue, "_TRIAGE_SCAN_FROM", scan_from)  # both ways of reading the ranks
    rng = random.Random(11)
    for _ in range(120):
        priority = rng.choice(["P1", "P2", "P3", "P4", None])
        expected = None if rng.random() < 0.1 else NOW + timedelta(minutes=rng.randint(-600, 600))
        state = rng.choice(["new", "acknowledged", "dispatched", "resolved", "cancelled"])
        status = "closed" if state in ("resolved", "cancelled") else "open"
        store.create_incident_local(draft(priority=priority, expected_at=expected, state=state, status=status,
                                          requested_at=NOW - timedelta(minutes=rng.randint(0, 5000))), "op", NOW)
    for flt in (QueueFilter(now=NOW), QueueFilter(now=NOW, status={"open"}), QueueFilter(now=NOW, breaching=True),
                QueueFilter(now=NOW, priorities={"P1", "P2"})):
        ids = store.incident_queue_ids(flt, QueueSort(TRIAGE)).tolist()
        rows = store.incident_rows(ids)
        assert len(rows) == store.incident_queue_count(flt) > 0
        assert rows == sorted(rows, key=triage_key(NOW))
