"""The ``open311_updates`` feed against the real simulator: changes made elsewhere (service request updates) reach the
incident timelines with who made them, exactly once; this store's own writes are not shown twice; an update whose
incident has not come yet waits for the incidents poll; a backend without the list says so once and stops asking."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from services.incident_actions import apply_action
from services.incident_writer import IncidentWriter
from services.outbox_drain import drain_step, record_outcome, take_next
from services.records import ServiceRequestUpdate
from services.settings import Settings
from services.simulator.clock import SimClock
from services.simulator.server import SimulatorServer
from services.sla import SlaPolicy
from services.store.store import Store
from services.sync.feed_catalog import UPDATES_ABSENT, build_catalog, hold_orphan_updates
from services.sync.sync_service import SyncService

UPDATES, REQUESTS = "open311_updates", "open311_requests"
ACTOR = "nida (operator)"


def _open311_sync(base: str, clock: object = None) -> SyncService:
    """The Open311 incidents and updates feeds only, against ``base`` (the server's root URL)."""
    settings = Settings.model_validate({"endpoints": {"open311": f"{base}/open311/v2"}})
    specs = [spec for spec in build_catalog(settings) if spec.name in (REQUESTS, UPDATES)]
    return SyncService(specs, settings, **({"clock": clock} if clock else {}))


def _api(sim: SimulatorServer) -> str:
    return f"{sim.url}/open311/v2"


def _bearer(sim: SimulatorServer, role: str = "operator") -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.tokens[role]}"}


def _create(sim: SimulatorServer, key: str, description: str) -> str:
    """Another client reports a new incident (``key``: an operator's token or an app's API key)."""
    resp = requests.post(f"{_api(sim)}/requests.json", timeout=10, data={
        "api_key": key, "service_code": "road", "lat": "18.79", "long": "98.99", "description": description})
    assert resp.status_code == 201, resp.text
    return str(resp.json()[0]["service_request_id"])


def _comment(sim: SimulatorServer, rid: str, text: str) -> None:
    resp = requests.post(f"{_api(sim)}/requests/{rid}/comments.json", json={"text": text}, headers=_bearer(sim),
                         timeout=10)
    assert resp.status_code == 201, resp.text


def _patch(sim: SimulatorServer, rid: str, changes: dict) -> None:
    etag = requests.get(f"{_api(sim)}/requests/{rid}.json", timeout=10).headers["ETag"]
    resp = requests.patch(f"{_api(sim)}/requests/{rid}.json", json=changes, timeout=10,
                          headers={**_bearer(sim), "If-Match": etag})
    assert resp.status_code == 200, resp.text


def _elsewhere(store: Store, incident_id: int) -> list[tuple[str | None, str, str | None]]:
    """(who, what, state) of the incident's changes made elsewhere, oldest first."""
    return [(e.actor, e.after["description"], e.after.get("state"))
            for e in store.incident_detail(incident_id).events if e.kind == "server_update"]


def test_a_comment_and_a_state_change_made_elsewhere_appear_once_with_their_source(simulator: SimulatorServer,
                                                                                 store: Store) -> None:
    rid = _create(simulator, simulator.tokens["operator"], "ไฟดับทั้งซอย (another console)")
    sync = _open311_sync(simulator.url)
    sync.run_feed(store, REQUESTS)
    first = sync.run_feed(store, UPDATES)
    assert first.last_error is None and first.cursor and first.cursor.endswith("Z")
    incident = store.incident_id_for_server_id(rid)
    assert incident is not None
    assert _elsewhere(store, incident) == [("operator", "Request received / ได้รับเรื่องแล้ว", "new")]

    _comment(simulator, rid, "ทีมไฟฟ้าถึงแล้ว")
    _patch(simulator, rid, {"workflow_state": "acknowledged"})
    expected = [("operator", "Request received / ได้รับเรื่องแล้ว", "new"),
                ("operator", "comment: ทีมไฟฟ้าถึงแล้ว", "new"),
                ("operator", "workflow_state: new → acknowledged", "acknowledged")]
    sync.run_feed(store, UPDATES)
    assert _elsewhere(store, incident) == expected
    again = sync.run_feed(store, UPDATES)  # the cursor's second is asked again: nothing is stored twice
    assert again.last_error is None and _elsewhere(store, incident) == expected
    sync.close()

    restarted = _open311_sync(simulator.url)  # a new start: the cursor comes from the store
    restarted.restore(store.get_feed_states())
    assert restarted.run_feed(store, UPDATES).cursor == again.cursor
    assert _elsewhere(store, incident) == expected
    restarted.close()


