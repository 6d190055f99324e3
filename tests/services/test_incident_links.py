"""Merges, splits, related peers and major incidents reach the server and every other console.

Each link is recorded locally (row, events, one outbox entry), sent by the IncidentWriter through the real drain
against the real simulator with an idempotency key, taken back from the server's copy, and shown by a second store
after its next poll. Conflicts: a stale link is rebased and sent again; one the server refuses waits for a person,
and keeping the server's side takes the local link back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from services import workflow
from services.feeds import open311
from services.incident_actions import apply_action, create_incident, link_incidents, split_incident
from services.incident_writer import IncidentWriter
from services.outbox_drain import drain_step, take_next
from services.simulator.server import SimulatorServer
from services.sla import SlaPolicy
from services.store.database import open_store
from services.store.store import Store
from tests.support.after_photo import png

ACTOR = "nida (operator)"


@pytest.fixture
def other_store(tmp_path: Path) -> Iterator[Store]:
    """A second console's store on the same backend."""
    s = open_store(tmp_path / "other.sqlite3")
    try:
        yield s
    finally:
        s.close()


def _poll(simulator: SimulatorServer, store: Store) -> None:
    body = requests.get(f"{simulator.url}/open311/v2/requests.json", params={"status": "open,closed"},
                        timeout=10).content
    store.ingest_service_requests(open311.parse_requests(body).records)


def _drain(simulator: SimulatorServer, store: Store, role: str = "operator") -> list[str]:
    writer = IncidentWriter(f"{simulator.url}/open311/v2", simulator.tokens[role])
    kinds = []
    try:
        while (turn := drain_step(store, writer, role)) is not None:
            kinds.append(turn.kind)
            if turn.kind == "retry":
                break
    finally:
        writer.close()
    return kinds


