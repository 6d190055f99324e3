"""Incident queue in SQL: migration from 0004, full-text search (Thai/English), filters, sorts, ids vs pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command

from services.store import IncidentDraft, QueueFilter, QueueSort, Store, open_store
from services.store.database import alembic_config, make_engine
from services.store.incident_rows import SORT_COLUMNS

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def draft(**kw: object) -> IncidentDraft:
    values: dict[str, object] = {"category": "road", "priority": "P3", "description": "pothole", "lat": 18.79,
                                 "lon": 98.98, "source": "hotline"}
    values.update(kw)
    return IncidentDraft(**values)  # type: ignore[arg-type]


def test_upgrade_from_0004_keeps_incidents_and_indexes_them(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    engine = make_engine(store_path, synchronous="FULL")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0004_air_hourly")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO incidents (id, server_id, status, description, updated_at, local_changes) "
            "VALUES (7, 'CM-7', 'open', 'ไฟดับทั้งซอยวัดเกต', 1000, 2)")
        conn.exec_driver_sql("INSERT INTO incident_events (incident_id, kind, at) VALUES (7, 'created', 1000)")
    engine.dispose()
    with open_store(store_path) as store:
        detail = store.incident_detail(7)
        assert (detail.server_id, detail.description, detail.local_changes) == ("CM-7", "ไฟดับทั้งซอยวัดเกต", 2)
        assert detail.row.sla_paused_s == 0 and detail.merged_into is None
        assert [e.kind for e in detail.events] == ["created"]
        assert list(store.incident_queue_ids(QueueFilter(text="ซอยวัด"), QueueSort())) == [7]


def test_fts_finds_thai_and_english_substrings_and_follows_edits(store: Store) -> None:
    a = store.create_incident_local(draft(description="น้ำท่วมขังหน้าตลาดวโรรส"), "op", NOW)
    b = store.create_incident_local(draft(description="Street light out near Tha Phae Gate",
                                          reporter_name="สมชาย ใจดี"), "op", NOW)

    def found(text: str) -> list[int]:
        return sorted(store.incident_queue_ids(QueueFilter(text=text), QueueSort("id", False)).tolist())

    assert found("ท่วมขัง") == [a]
    assert found("วโรรส") == [a]
    assert found("LIGHT out") == [b]  # case-insensitive, every word must match
    assert found("light วโรรส") == []
    assert found("ใจดี") == [b]  # reporter name is indexed
    assert found("Ga") == [b]  # under three characters: the LIKE fallback
    assert found('"') == []
    store.apply_action_local(a, {"description": "ถนนยุบตัว"}, "op", NOW)
    assert found("ท่วมขัง") == [] and found("ยุบตัว") == [a]
    with store.edit_engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM outbox")
        conn.exec_driver_sql("DELETE FROM incident_events")
        conn.exec_driver_sql("DELETE FROM incidents WHERE id = ?", (b,))
    assert found("light") == []
    with store.edit_engine.connect() as conn:  # the external-content index is consistent with its table
        conn.exec_driver_sql("INSERT INTO incidents_fts (incidents_fts) VALUES ('integrity-check')")


@pytest.fixture
def queue(store: Store) -> dict[str, int]:
    ids = {}
    specs = [
        ("a", dict(priority="P1", assignee="me", district_code="5001", category="road", source="hotline",
                   expected_at=NOW - timedelta(hours=1), requested_at=NOW - timedelta(hours=5))),
        ("b", dict(priority="P2", assignee=None, district_code="5002", category="waste", source="patrol",
                   expected_at=NOW + timedelta(hours=3), requested_at=NOW - timedelta(hours=4))),
        ("c", dict(priority="P1", assignee="other", district_code="5001", category="waste", source="sensor",
                   expected_at=NOW - timedelta(hours=2), requested_at=NOW - timedelta(hours=3))),
        ("d", dict(priority="P4", assignee=None, district_code="5003", category="road", source="walk-in",
                   expected_at=NOW - timedelta(hours=9), requested_at=NOW - timedelta(hours=2), state="resolved")),
        ("e", dict(priority="P3", assignee="me", district_code="5002", category="road", source="citizen app",
                   expected_at=NOW - timedelta(hours=1), requested_at=NOW - timedelta(hours=1),
                   description="ต้นไม้ล้มขวางถนน")),
    ]
    for name, spec in specs:
        ids[name] = store.create_incident_local(draft(**spec), "op", NOW)
    store.apply_action_local(ids["e"], {"sla_paused_since": NOW - timedelta(minutes=5), "workflow_state": "on_hold"},
                             "op", NOW)
    return ids


@pytest.mark.parametrize(("flt", "expected"), [
    (QueueFilter(), "abcde"),
    (QueueFilter(assignee="me"), "ae"),
    (QueueFilter(unassigned=True), "bd"),
    (QueueFilter(breaching=True, now=NOW), "ac"),  # d is resolved, e is paused
    (QueueFilter(district="5001"), "ac"),
    (QueueFilter(category="road"), "ade"),
    (QueueFilter(text="ไม้ล้ม"), "e"),
    (QueueFilter(states={"resolved", "on_hold"}), "de"),
    (QueueFilter(status={"closed"}), ""),
    (QueueFilter(category="road", assignee="me", district="5002"), "e"),
])
def test_filters(store: Store, queue: dict[str, int], flt: QueueFilter, expected: str) -> None:
    names = {v: k for k, v in queue.items()}
    got = store.incident_queue_ids(flt, QueueSort("id", False)).tolist()
    assert "".join(names[i] for i in got) == expected
    assert store.incident_queue_count(flt) == len(expected)


@pytest.mark.parametrize("column", sorted(SORT_COLUMNS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_column_orders_ids_and_pages_alike(store: Store, queue: dict[str, int], column: str,
                                                      descending: bool) -> None:
    sort = QueueSort(column, descending)
    ids = store.incident_queue_ids(QueueFilter(), sort).tolist()
    rows = store.incident_rows(ids)
    assert [r.id for r in rows] == ids
    assert [r.id for r in store.incident_queue_first_page(QueueFilter(), sort, 3)] == ids[:3]
    attr = {"category": "category", "age": "requested_at", "sla": "expected_at", "district": "district_code"}.get(
        column, column)

    def key(r):  # type: ignore[no-untyped-def]
        value = getattr(r, attr)
        return (value is not None, value if value is not None else 0, r.requested_at, r.id)

    assert rows == sorted(rows, key=key, reverse=descending)


def test_rows_keep_the_order_asked_for_and_skip_unknown_ids(store: Store, queue: dict[str, int]) -> None:
    wanted = [queue["d"], 9999, queue["a"], queue["c"]]
    assert [r.id for r in store.incident_rows(wanted)] == [queue["d"], queue["a"], queue["c"]]
    assert store.incident_rows([]) == []


def test_unknown_sort_column_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown sort column"):
        store.incident_queue_ids(QueueFilter(), QueueSort("description; DROP TABLE incidents", False))


def test_merged_incidents_leave_the_queue(store: Store, queue: dict[str, int]) -> None:
    store.merge_incidents_local(queue["a"], [queue["c"]], "op", NOW)
    assert queue["c"] not in store.incident_queue_ids(QueueFilter(), QueueSort()).tolist()
    assert store.incident_queue_count(QueueFilter()) == 4


def test_server_records_bring_source_district_and_keep_reporters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from services.records import ServiceRequest
    from services.store.database import open_store

    store = open_store(tmp_path / "s.sqlite3")
    at = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)

    def record(**extra: object) -> ServiceRequest:
        return ServiceRequest(id="77", status="open", service_code="garbage", description="bins", lat=18.7855,
                              lon=98.9997, requested_at=at, updated_at=at, status_detail="new", version=2,
                              extra={"source": "hotline", **extra})

    store.ingest_service_requests([record(reporter_name="สมศรี", reporter_contact="081")])
    again = store.ingest_service_requests([record()])  # an anonymous view of the same record
    assert (again.inserted, again.updated) == (0, 0)
    [row] = store.incident_rows([store.incident_id_for_server_id("77")])
    assert row.source == "hotline" and row.district_code == "TH5001"
    detail = store.incident_detail(row.id)
    assert detail.reporter_name == "สมศรี"
    store.close()


def test_sla_breaches_escalate_once_each(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from services.store.database import open_store
    from services.store.incident_rows import IncidentDraft

    store = open_store(tmp_path / "s.sqlite3")
    now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)

    def draft(minutes: int, state: str = "acknowledged") -> IncidentDraft:
        return IncidentDraft(category="flooding", priority="P1", description="x", lat=18.79, lon=98.99,
                             source="hotline", state=state, expected_at=now + timedelta(minutes=minutes),
                             requested_at=now - timedelta(hours=4))

    late = store.create_incident_local(draft(-5), "op", now)
    store.create_incident_local(draft(+30), "op", now)  # not yet due
    store.create_incident_local(draft(-5, state="resolved"), "op", now)  # clock stopped at resolution
    assert store.escalate_breaches(now) == [late]
    assert store.escalate_breaches(now + timedelta(minutes=1)) == []  # once per breach
    events = store.incident_detail(late).events
    escalated = [e for e in events if e.kind == "escalated"]
    assert len(escalated) == 1 and escalated[0].actor == "system" and escalated[0].after["to"] == "shift supervisor"
    store.close()
