"""Alerts reach the backend through the outbox, and come back from it: two stores (two consoles) on one real
simulator over HTTP, with the real drain, writer and feed.

- the same episode raised by both is ONE alert on the server; the second store adopts the first one's uid;
- one store's acknowledgement (with its comment) reaches the other through the ``open311_alerts`` feed, with who;
- a second acknowledgement from elsewhere is refused (409) and the one kept is adopted, never overwritten;
- offline, the alert and its acknowledgement wait in the outbox and go when the backend is back;
- later snapshots only move an alert forward; silences and their end go both ways; a viewer cannot write;
- a backend without the extension keeps alerts local (the entry is done, said once) and the feed says so once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from services.incident_writer import IncidentWriter
from services.outbox_drain import drain_step
from services.settings import Settings
from services.simulator.server import SimulatorServer
from services.store import Store, open_store
from services.sync.alert_feed import ABSENT, FEED_NAME
from services.sync.feed_catalog import build_catalog
from services.sync.sync_service import SyncService

from tests.services.alerts.conftest import at, levels, rules
from tests.support.loopback_wsgi import loopback_server

FLOOD = {"id": "flood", "kind": "river", "level": "flood", "severity": "critical", "clear_margin_m": 0.1,
         "clear_hours": 2, "quiet_minutes": 0}


def _api(base: str) -> str:
    return f"{base}/open311/v2"


def _writer(sim: SimulatorServer, role: str = "operator") -> IncidentWriter:
    return IncidentWriter(_api(sim.url), sim.tokens[role], role_tokens=sim.tokens)


def _feed(base: str) -> SyncService:
    settings = Settings.model_validate({"endpoints": {"open311": _api(base)}})
    return SyncService([s for s in build_catalog(settings) if s.name == FEED_NAME], settings)


def _drain(store: Store, writer: IncidentWriter) -> list[str]:
    kinds = []
    while (step := drain_step(store, writer)) is not None:
        kinds.append(step.kind)
        if step.kind == "retry":
            break
    return kinds


def _flood_alert(store: Store) -> int:
    store.ingest_river(levels("P.1", [4.3, 4.3, 4.3]))
    [alert_id] = store.evaluate_alerts(rules(FLOOD), at(3.2)).raised
    return alert_id


def _uid(store: Store, alert_id: int) -> str:
    with store.edit_engine.connect() as conn:
        return conn.exec_driver_sql("SELECT uid FROM alerts WHERE id = ?", (alert_id,)).scalar_one()


@contextmanager
def _two_stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    a, b = open_store(tmp_path / "a.sqlite3"), open_store(tmp_path / "b.sqlite3")
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def test_two_consoles_see_one_alert_and_one_acknowledgement(simulator: SimulatorServer, tmp_path: Path) -> None:
    with _two_stores(tmp_path) as (a, b):
        alert_a, alert_b = _flood_alert(a), _flood_alert(b)
        assert _uid(a, alert_a) != _uid(b, alert_b)  # each console raised it on its own
        writer = _writer(simulator)
        assert _drain(a, writer) == ["sent"]
        assert _drain(b, writer) == ["sent"]
        server = requests.get(f"{_api(simulator.url)}/alerts.json", timeout=10).json()
        assert len(server) == 1 and server[0]["uid"] == _uid(a, alert_a)  # one alert: the first uid won
        assert _uid(b, alert_b) == _uid(a, alert_a)  # ...and the second console took it

        a.acknowledge_alert(alert_a, "ทีมกู้ภัยกำลังไป / rescue on its way", "wichai (operator)", "operator", at(3.5))
        assert a.outbox_states().get("pending") == 1
        assert _drain(a, writer) == ["sent"]
        _feed(simulator.url).run_feed(b, FEED_NAME)
        seen = b.alert(alert_b)
        assert (seen.state, seen.acknowledged_by, seen.ack_comment) == (
            "acknowledged", "wichai (operator)", "ทีมกู้ภัยกำลังไป / rescue on its way")
        assert [(h.action, h.actor, h.comment) for h in b.alert_history(alert_b)][-1] == (
            "acknowledged", "wichai (operator)", "ทีมกู้ภัยกำลังไป / rescue on its way")
        # Polled again: nothing new, nothing written twice.
        _feed(simulator.url).run_feed(b, FEED_NAME)
        assert [h.action for h in b.alert_history(alert_b)].count("acknowledged") == 1


def test_a_second_acknowledgement_is_refused_and_the_first_adopted(simulator: SimulatorServer,
                                                                   tmp_path: Path) -> None:
    with _two_stores(tmp_path) as (a, b):
        alert_a, alert_b = _flood_alert(a), _flood_alert(b)
        writer = _writer(simulator)
        _drain(a, writer), _drain(b, writer)
        # Both acknowledge before hearing of the other.
        a.acknowledge_alert(alert_a, "first: on our way", "wichai (operator)", "operator", at(3.5))
        b.acknowledge_alert(alert_b, "second: we go too", "somchai (supervisor)", "supervisor", at(3.6))
        assert _drain(a, writer) == ["sent"]
        assert _drain(b, writer) == ["conflict"]
        kept = b.alert(alert_b)
        assert (kept.acknowledged_by, kept.ack_comment) == ("wichai (operator)", "first: on our way")
        history = [(h.action, h.actor) for h in b.alert_history(alert_b)]
        assert ("acknowledged", "somchai (supervisor)") in history and ("acknowledged", "wichai (operator)") in history
        assert b.outbox_states().get("failed", 0) == 0  # adopted, nothing for a person to resolve
        server = requests.get(f"{_api(simulator.url)}/alerts.json", timeout=10).json()
        assert server[0]["acknowledgement"]["comment"] == "first: on our way"


def test_offline_the_alert_and_its_acknowledgement_wait_and_go_when_back(simulator: SimulatorServer,
                                                                         tmp_path: Path) -> None:
    with _two_stores(tmp_path) as (a, b):
        alert_a = _flood_alert(a)
        a.acknowledge_alert(alert_a, "seen offline", "wichai (operator)", "operator", at(3.5))
        writer = _writer(simulator)
        simulator.set_offline(True)
        try:
            assert _drain(a, writer) == ["retry"]
            assert a.outbox_states().get("pending") == 2  # nothing lost
        finally:
            simulator.set_offline(False)
        assert _drain(a, writer) == ["sent", "sent"]
        _feed(simulator.url).run_feed(b, FEED_NAME)  # b never evaluated: it gets the alert as the server has it
        [seen] = b.alerts(now=at(4))
        assert (seen.rule_id, seen.state, seen.acknowledged_by, seen.ack_comment) == (
            "flood", "acknowledged", "wichai (operator)", "seen offline")


def test_updates_coalesce_and_only_move_forward(simulator: SimulatorServer, store: Store) -> None:
    alert_id = _flood_alert(store)
    store.ingest_river(levels("P.1", [4.3, 4.3], first_hour=4))
    store.evaluate_alerts(rules(FLOOD), at(5.2))
    assert store.outbox_states().get("pending") == 1  # one snapshot, refreshed while it waited
    writer = _writer(simulator)
    assert _drain(store, writer) == ["sent"]
    server = requests.get(f"{_api(simulator.url)}/alerts.json", timeout=10).json()[0]
    assert server["occurrences"] == store.alert(alert_id).occurrences
    # A stale snapshot (fewer occurrences, an earlier last time) changes nothing.
    stale = {**server, "occurrences": 1, "last_at": server["first_at"]}
    resp = requests.post(f"{_api(simulator.url)}/alerts.json", json=stale, timeout=10,
                         headers={"Authorization": f"Bearer {simulator.tokens['operator']}"})
    assert resp.status_code == 200
    assert (resp.json()["occurrences"], resp.json()["last_at"]) == (server["occurrences"], server["last_at"])


def test_idempotent_posts_validation_and_roles(simulator: SimulatorServer) -> None:
    url = f"{_api(simulator.url)}/alerts.json"
    alert = {"rule_id": "flood", "kind": "river", "severity": "critical", "scope_kind": "gauge", "scope_key": "P.1",
             "first_at": "2026-03-01T01:00:00Z", "last_at": "2026-03-01T03:00:00Z", "occurrences": 3,
             "message_th": "น้ำล้น", "message_en": "flood"}
    headers = {"Authorization": f"Bearer {simulator.tokens['operator']}", "Idempotency-Key": "k-1"}
    first = requests.post(url, json=alert, headers=headers, timeout=10)
    again = requests.post(url, json=alert, headers=headers, timeout=10)
    assert (first.status_code, again.status_code) == (201, 201) and first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = requests.post(url, json={**alert, "occurrences": 4}, headers=headers, timeout=10)
    assert other.status_code == 422
    bad = requests.post(url, json={**alert, "severity": "huge"}, timeout=10,
                        headers={"Authorization": f"Bearer {simulator.tokens['operator']}"})
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400 and "severity" in bad.json()[0]["description"]
    viewer = requests.post(url, json=alert, timeout=10,
                           headers={"Authorization": f"Bearer {simulator.tokens['viewer']}"})
    assert viewer.status_code == 403
    assert requests.post(url, json=alert, timeout=10).status_code == 401
    uid = first.json()["uid"]
    ack = requests.post(f"{_api(simulator.url)}/alerts/{uid}/acknowledgements.json", timeout=10,
                        json={"acknowledged_by": "x", "comment": "  "},
                        headers={"Authorization": f"Bearer {simulator.tokens['operator']}"})
    assert ack.status_code == 400
    missing = requests.post(f"{_api(simulator.url)}/alerts/nope/acknowledgements.json", timeout=10,
                            json={"acknowledged_by": "x", "comment": "c"},
                            headers={"Authorization": f"Bearer {simulator.tokens['operator']}"})
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_silences_and_their_end_reach_the_other_console(simulator: SimulatorServer, tmp_path: Path) -> None:
    with _two_stores(tmp_path) as (a, b):
        _flood_alert(a)
        silence = a.silence_rule("flood", "P.1", at(3.5) + timedelta(hours=4), "works at the gauge", "wichai",
                                 "operator", at(3.5))
        writer = _writer(simulator)
        assert _drain(a, writer) == ["sent", "sent"]
        feed = _feed(simulator.url)
        feed.run_feed(b, FEED_NAME)
        [seen] = b.active_silences(at(4))
        assert (seen.rule_id, seen.scope_key, seen.reason, seen.actor) == ("flood", "P.1", "works at the gauge",
                                                                          "wichai")
        a.end_silence(silence.id, "wichai", "operator", at(4))
        assert _drain(a, writer) == ["sent"]
        feed.run_feed(b, FEED_NAME)
        assert b.active_silences(at(4.5)) == []


def test_a_backend_that_lost_the_alert_gets_it_again_before_the_acknowledgement(store: Store) -> None:
    # The alert reached one simulator; the acknowledgement goes to one started afresh (as the embedded simulator is
    # at each launch), which answers 404 for an alert it never had.
    alert_id = _flood_alert(store)
    first = SimulatorServer(port=0).start()
    try:
        assert _drain(store, _writer(first)) == ["sent"]
    finally:
        first.stop()
    store.acknowledge_alert(alert_id, "boats sent", "wichai (operator)", "operator", at(3.5))
    fresh = SimulatorServer(port=0).start()
    try:
        assert _drain(store, _writer(fresh)) == ["missing", "sent", "sent"]  # the ack, the alert again, the ack
        [server] = requests.get(f"{_api(fresh.url)}/alerts.json", timeout=10).json()
        assert server["uid"] == _uid(store, alert_id)
        assert server["acknowledgement"]["comment"] == "boats sent"
        assert store.outbox_states().get("pending", 0) == 0 and store.outbox_states().get("failed", 0) == 0
    finally:
        fresh.stop()


def test_an_acknowledgement_the_backend_never_places_is_refused_after_a_few_tries(store: Store) -> None:
    alert_id = _flood_alert(store)
    store.acknowledge_alert(alert_id, "boats sent", "wichai (operator)", "operator", at(3.5))
    with _lost_alerts() as base:
        writer = IncidentWriter(_api(base), "token")
        kinds = _drain(store, writer)
    # Each 404 sends the alert again first; the third refuses the acknowledgement for a person to see.
    assert kinds == ["sent", "missing", "sent", "missing", "sent", "rejected"]
    assert store.outbox_states().get("failed") == 1 and store.outbox_states().get("pending", 0) == 0


def _lost_alerts() -> Any:
    """A backend that takes alerts but never finds them again (404 on every acknowledgement)."""
    @Request.application
    def app(request: Request) -> Response:
        if request.path.endswith("/alerts.json"):
            body = request.get_json()
            return Response(json.dumps({**body, "acknowledgement": None}), status=201,
                            content_type="application/json")
        return Response('[{"code": 404, "description": "alert not found"}]', status=404,
                        content_type="application/json")

    return loopback_server(app)


def _plain_open311() -> Any:
    """A backend with no alerts extension: every path answers 404 (as an Open311 error)."""
    @Request.application
    def app(request: Request) -> Response:
        return Response('[{"code": 404, "description": "not found"}]', status=404, content_type="application/json")

    return loopback_server(app)


def test_without_the_extension_alerts_stay_local_and_it_is_said_once(store: Store, caplog) -> None:  # type: ignore[no-untyped-def]
    alert_id = _flood_alert(store)
    with _plain_open311() as base:
        writer = IncidentWriter(_api(base), "token")
        with caplog.at_level(logging.WARNING, logger="services.alert_writer"):
            assert _drain(store, writer) == ["local"]
            store.acknowledge_alert(alert_id, "seen", "wichai (operator)", "operator", at(3.5))
            assert _drain(store, writer) == ["local"]  # not asked again
        assert sum("no alerts extension" in r.getMessage() for r in caplog.records) == 1
        assert sum("/alerts.json" in r.getMessage() for r in caplog.records) == 1  # asked once
        assert store.outbox_states().get("pending", 0) == 0
        state = _feed(base).run_feed(store, FEED_NAME)
        assert state.last_error == ABSENT