def _new_on_server(simulator: SimulatorServer, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        resp = requests.post(f"{simulator.url}/open311/v2/requests.json", data={
            "api_key": simulator.tokens["operator"], "service_code": "road", "lat": "18.79", "long": "98.99"},
            timeout=10)
        ids.append(resp.json()[0]["service_request_id"])
    return ids


def _local(store: Store, *server_ids: str) -> list[int]:
    found = [store.incident_id_for_server_id(s) for s in server_ids]
    assert None not in found
    return [int(i) for i in found]  # type: ignore[arg-type]


def _settled(store: Store, simulator: SimulatorServer, *ids: int) -> None:
    """Nothing local left to send on these, and the local version is the server's."""
    for incident_id in ids:
        detail = store.incident_detail(incident_id)
        assert detail.local_changes == 0, (incident_id, detail.local_changes)
        assert detail.version == simulator.incidents.get(detail.row.server_id)["version"]


def test_a_merge_reaches_the_server_and_another_console_after_its_poll(simulator: SimulatorServer, store: Store,
                                                                       other_store: Store) -> None:
    keep_sid, dup_sid = _new_on_server(simulator, 2)
    _poll(simulator, store)
    keep, dup = _local(store, keep_sid, dup_sid)
    link_incidents(store, "merge", keep, [dup], "operator", ACTOR, "same pothole")
    entry = take_next(store).entry
    assert (entry.op, entry.server_id, [o.server_id for o in entry.others]) == ("merge", keep_sid, [dup_sid])
    assert _drain(simulator, store) == ["sent"]
    assert simulator.incidents.get(dup_sid)["merged_into"] == keep_sid
    assert simulator.incidents.get(keep_sid)["merged_request_ids"] == [dup_sid]
    _settled(store, simulator, keep, dup)
    _poll(simulator, other_store)
    other_keep, other_dup = _local(other_store, keep_sid, dup_sid)
    assert other_store.incident_detail(other_dup).merged_into == other_keep
    assert [(link.other_id, link.kind) for link in other_store.incident_detail(other_keep).links] == [
        (other_dup, "merged")]
    # The duplicate leaves the other console's queue, as it left this one's.
    _split_and_poll_again(simulator, store, other_store, dup, dup_sid, other_dup)


def _split_and_poll_again(simulator: SimulatorServer, store: Store, other_store: Store, dup: int, dup_sid: str,
                          other_dup: int) -> None:
    split_incident(store, dup, ACTOR)
    assert _drain(simulator, store) == ["sent"]
    assert simulator.incidents.get(dup_sid)["merged_into"] is None
    _poll(simulator, other_store)
    assert other_store.incident_detail(other_dup).merged_into is None
    assert not other_store.incident_detail(other_dup).links


def test_a_report_taken_in_offline_is_merged_on_the_server_after_its_create(simulator: SimulatorServer,
                                                                            store: Store) -> None:
    (keep_sid,) = _new_on_server(simulator, 1)
    _poll(simulator, store)
    (keep,) = _local(store, keep_sid)
    draft = _Draft()
    new_id = create_incident(store, draft, ACTOR, SlaPolicy(), merge_into=keep)
    simulator.faults.add("open311", "error", status=503, methods=["POST"], count=1)  # the create cannot go yet
    assert _drain(simulator, store) == ["retry"]
    assert [e.op for e in store.outbox_pending()] == ["create", "merge"]  # the merge waits for it
    assert _drain(simulator, store) == ["sent", "sent"]
    new_sid = store.incident_detail(new_id).row.server_id
    assert new_sid and simulator.incidents.get(new_sid)["merged_into"] == keep_sid
    _settled(store, simulator, keep, new_id)


def test_a_refused_create_stops_the_merge_that_names_it(simulator: SimulatorServer, store: Store) -> None:
    (keep_sid,) = _new_on_server(simulator, 1)
    _poll(simulator, store)
    (keep,) = _local(store, keep_sid)
    draft = _Draft()
    draft.category = "no_such_service"  # the server refuses it for good (404: unknown service_code)
    new_id = create_incident(store, draft, ACTOR, SlaPolicy(), merge_into=keep)
    assert _drain(simulator, store) == ["rejected"]
    assert take_next(store).entry is None and store.outbox_states().get("failed") == 2
    assert store.incident_detail(new_id).merged_into is None  # taken back: the server has neither
    assert store.incident_detail(keep).local_changes == 0 == store.incident_detail(new_id).local_changes


def test_related_peers_and_a_major_incident_with_children_round_trip(simulator: SimulatorServer, store: Store,
                                                                     other_store: Store) -> None:
    fire_sid, a_sid, b_sid, peer_sid = _new_on_server(simulator, 4)
    _poll(simulator, store)
    fire, a, b, peer = _local(store, fire_sid, a_sid, b_sid, peer_sid)
    link_incidents(store, "promote", fire, [a], "operator", ACTOR)
    link_incidents(store, "attach", fire, [b], "operator", ACTOR)
    link_incidents(store, "relate", fire, [peer], "operator", ACTOR)
    assert _drain(simulator, store) == ["sent", "sent", "sent"]
    server_fire = simulator.incidents.get(fire_sid)
    assert server_fire["major_incident"] and server_fire["child_request_ids"] == [a_sid, b_sid]
    assert server_fire["related_request_ids"] == [peer_sid]
    _settled(store, simulator, fire, a, b, peer)
    _poll(simulator, other_store)
    o_fire, o_a, o_b, o_peer = _local(other_store, fire_sid, a_sid, b_sid, peer_sid)
    shown = other_store.incident_detail(o_fire)
    assert shown.major and {link.other_id for link in shown.child_links} == {o_a, o_b}
    assert other_store.incident_detail(o_b).parent_id == o_fire
    assert other_store.incident_rows([o_fire])[0].children == 2
    assert other_store.incident_rows([o_a])[0].parent_id == o_fire
    assert [link.kind for link in other_store.incident_detail(o_peer).links] == ["related"]

    link_incidents(store, "detach", fire, [b], "operator", ACTOR)
    link_incidents(store, "unrelate", fire, [peer], "operator", ACTOR)
    assert _drain(simulator, store) == ["sent", "sent"]
    _poll(simulator, other_store)
    assert other_store.incident_detail(o_b).parent_id is None
    assert not other_store.incident_detail(o_peer).links
    assert {link.other_id for link in other_store.incident_detail(o_fire).child_links} == {o_a}


def test_closing_a_major_incident_closes_its_open_children_on_the_server_when_asked(
        simulator: SimulatorServer, store: Store, other_store: Store, tmp_path: Path) -> None:
    fire_sid, a_sid, b_sid = _new_on_server(simulator, 3)
    _poll(simulator, store)
    fire, a, b = _local(store, fire_sid, a_sid, b_sid)
    link_incidents(store, "promote", fire, [a, b], "operator", ACTOR)
    assert _drain(simulator, store) == ["sent"]
    photo = tmp_path / "after.png"
    photo.write_bytes(png())
    params = {"note": "fire out", "after_photo_path": str(photo)}
    with pytest.raises(workflow.WorkflowError) as refused:
        apply_action(store, fire, "resolve", params, "operator", ACTOR, SlaPolicy())
    assert refused.value.code == "children"
    assert take_next(store).entry is None  # nothing queued to fail on the server
    apply_action(store, fire, "resolve", {**params, "children": "close"}, "operator", ACTOR, SlaPolicy())
    assert store.incident_detail(a).row.state == "resolved"  # at once, here
    assert [e.kind for e in store.incident_detail(a).events][-1] == "closed_with_parent"
    assert _drain(simulator, store) == ["sent", "sent"]  # the after-photo, then the resolve
    assert [simulator.incidents.get(s)["workflow_state"] for s in (fire_sid, a_sid, b_sid)] == ["resolved"] * 3
    _settled(store, simulator, fire, a, b)
    _poll(simulator, other_store)
    assert other_store.incident_rows(_local(other_store, a_sid))[0].state == "resolved"
    fire_events = store.incident_detail(fire).events
    assert any(e.kind == "resolve" and (e.after or {}).get("children") == "close" for e in fire_events)


def test_a_stale_link_is_sent_again_on_the_servers_versions(simulator: SimulatorServer, store: Store) -> None:
    keep_sid, dup_sid = _new_on_server(simulator, 2)
    _poll(simulator, store)
    keep, dup = _local(store, keep_sid, dup_sid)
    link_incidents(store, "merge", keep, [dup], "operator", ACTOR)
    simulator.incidents.patch(dup_sid, {"priority": "P1"}, "*", "supervisor")  # someone else, meanwhile
    assert _drain(simulator, store) == ["merged", "sent"]
    assert simulator.incidents.get(dup_sid)["merged_into"] == keep_sid
    assert store.incident_detail(dup).row.priority == "P1"  # their change is here now too
    assert any(e.kind == "sync_merged" for e in store.incident_detail(keep).events)


def test_a_link_the_server_refuses_waits_for_a_person_and_keeping_theirs_takes_it_back(
        simulator: SimulatorServer, store: Store) -> None:
    keep_sid, dup_sid, elsewhere_sid = _new_on_server(simulator, 3)
    _poll(simulator, store)
    keep, dup = _local(store, keep_sid, dup_sid)
    link_incidents(store, "merge", keep, [dup], "operator", ACTOR)
    # Another console merged the duplicate elsewhere first: this merge can no longer be.
    etags = ", ".join(f'"{s}-v{simulator.incidents.get(s)["version"]}"' for s in (elsewhere_sid, dup_sid))
    simulator.incidents.link(elsewhere_sid, "merge", [dup_sid], etags, "operator")
    assert _drain(simulator, store) == ["merged", "conflict"]
    (conflict,) = store.open_conflicts()
    assert conflict.action == "merge" and "already merged" in (conflict.reason or "")
    assert store.incident_detail(dup).merged_into == keep  # still as the operator made it, until a person decides
    store.resolve_keep_theirs(conflict.outbox_id, None, "sup (supervisor)")
    assert store.incident_detail(dup).merged_into is None
    assert store.incident_detail(keep).local_changes == 0 == store.incident_detail(dup).local_changes
    _poll(simulator, store)
    assert store.incident_detail(dup).merged_into == store.incident_id_for_server_id(elsewhere_sid)


class _Draft:
    """What the intake form hands the use case."""

    category = "road"
    category_name = "road"
    priority = "P3"
    description = "หลุมบนถนนช้างคลาน"
    lat = 18.7905
    lon = 98.9905
    source = "hotline"
    address = ""
    district_code = None
    reporter_name = "สมชาย"
    reporter_contact = "0812345678"
    attributes: dict = {}


def test_a_poll_never_undoes_a_link_not_yet_on_the_server(simulator: SimulatorServer, store: Store) -> None:
    keep_sid, dup_sid, fire_sid, child_sid = _new_on_server(simulator, 4)
    _poll(simulator, store)
    keep, dup, fire, child = _local(store, keep_sid, dup_sid, fire_sid, child_sid)
    link_incidents(store, "merge", keep, [dup], "operator", ACTOR)
    link_incidents(store, "promote", fire, [child], "operator", ACTOR)
    for sid in (keep_sid, dup_sid, fire_sid, child_sid):  # every one of them changed on the server meanwhile
        simulator.incidents.patch(sid, {"assignee": "ทีมเหนือ"}, "*", "supervisor")
    _poll(simulator, store)
    assert store.incident_detail(dup).merged_into == keep
    assert store.incident_detail(child).parent_id == fire and store.incident_detail(fire).major
    assert _drain(simulator, store) == ["merged", "sent", "merged", "sent"]  # each rebased on their versions, sent
    _poll(simulator, store)
    assert store.incident_detail(dup).merged_into == keep and store.incident_detail(child).parent_id == fire
    assert store.incident_detail(dup).row.assignee == "ทีมเหนือ"
    _settled(store, simulator, keep, dup, fire, child)
