"""Two actions that used to end differently on the server than the operator made them:
- a forward's agency reaches the server in the PATCH and stays, through the read-back and the next poll;
- resolving needs an after-photo, refused by the workflow rules here and by the server, with the reason."""

from __future__ import annotations

import pytest
import requests

from services import workflow
from services.feeds import open311
from services.incident_actions import apply_action
from services.incident_writer import IncidentWriter
from services.outbox_drain import drain_step, take_next
from services.simulator.server import SimulatorServer
from services.sla import SlaPolicy
from services.store.store import Store
from tests.support.after_photo import png

ACTOR = "nida (operator)"
AGENCY = "การประปาส่วนภูมิภาคสาขาเชียงใหม่"


def _poll(simulator: SimulatorServer, store: Store) -> None:
    body = requests.get(f"{simulator.url}/open311/v2/requests.json", params={"status": "open,closed"},
                        timeout=10).content
    store.ingest_service_requests(open311.parse_requests(body).records)


def _incident_in(store: Store, states: tuple[str, ...]) -> int:
    marks = ", ".join("?" * len(states))
    with store.edit_engine.connect() as conn:
        row = conn.exec_driver_sql(f"SELECT id FROM incidents WHERE server_id IS NOT NULL AND workflow_state IN "
                                   f"({marks}) ORDER BY id LIMIT 1", states).first()
    assert row is not None, f"the simulator's seed has no incident in {states}"
    return int(row[0])


def _drain(simulator: SimulatorServer, store: Store) -> list[str]:
    writer = IncidentWriter(f"{simulator.url}/open311/v2", simulator.tokens["operator"])
    kinds = []
    try:
        while (turn := drain_step(store, writer, "operator")) is not None:
            kinds.append(turn.kind)
    finally:
        writer.close()
    return kinds


def test_a_forward_keeps_the_operators_agency_on_the_server_and_after_the_next_poll(
        simulator: SimulatorServer, store: Store) -> None:
    _poll(simulator, store)
    incident = _incident_in(store, ("acknowledged", "dispatched", "on_scene"))
    default = store.incident_detail(incident).row
    apply_action(store, incident, "forward", {"agency": AGENCY, "note": "ท่อแตก ส่งต่อ กปภ."}, "operator", ACTOR,
                 SlaPolicy())
    assert _drain(simulator, store) == ["sent"]
    server_id = default.server_id
    assert simulator.incidents.get(server_id)["agency_responsible"] == AGENCY
    _poll(simulator, store)  # what every other console reads too
    detail = store.incident_detail(incident)
    assert (detail.row.state, detail.agency) == ("forwarded", AGENCY)


def test_resolving_without_an_after_photo_is_refused_here_and_by_the_server(
        simulator: SimulatorServer, store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _poll(simulator, store)
    incident = _incident_in(store, ("on_scene",)) if _has(store, "on_scene") else _walk_to_on_scene(simulator, store)
    pending = take_next(store).pending
    with pytest.raises(workflow.WorkflowError) as refused:
        apply_action(store, incident, "resolve", {"note": "done"}, "operator", ACTOR, SlaPolicy())
    assert refused.value.code == "evidence" and "after-photo" in refused.value.message
    assert take_next(store).pending == pending  # nothing queued to fail on the server

    # The server refuses it too (a console that skipped the check, or a plain client).
    server_id = store.incident_detail(incident).row.server_id
    etag = requests.get(f"{simulator.url}/open311/v2/requests/{server_id}.json", timeout=10).headers["ETag"]
    answer = requests.patch(f"{simulator.url}/open311/v2/requests/{server_id}.json", json={"workflow_state":
                            "resolved"}, headers={"Authorization": f"Bearer {simulator.tokens['operator']}",
                                                  "If-Match": etag}, timeout=10)
    assert answer.status_code == 409 and "after-photo" in answer.json()[0]["description"]

    # With the photo, both take it: the upload goes first, then the resolve.
    photo = tmp_path / "after.png"
    photo.write_bytes(png())
    apply_action(store, incident, "resolve", {"note": "done", "after_photo_path": str(photo)}, "operator", ACTOR,
                 SlaPolicy())
    assert _drain(simulator, store) == ["sent", "sent"]
    assert simulator.incidents.get(server_id)["workflow_state"] == "resolved"
    assert [m.kind for m in simulator.incidents.media.on_request(server_id)] == [workflow.AFTER_PHOTO]


def _has(store: Store, state: str) -> bool:
    with store.edit_engine.connect() as conn:
        return conn.exec_driver_sql("SELECT 1 FROM incidents WHERE server_id IS NOT NULL AND workflow_state = ?",
                                    (state,)).first() is not None


def _walk_to_on_scene(simulator: SimulatorServer, store: Store) -> int:
    incident = _incident_in(store, ("acknowledged", "dispatched"))
    if store.incident_detail(incident).row.state == "acknowledged":
        apply_action(store, incident, "dispatch", {}, "operator", ACTOR, SlaPolicy())
    apply_action(store, incident, "arrive", {}, "operator", ACTOR, SlaPolicy())
    assert set(_drain(simulator, store)) == {"sent"}
    return incident


def test_a_corrected_description_reaches_the_server_and_the_old_text_stays_on_the_timeline(
        simulator: SimulatorServer, store: Store) -> None:
    _poll(simulator, store)
    incident = _incident_in(store, ("new", "acknowledged", "dispatched", "on_scene"))
    before = store.incident_detail(incident).row
    corrected = "น้ำท่วมขังหน้าตลาดวโรรส สูงราว 30 ซม. <b>ไม่ใช่</b> HTML"
    apply_action(store, incident, "describe", {"description": f"  {corrected}\n", "note": ""}, "operator", ACTOR,
                 SlaPolicy())
    assert store.incident_detail(incident).row.description == corrected
    assert _drain(simulator, store) == ["sent"]
    assert simulator.incidents.get(before.server_id)["description"] == corrected
    _poll(simulator, store)
    detail = store.incident_detail(incident)
    assert (detail.row.description, detail.row.state) == (corrected, before.state)
    event = next(e for e in detail.events if e.kind == "describe")
    assert (event.before, event.after) == ({"description": before.description}, {"description": corrected})


@pytest.mark.parametrize(("role", "text", "code"), [
    ("operator", "   ", "value"),
    ("operator", "ก" * (workflow.DESCRIPTION_MAX + 1), "value"),
    ("viewer", "a viewer may not correct a report", "role"),
])
def test_a_description_correction_the_rules_refuse_is_never_queued(
        simulator: SimulatorServer, store: Store, role: str, text: str, code: str) -> None:
    _poll(simulator, store)
    incident = _incident_in(store, ("new", "acknowledged"))
    pending = take_next(store).pending
    with pytest.raises(workflow.WorkflowError) as refused:
        apply_action(store, incident, "describe", {"description": text}, role, f"x ({role})", SlaPolicy())
    assert refused.value.code == code
    assert take_next(store).pending == pending
