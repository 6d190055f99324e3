"""Offline edits carry when they were made: after an 8-hour outage the server's workflow and SLA clock run from the
time the operator acted, not from the reconnect. The backend keeps that time between the incident's last workflow
change and now, and refuses what is not a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from services.feeds import open311
from services.incident_actions import apply_action
from services.incident_writer import IncidentWriter
from services.outbox_drain import record_outcome
from services.settings import Settings
from services.simulator.server import SimulatorServer
from services.store.store import Store
from tests.support.after_photo import upload_after_photo

HOURS_8 = 8 * 3600


def _api(sim: SimulatorServer) -> str:
    return f"{sim.url}/open311/v2"


def _staff(sim: SimulatorServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.tokens['supervisor']}"}


def _record(sim: SimulatorServer, rid: str) -> dict:
    return requests.get(f"{_api(sim)}/requests/{rid}.json", headers=_staff(sim), timeout=10).json()[0]


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_an_offline_hold_pauses_the_sla_from_when_it_was_made(simulator: SimulatorServer, store: Store) -> None:
    body = requests.get(f"{_api(simulator)}/requests.json", params={"status": "open"}, headers=_staff(simulator),
                        timeout=10).content
    records = open311.parse_requests(body).records
    store.ingest_service_requests(records)
    target = next(r for r in records if r.status_detail in ("acknowledged", "dispatched", "on_scene"))
    incident = store.incident_id_for_server_id(target.id)

    made = datetime.now(UTC).replace(microsecond=0)
    apply_action(store, incident, "hold", {"note": "รอชิ้นส่วน / waiting for parts"}, "operator", "nida (operator)",
                 Settings().sla_policy())
    simulator.clock.advance(HOURS_8)  # the network comes back eight hours later
    writer = IncidentWriter(_api(simulator), simulator.tokens["operator"])
    try:
        [entry] = store.outbox_pending()
        assert record_outcome(store, entry, writer.send(entry), "operator") == "sent"
    finally:
        writer.close()
    server = _record(simulator, target.id)
    assert server["workflow_state"] == "on_hold"
    paused_since = _parse(server["sla_paused_since"])
    assert abs((paused_since - made).total_seconds()) <= 2  # not the reconnect, 8 h later
    assert _parse(server["updated_datetime"]) >= made + timedelta(seconds=HOURS_8 - 5)  # pollers still see it


def _patch(sim: SimulatorServer, rid: str, body: dict) -> requests.Response:
    version = _record(sim, rid)["version"]
    return requests.patch(f"{_api(sim)}/requests/{rid}.json", json=body, timeout=10, headers={
        **_staff(sim), "If-Match": f'"{rid}-v{version}"'})


@pytest.fixture
def working(simulator: SimulatorServer) -> str:
    records = requests.get(f"{_api(simulator)}/requests.json", params={"status": "open"}, headers=_staff(simulator),
                           timeout=10).json()
    return next(r["service_request_id"] for r in records
                if r["workflow_state"] in ("acknowledged", "dispatched", "on_scene"))


def test_occurred_at_is_kept_between_the_last_workflow_change_and_now(simulator: SimulatorServer,
                                                                     working: str) -> None:
    now = simulator.now().replace(microsecond=0)
    future = _patch(simulator, working, {"workflow_state": "on_hold", "occurred_at": (now + timedelta(days=1))
                                         .strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert future.status_code == 200
    held_at = _parse(future.json()[0]["sla_paused_since"])
    assert held_at <= simulator.now()  # never in the future

    upload_after_photo(_api(simulator), working, simulator.tokens["operator"])  # resolving needs one
    before = _patch(simulator, working, {"workflow_state": "resolved",
                                         "occurred_at": "2020-01-01T00:00:00+07:00"})
    assert before.status_code == 200  # earlier than the hold: kept at the hold, so the history stays in order
    assert _parse(before.json()[0]["sla_paused_since"]) >= held_at


@pytest.mark.parametrize("value", ["yesterday", "2026-11-25T10:00:00", 12345])
def test_occurred_at_that_is_not_a_time_is_refused(simulator: SimulatorServer, working: str, value: object) -> None:
    answer = _patch(simulator, working, {"priority": "P2", "occurred_at": value})
    assert answer.status_code == 400 and "occurred_at" in answer.text
