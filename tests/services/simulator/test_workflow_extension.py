"""Workflow extension: bearer auth and roles, PATCH with If-Match / ETag, idempotency, comments, the validator hook."""

from __future__ import annotations

from datetime import datetime, timedelta

import requests

from services.simulator.clock import SimClock
from services.simulator.incidents import TransitionRejected
from services.simulator.server import SimulatorServer

from tests.support.after_photo import upload_after_photo

from .conftest import HAZE_START


def _open_request(sim) -> tuple[str, str]:
    rows = requests.get(sim.feed_base("open311") + "/requests.json", params={"status": "open"}, timeout=5).json()
    rid = rows[0]["service_request_id"]
    resp = requests.get(f"{sim.feed_base('open311')}/requests/{rid}.json", timeout=5)
    return rid, resp.headers["ETag"]


def _patch(sim, rid: str, body: dict, *, role: str | None = "operator", etag: str | None = None,
           key: str | None = None) -> requests.Response:
    headers = {}
    if role:
        headers["Authorization"] = f"Bearer {sim.tokens[role]}"
    if etag:
        headers["If-Match"] = etag
    if key:
        headers["Idempotency-Key"] = key
    return requests.patch(f"{sim.feed_base('open311')}/requests/{rid}.json", json=body, headers=headers, timeout=5)


def _new_request(sim, code: str = "road", **extra: str) -> tuple[str, str]:
    """A fresh request (state new) posted by an operator: its id and ETag."""
    form = {"api_key": sim.tokens["operator"], "service_code": code, "lat": "18.79", "long": "98.99", **extra}
    resp = requests.post(sim.feed_base("open311") + "/requests.json", data=form, timeout=5)
    assert resp.status_code == 201
    return resp.json()[0]["service_request_id"], resp.headers["ETag"]


def _walk(sim, rid: str, etag: str, steps: list[tuple[dict, str]]) -> tuple[dict, str]:
    """PATCH each (body, role) in turn, each expected to succeed; the last record and ETag."""
    record: dict = {}
    for body, role in steps:
        if "resolved" in (body.get("workflow_state"), body.get("status_detail")):
            etag = upload_after_photo(sim.feed_base("open311"), rid, sim.tokens[role])  # resolving needs one
        resp = _patch(sim, rid, body, role=role, etag=etag)
        assert resp.status_code == 200, (body, role, resp.json())
        (record,) = resp.json()
        etag = resp.headers["ETag"]
    return record, etag


def _resolved(sim, priority: str) -> tuple[str, str]:
    rid, etag = _new_request(sim)
    _, etag = _walk(sim, rid, etag, [
        ({"priority": priority}, "operator"), ({"workflow_state": "acknowledged"}, "operator"),
        ({"workflow_state": "dispatched", "assignee": "somchai.k"}, "operator"),
        ({"status_detail": "on_scene"}, "operator"), ({"workflow_state": "resolved"}, "operator")])
    return rid, etag


def test_patch_with_if_match(sim):
    rid, etag = _new_request(sim)
    resp = _patch(sim, rid, {"workflow_state": "acknowledged", "assignee": "somchai.k", "priority": "P1"}, etag=etag)
    assert resp.status_code == 200
    (record,) = resp.json()
    assert record["workflow_state"] == "acknowledged" and record["status_detail"] == "acknowledged"
    assert record["assignee"] == "somchai.k" and record["priority"] == "P1"
    assert resp.headers["ETag"] == f'"{rid}-v{record["version"]}"' != etag
    without = _patch(sim, rid, {"status_detail": "resolved", "status_notes": "cleared"}, etag=resp.headers["ETag"])
    assert without.status_code == 409 and "after-photo" in without.json()[0]["description"]
    etag = upload_after_photo(sim.feed_base("open311"), rid, sim.tokens["operator"])
    resolved = _patch(sim, rid, {"status_detail": "resolved", "status_notes": "cleared"}, etag=etag)
    assert resolved.json()[0]["status"] == "closed"  # Open311: closed once the work is done
    updates = requests.get(sim.feed_base("open311") + "/servicerequestupdates.json",
                           params={"service_request_id": rid}, timeout=5).json()
    assert updates[-1]["description"] == "cleared" and updates[-1]["status"] == "closed"
    assert [u["workflow_state"] for u in updates] == ["new", "acknowledged", "acknowledged", "resolved"]


