"""Workflow extension: bearer auth and roles, PATCH with If-Match / ETag, idempotency, comments, the validator hook."""

from __future__ import annotations

import requests

from services.simulator.clock import SimClock
from services.simulator.incidents import TransitionRejected
from services.simulator.server import SimulatorServer

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


def test_patch_with_if_match(sim):
    rid, etag = _open_request(sim)
    resp = _patch(sim, rid, {"workflow_state": "in_progress", "assignee": "somchai.k", "priority": "P1"}, etag=etag)
    assert resp.status_code == 200
    (record,) = resp.json()
    assert record["workflow_state"] == "in_progress" and record["status_detail"] == "in_progress"
    assert record["assignee"] == "somchai.k" and record["priority"] == "P1"
    assert resp.headers["ETag"] == f'"{rid}-v{record["version"]}"' != etag
    closed = _patch(sim, rid, {"status_detail": "resolved", "status_notes": "cleared"}, etag=resp.headers["ETag"])
    assert closed.json()[0]["status"] == "closed"
    updates = requests.get(sim.feed_base("open311") + "/servicerequestupdates.json",
                           params={"service_request_id": rid}, timeout=5).json()
    assert updates[-1]["description"] == "cleared" and updates[-1]["status"] == "closed"


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
    rid, etag = _open_request(sim)
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
    def no_reopen(current: dict, changes: dict, role: str) -> None:
        if current["status"] == "closed" and changes.get("workflow_state") in ("new", "in_progress"):
            raise TransitionRejected("closed requests cannot be reopened")

    with SimulatorServer(clock=SimClock(HAZE_START, speed=0), transition_validator=no_reopen) as sim:
        rows = requests.get(sim.feed_base("open311") + "/requests.json", params={"status": "closed"}, timeout=5).json()
        rid = rows[0]["service_request_id"]
        etag = requests.get(f"{sim.feed_base('open311')}/requests/{rid}.json", timeout=5).headers["ETag"]
        resp = _patch(sim, rid, {"workflow_state": "in_progress"}, etag=etag)
        assert resp.status_code == 409 and "reopened" in resp.json()[0]["description"]


def test_configured_tokens_and_api_keys():
    tokens = {"operator": "op", "supervisor": "sup", "viewer": "view"}
    with SimulatorServer(clock=SimClock(HAZE_START, speed=0), tokens=tokens, api_keys=["citizen-app"]) as sim:
        assert sim.tokens == tokens
        form = {"api_key": "citizen-app", "service_code": "road", "lat": "18.79", "long": "98.99"}
        assert requests.post(sim.feed_base("open311") + "/requests.json", data=form, timeout=5).status_code == 201