def test_this_stores_own_writes_are_not_shown_twice(simulator: SimulatorServer, store: Store) -> None:
    rid = _create(simulator, simulator.tokens["operator"], "ต้นไม้ล้มขวางถนน")
    sync = _open311_sync(simulator.url)
    sync.run_feed(store, REQUESTS)
    sync.run_feed(store, UPDATES)
    incident = store.incident_id_for_server_id(rid)
    assert incident is not None
    apply_action(store, incident, "comment", {"text": "รับแจ้งแล้ว (our comment)"}, "operator", ACTOR, SlaPolicy())
    apply_action(store, incident, "acknowledge", {}, "operator", ACTOR, SlaPolicy())
    writer = IncidentWriter(_api(simulator), simulator.tokens["operator"])
    try:
        assert drain_step(store, writer, "operator").kind == "sent"
        # The acknowledgement reaches the server, and the updates poll lands before the answer is recorded.
        entry = take_next(store).entry
        assert entry is not None and entry.op == "update"
        outcome = writer.send(entry)
        assert outcome.kind == "sent"
        sync.run_feed(store, UPDATES)
        record_outcome(store, entry, outcome, "operator")
    finally:
        writer.close()
    _comment(simulator, rid, "อีกเครื่องเห็นด้วย")  # made elsewhere: this one does appear
    sync.run_feed(store, UPDATES)
    sync.close()

    events = store.incident_detail(incident).events
    assert [(e.kind, e.actor) for e in events if e.kind in ("comment", "acknowledge")] == [
        ("comment", ACTOR), ("acknowledge", ACTOR)]
    server_said = [u["description"] for u in requests.get(f"{_api(simulator)}/servicerequestupdates.json",
                                                          params={"service_request_id": rid}, timeout=10).json()]
    assert "comment: รับแจ้งแล้ว (our comment)" in server_said  # the server has both of ours as updates…
    assert any(d.startswith("workflow_state: new → acknowledged") for d in server_said)
    assert [d for _who, d, _state in _elsewhere(store, incident)] == [  # …and the timeline has neither twice
        "Request received / ได้รับเรื่องแล้ว", "comment: อีกเครื่องเห็นด้วย"]


def test_an_update_whose_incident_has_not_come_waits_for_the_incidents_poll(store: Store) -> None:
    # Simulated time stands still, so no incident arrives on its own between the polls.
    with SimulatorServer(api_keys=["citizen-app-key"], clock=SimClock(speed=0)) as sim:
        sync = _open311_sync(sim.url)
        sync.run_feed(store, REQUESTS)
        sync.run_feed(store, UPDATES)
        sim.clock.advance(60)  # a minute later (a change in the incidents cursor's own second is another matter)
        rid = _create(sim, "citizen-app-key", "น้ำท่วมขัง หน้าโรงเรียน")  # a citizen app reports it
        _comment(sim, rid, "ส่งรถสูบน้ำแล้ว")

        held = sync.run_feed(store, UPDATES)  # before the incidents poll: its incident is not here yet
        assert store.incident_id_for_server_id(rid) is None
        assert held.last_error is None and held.rejected_last == 0
        received = requests.get(f"{_api(sim)}/requests/{rid}.json", timeout=10).json()[0]["requested_datetime"]
        assert held.cursor == datetime.fromisoformat(received).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert sync.take_due() == []  # both polled a moment ago

        sync.run_feed(store, REQUESTS)  # brings the incident: the updates feed is due again at once
        assert sync.take_due() == [UPDATES]
        sync.run_feed(store, UPDATES)
        incident = store.incident_id_for_server_id(rid)
        assert incident is not None
        assert _elsewhere(store, incident) == [("api", "Request received / ได้รับเรื่องแล้ว", "new"),
                                               ("operator", "comment: ส่งรถสูบน้ำแล้ว", "new")]
        sync.close()