def test_operator_cannot_close_a_resolved_p1_but_a_supervisor_can(sim):
    rid, etag = _resolved(sim, "P1")
    refused = _patch(sim, rid, {"workflow_state": "closed"}, role="operator", etag=etag)
    assert refused.status_code == 409 and "supervisor" in refused.json()[0]["description"]
    # Lowering the priority in the same PATCH does not get round the rule (and a resolved one keeps its priority).
    sneaky = _patch(sim, rid, {"workflow_state": "closed", "priority": "P4"}, role="operator", etag=etag)
    assert sneaky.status_code == 409
    assert _patch(sim, rid, {"priority": "P4"}, role="operator", etag=etag).status_code == 409
    closed = _patch(sim, rid, {"workflow_state": "closed"}, role="supervisor", etag=etag)
    assert closed.status_code == 200
    (record,) = closed.json()
    assert (record["workflow_state"], record["status"], record["priority"]) == ("closed", "closed", "P1")


def test_operator_closes_an_on_time_p3_but_not_a_breached_one(sim):
    rid, etag = _resolved(sim, "P3")
    assert _patch(sim, rid, {"workflow_state": "closed"}, role="operator", etag=etag).status_code == 200
    late, late_etag = _new_request(sim)
    sim.clock.advance(73 * 3600)  # past the 72 h P3 target before anyone resolves it
    _, late_etag = _walk(sim, late, late_etag, [({"workflow_state": "resolved"}, "operator")])
    refused = _patch(sim, late, {"workflow_state": "closed"}, role="operator", etag=late_etag)
    assert refused.status_code == 409 and "SLA" in refused.json()[0]["description"]
    assert _patch(sim, late, {"workflow_state": "closed"}, role="supervisor", etag=late_etag).status_code == 200


def test_viewer_403_and_cancel_is_for_supervisors(sim):
    rid, etag = _new_request(sim)
    assert _patch(sim, rid, {"workflow_state": "acknowledged"}, role="viewer", etag=etag).status_code == 403
    cancel = _patch(sim, rid, {"workflow_state": "cancelled"}, role="operator", etag=etag)
    assert cancel.status_code == 403 and "cancel" in cancel.json()[0]["description"]
    (record,) = _patch(sim, rid, {"workflow_state": "cancelled"}, role="supervisor", etag=etag).json()
    assert (record["workflow_state"], record["status"]) == ("cancelled", "closed")


def test_reopening_a_closed_request_needs_a_supervisor(sim):
    rid, etag = _resolved(sim, "P4")
    reopened, etag = _walk(sim, rid, etag, [({"workflow_state": "reopened"}, "operator")])  # resolved: operator may
    assert reopened["status"] == "open"
    _, etag = _walk(sim, rid, etag, [({"workflow_state": "resolved"}, "operator"),
                                     ({"workflow_state": "closed"}, "operator")])
    refused = _patch(sim, rid, {"workflow_state": "reopened"}, role="operator", etag=etag)
    assert refused.status_code == 409 and "supervisor" in refused.json()[0]["description"]
    assert _patch(sim, rid, {"assignee": "ploy.t"}, role="supervisor", etag=etag).status_code == 409  # closed
    again = _patch(sim, rid, {"workflow_state": "reopened"}, role="supervisor", etag=etag)
    assert again.status_code == 200 and again.json()[0]["workflow_state"] == "reopened"


def test_moves_the_workflow_does_not_have_are_409(sim):
    rid, etag = _new_request(sim)
    jump = _patch(sim, rid, {"workflow_state": "on_scene"}, etag=etag)
    assert jump.status_code == 409 and "new" in jump.json()[0]["description"]
    _, etag = _walk(sim, rid, etag, [({"workflow_state": "dispatched"}, "operator"),
                                     ({"workflow_state": "on_hold"}, "operator")])
    wrong = _patch(sim, rid, {"workflow_state": "on_scene"}, etag=etag)
    assert wrong.status_code == 409 and "dispatched" in wrong.json()[0]["description"]
    (record,) = _patch(sim, rid, {"workflow_state": "dispatched"}, etag=etag).json()
    assert record["resumed_state"] is None and record["workflow_state"] == "dispatched"


