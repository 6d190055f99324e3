"""Alert outbox entries the backend does not have yet (pending) are unsent edits like the incident ones: exported
with everything needed to send them again, counted where the console says how many edits are unsent (and so keep
a store from being rebound to another backend), and kept by a salvage, which names the ones it lost."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from services.backend_identity import BackendIdentity
from services.errors import StoreBindingError
from services.store import open_store
from services.store.salvage import salvage_store
from services.store.store import Store
from services.store.unsent_export import FORMAT, export_unsent

from tests.services.alerts.conftest import at, hourly, levels, pm25_rule, rules
from tests.services.store.damaged_store import overwrite_pages, pages, table_rows

TRAINING = BackendIdentity("demo", "embedded_simulator", "", 2026)
LIVE = BackendIdentity("live", "open311", "https://cm-pao.example/open311/v2")
FLOOD = {"id": "flood", "kind": "river", "level": "flood", "severity": "critical", "clear_margin_m": 0.1,
         "clear_hours": 2, "quiet_minutes": 0}


def _flood_alert(store: Store) -> int:
    store.ingest_river(levels("P.1", [4.3, 4.3, 4.3]))
    [alert_id] = store.evaluate_alerts(rules(FLOOD), at(3.2)).raised
    return alert_id


def _send_next(store: Store, kind: str = "sent") -> None:
    entry = store.alert_outbox_next()
    assert entry is not None
    store.alert_outbox_record(entry, kind, None, None if kind == "sent" else "HTTP 400: refused", at(3.3))


def _pending_alerts(store: Store, count: int) -> None:
    """``count`` PM2.5 alerts raised by the evaluation, each an unsent ``alert`` entry."""
    for i in range(count):
        store.ingest_air(hourly(f"S{i:02d}", [120.0] * 30))
    assert len(store.evaluate_alerts(rules(pm25_rule()), at(31)).raised) == count


def test_the_export_holds_the_unsent_alert_entries_with_what_sends_them_again(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite3") as store:
        store.bind_backend(LIVE)
        alert_id = _flood_alert(store)
        _send_next(store)  # the raise went: not unsent any more
        store.acknowledge_alert(alert_id, "ทีมกู้ภัยกำลังไป", "wichai (operator)", "operator", at(3.5))
        silence = store.silence_rule("flood", None, at(3.6) + timedelta(hours=2), "works", "wichai (operator)",
                                     "operator", at(3.6))
        _send_next(store, "rejected")  # the acknowledgement was refused for good: not unsent either
        with store.edit_engine.connect() as conn:
            silence_uid = conn.exec_driver_sql("SELECT uid FROM alert_silences WHERE id = ?",
                                               (silence.id,)).scalar_one()
        count = export_unsent(store.edit_engine, tmp_path / "unsent.json", at(4))
        assert store.contents().unsent == 1

    document = json.loads((tmp_path / "unsent.json").read_text(encoding="utf-8"))
    assert (document["format"], document["format_version"]) == (FORMAT, 2)
    assert count == 1 and document["edits"] == [] and document["incidents"] == []
    [entry] = document["alert_edits"]
    assert entry["op"] == "silence" and entry["state"] == "pending" and entry["idempotency_key"]
    assert entry["fields"]["reason"] == "works" and entry["fields"]["scope_key"] is None
    assert (entry["actor"], entry["backend"], entry["made_at"]) == ("wichai (operator)", LIVE.key,
                                                                    "2026-03-01T03:36:00Z")
    assert entry["uid"] == silence_uid and entry["silence"]["uid"] == silence_uid
    assert entry["silence"]["rule_id"] == "flood" and entry["silence"]["until"] == "2026-03-01T05:36:00Z"
    assert "alert" not in entry


def test_a_pending_alert_entry_is_exported_under_its_alert(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite3") as store:
        alert_id = _flood_alert(store)
        document_count = export_unsent(store.edit_engine, tmp_path / "unsent.json", at(4))
        uid = _uid(store, alert_id)
    [entry] = json.loads((tmp_path / "unsent.json").read_text(encoding="utf-8"))["alert_edits"]
    assert document_count == 1 and entry["op"] == "alert" and entry["uid"] == uid
    assert entry["fields"]["scope_key"] == "P.1" and entry["fields"]["severity"] == "critical"
    assert entry["alert"] == {"uid": uid, "rule_id": "flood", "kind": "river", "severity": "critical",
                              "scope_kind": "gauge", "scope_key": "P.1", "scope_name_th": "สถานี P.1",
                              "scope_name_en": "Gauge P.1", "rule_name_th": "กฎ flood", "rule_name_en": "Rule flood",
                              "first_at": "2026-03-01T01:00:00Z"}


def _uid(store: Store, alert_id: int) -> str:
    with store.edit_engine.connect() as conn:
        return conn.exec_driver_sql("SELECT uid FROM alerts WHERE id = ?", (alert_id,)).scalar_one()


def test_unsent_alert_entries_are_counted_and_keep_the_store_from_another_backend(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with open_store(path) as store:
        store.bind_backend(TRAINING)
        _flood_alert(store)  # no incident, no incident edit: only the alert waits for the training backend
        assert store.contents().unsent == 1
        with pytest.raises(StoreBindingError) as refused:
            store.bind_backend(LIVE)
        assert refused.value.unsent == 1 and refused.value.incidents == 0
        assert store.backend() == TRAINING
        _send_next(store)
        assert store.contents().unsent == 0
        assert store.bind_backend(LIVE) == "rebound"  # nothing of the training backend's waits any more


def test_a_salvage_keeps_the_unsent_alert_entries(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    with open_store(path) as store:
        store.bind_backend(TRAINING)
        _pending_alerts(store, 3)
        _send_next(store)
    expected = table_rows(path, ("alert_outbox", "alerts", "alert_actions"))

    report = salvage_store(path, now=at(40))

    assert report.alert_unsent == 3 - 1 and report.alert_unsent_lost == () and report.complete
    assert report.to_json()["alert_unsent"] == 2 and report.to_json()["alert_unsent_lost"] == []
    assert table_rows(path, ("alert_outbox", "alerts", "alert_actions")) == expected
    with open_store(path) as store:
        assert store.outbox_states() == {"pending": 2}


def test_a_salvage_names_the_unsent_alert_entries_it_lost(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    with open_store(path) as store:
        store.bind_backend(TRAINING)
        _pending_alerts(store, 24)  # snapshots of some 700 bytes: several pages of the alert outbox
    expected = {row[0] for row in table_rows(path, ("alert_outbox",))["alert_outbox"]}
    leaves = pages(path, "alert_outbox")
    assert len(leaves) >= 3
    overwrite_pages(path, [leaves[len(leaves) // 2]])

    report = salvage_store(path, now=at(40))

    kept = {row[0] for row in table_rows(path, ("alert_outbox",))["alert_outbox"]}
    assert kept < expected
    assert report.alert_unsent_lost == tuple(sorted(expected - kept)) and report.alert_unsent == len(kept)
    assert not report.complete
    assert any(line.startswith("unsent alert edits lost (alert outbox ids): ") for line in report.problems())
    assert report.unsent_lost == ()  # the incident outbox lost nothing: the two are told apart
    with sqlite3.connect(path) as conn:  # a new entry never takes a lost entry's id (the send order)
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'alert_outbox'").fetchone()[0]
    conn.close()
    assert seq >= max(expected)