def test_a_held_update_is_given_up_once_the_incidents_poll_has_passed_it() -> None:
    def update(update_id: str, at: datetime | None) -> ServiceRequestUpdate:
        return ServiceRequestUpdate(update_id, "R-9", "open", "comment: x", at)

    early, late = datetime(2026, 12, 1, 3, 0, tzinfo=UTC), datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    waiting = hold_orphan_updates([update("2", late), update("1", early)], "2026-12-01T06:00:00Z", None)
    assert (waiting.cursor, waiting.waiting, waiting.rejected) == ("2026-12-01T03:00:00Z", 2, [])
    # The incidents poll has seen changes up to 04:00: the 03:00 update's request would have come; 05:00 waits.
    passed = hold_orphan_updates([update("1", early), update("2", late), update("3", None)],
                                 "2026-12-01T06:00:00Z", "2026-12-01T04:00:00Z")
    assert (passed.cursor, passed.waiting) == ("2026-12-01T05:00:00Z", 1)
    assert [r.where for r in passed.rejected] == ["update 1", "update 3"]
    assert "R-9" in passed.rejected[0].reason and "updated_datetime" in passed.rejected[1].reason
    nothing_waits = hold_orphan_updates([update("1", early)], "2026-12-01T06:00:00Z", "2026-12-01T04:00:00Z")
    assert (nothing_waits.cursor, nothing_waits.waiting) == ("2026-12-01T06:00:00Z", 0)


@contextmanager
def _without_updates_list(sim: SimulatorServer) -> Iterator[tuple[str, list[str]]]:
    """A plain GeoReport v2 server: the simulator behind a loopback proxy that answers 404 (with GeoReport's error
    body) for the service request updates list it does not have. Yields its URL and the paths it was asked."""
    asked: list[str] = []

    @Request.application
    def app(request: Request) -> Response:
        asked.append(request.path)
        if "servicerequestupdates" in request.path:
            body = json.dumps([{"code": 404, "description": f"{request.path} was not found"}])
            return Response(body, 404, mimetype="application/json")
        upstream = requests.get(sim.url + request.full_path, timeout=10)
        return Response(upstream.content, upstream.status_code, content_type=upstream.headers["Content-Type"])

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_a_backend_without_the_list_is_asked_once_and_the_incidents_poll_still_brings_changes(store: Store) -> None:
    with SimulatorServer(clock=SimClock(speed=0)) as simulator:
        _without_the_list(simulator, store)


def _without_the_list(simulator: SimulatorServer, store: Store) -> None:
    now = [1000.0]
    rid = _create(simulator, simulator.tokens["operator"], "ท่อประปาแตก")
    with _without_updates_list(simulator) as (base, asked):
        sync = _open311_sync(base, clock=lambda: now[0])
        sync.run_feed(store, REQUESTS)
        state = sync.run_feed(store, UPDATES)
        assert state.last_error == UPDATES_ABSENT and "404" in state.last_error
        assert sync.snapshot().state == "online" and sync.snapshot().failing == ()  # not a failing feed
        incident = store.incident_id_for_server_id(rid)
        assert incident is not None and store.incident_detail(incident).row.state == "new"

        simulator.clock.advance(60)
        _patch(simulator, rid, {"workflow_state": "acknowledged"})  # made elsewhere, a minute later
        for _ in range(3):  # cadences pass and "Sync now" is pressed: the list is not asked for again
            now[0] += 3600
            sync.request_all()
            assert sync.take_due() == [REQUESTS]
            sync.run_feed(store, REQUESTS)  # updated_after brings the changed incident all the same
        assert sum("servicerequestupdates" in path for path in asked) == 1
        assert store.incident_detail(incident).row.state == "acknowledged"
        assert [e.kind for e in store.incident_detail(incident).events if e.kind == "server_update"] == []
        sync.close()