def test_pause_and_priority_change_keep_paused_time(sim):
    rid, etag = _new_request(sim)  # road → P3 (72 h)
    record, etag = _walk(sim, rid, etag, [({"workflow_state": "acknowledged"}, "operator")])
    requested = datetime.fromisoformat(record["requested_datetime"])
    sim.clock.advance(3600)
    held, etag = _walk(sim, rid, etag, [({"workflow_state": "forwarded"}, "operator")])
    assert held["sla_paused_since"] is not None and held["resumed_state"] == "acknowledged"
    sim.clock.advance(2 * 3600)
    back, etag = _walk(sim, rid, etag, [({"workflow_state": "acknowledged"}, "operator")])
    assert (back["sla_paused_s"], back["sla_paused_since"], back["resumed_state"]) == (7200, None, None)
    assert datetime.fromisoformat(back["expected_datetime"]) == requested + timedelta(hours=72 + 2)
    sim.clock.advance(3600)
    raised, etag = _walk(sim, rid, etag, [({"priority": "P1"}, "operator")])
    assert raised["sla_paused_s"] == 7200
    assert datetime.fromisoformat(raised["expected_datetime"]) == requested + timedelta(hours=4 + 2)


def test_stale_if_match_is_412_with_current_record(sim):
    rid, etag = _open_request(sim)
    assert _patch(sim, rid, {"assignee": "ploy.t"}, etag=etag).status_code == 200
    stale = _patch(sim, rid, {"assignee": "wichai.s"}, role="supervisor", etag=etag)
    assert stale.status_code == 412
    (current,) = stale.json()
    assert current["assignee"] == "ploy.t" and stale.headers["ETag"] == f'"{rid}-v{current["version"]}"'


def test_missing_if_match_is_428(sim):
    rid, _ = _open_request(sim)
    resp = _patch(sim, rid, {"assignee": "ploy.t"})
    assert resp.status_code == 428 and resp.json()[0]["code"] == 428


def test_auth_401_and_viewer_403(sim):
    rid, etag = _new_request(sim)
    assert _patch(sim, rid, {"assignee": "x"}, role=None, etag=etag).status_code == 401
    bad = requests.patch(f"{sim.feed_base('open311')}/requests/{rid}.json", json={"assignee": "x"},
                         headers={"Authorization": "Bearer not-a-token", "If-Match": etag}, timeout=5)
    assert bad.status_code == 401
    assert _patch(sim, rid, {"assignee": "x"}, role="viewer", etag=etag).status_code == 403
    assert _patch(sim, rid, {"assignee": "x"}, role="supervisor", etag=etag).status_code == 200


def test_bad_patch_bodies_are_400(sim):
    rid, etag = _open_request(sim)
    assert _patch(sim, rid, {"lat": 1}, etag=etag).status_code == 400
    assert _patch(sim, rid, {"priority": "P9"}, etag=etag).status_code == 400
    assert _patch(sim, rid, {"workflow_state": "flying"}, etag=etag).status_code == 400
    assert _patch(sim, rid, {"workflow_state": "in_progress"}, etag=etag).status_code == 400  # an old state name


def test_idempotent_patch_replays_and_rejects_a_different_body(sim):
    rid, etag = _open_request(sim)
    first = _patch(sim, rid, {"assignee": "nattaya.p"}, etag=etag, key="k-1")
    again = _patch(sim, rid, {"assignee": "nattaya.p"}, etag=etag, key="k-1")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    (record,) = requests.get(f"{sim.feed_base('open311')}/requests/{rid}.json", timeout=5).json()
    assert record["version"] == first.json()[0]["version"]  # no second change
    assert _patch(sim, rid, {"assignee": "arthit.m"}, etag=etag, key="k-1").status_code == 422


def test_idempotent_post_creates_one_record(sim):
    url = sim.feed_base("open311") + "/requests.json"
    form = {"api_key": sim.tokens["operator"], "service_code": "garbage", "lat": "18.79", "long": "99.0"}
    headers = {"Idempotency-Key": "post-1"}
    first = requests.post(url, data=form, headers=headers, timeout=5)
    retry = requests.post(url, data=form, headers=headers, timeout=5)
    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    codes = requests.get(url, params={"service_code": "garbage", "status": "open"}, timeout=5).json()
    assert sum(r["service_request_id"] == first.json()[0]["service_request_id"] for r in codes) == 1
    assert requests.post(url, data={**form, "lat": "18.8"}, headers=headers, timeout=5).status_code == 422


def test_comments(sim):
    rid, etag = _open_request(sim)
    url = f"{sim.feed_base('open311')}/requests/{rid}/comments.json"
    auth = {"Authorization": f"Bearer {sim.tokens['operator']}"}
    resp = requests.post(url, json={"text": "ทีมออกตรวจแล้ว"}, headers=auth, timeout=5)
    assert resp.status_code == 201 and resp.json()["text"] == "ทีมออกตรวจแล้ว"
    assert resp.headers["ETag"] != etag
    assert requests.get(url, timeout=5).json()[0]["role"] == "operator"
    viewer = {"Authorization": f"Bearer {sim.tokens['viewer']}"}
    assert requests.post(url, json={"text": "hi"}, headers=viewer, timeout=5).status_code == 403


def test_transition_validator_hook():
    """A plugged-in validator runs after the workflow rules and may refuse more."""
    def no_outsiders(current: dict, changes: dict, role: str) -> None:
        if changes.get("assignee") == "outsider":
            raise TransitionRejected("assignee must be on the roster")

    with SimulatorServer(clock=SimClock(HAZE_START, speed=0), transition_validator=no_outsiders) as sim:
        rid, etag = _new_request(sim)
        resp = _patch(sim, rid, {"assignee": "outsider"}, etag=etag)
        assert resp.status_code == 409 and "roster" in resp.json()[0]["description"]
        assert _patch(sim, rid, {"assignee": "ploy.t"}, etag=etag).status_code == 200


def test_configured_tokens_and_api_keys():
    tokens = {"operator": "op", "supervisor": "sup", "viewer": "view"}
    with SimulatorServer(clock=SimClock(HAZE_START, speed=0), tokens=tokens, api_keys=["citizen-app"]) as sim:
        assert sim.tokens == tokens
        form = {"api_key": "citizen-app", "service_code": "road", "lat": "18.79", "long": "98.99"}
        assert requests.post(sim.feed_base("open311") + "/requests.json", data=form, timeout=5).status_code == 201


def test_a_forward_keeps_the_agency_the_operator_chose(simulator) -> None:  # type: ignore[no-untyped-def]
    """GeoReport v2's agency_responsible is changed with the forward and kept: the category's default agency never
    replaces it, on the PATCH answer, on a later GET, or in the list."""
    rid, etag = _new_request(simulator, "water_supply")
    default = requests.get(f"{simulator.feed_base('open311')}/requests/{rid}.json", timeout=5).json()[0]
    chosen = "การประปาส่วนภูมิภาคสาขาเชียงใหม่"
    assert default["agency_responsible"] != chosen
    record, etag = _walk(simulator, rid, etag, [
        ({"workflow_state": "acknowledged"}, "operator"),
        ({"workflow_state": "forwarded", "agency_responsible": chosen, "status_notes": "ส่งต่อ กปภ."}, "operator")])
    assert (record["status_detail"], record["agency_responsible"]) == ("forwarded", chosen)
    again = requests.get(f"{simulator.feed_base('open311')}/requests/{rid}.json", timeout=5).json()[0]
    assert again["agency_responsible"] == chosen
    listed = requests.get(simulator.feed_base("open311") + "/requests.json",
                          params={"service_request_id": rid}, timeout=5).json()
    assert [r["agency_responsible"] for r in listed if r["service_request_id"] == rid] == [chosen]

    # A viewer may not hand it over; an agency that is not text is refused.
    assert _patch(simulator, rid, {"agency_responsible": "x"}, role="viewer", etag=etag).status_code == 403
    assert _patch(simulator, rid, {"agency_responsible": ["x"]}, role="operator", etag=etag).status_code == 400
