"""The ``/_sim`` control routes take only the supervisor's token and a JSON body, and refuse out-of-range values
with a JSON error, so a web page cannot forge them (CSRF) and no value can break the simulator's other routes."""

from __future__ import annotations

import json

import pytest
import requests

from services.simulator.faults import FaultBoard

AIR = "/services/getNewAQI_JSON.php?stationID=35t"
ROUTES = [("GET", "/_sim/faults"), ("POST", "/_sim/faults"), ("DELETE", "/_sim/faults"), ("DELETE", "/_sim/faults/1"),
          ("GET", "/_sim/clock"), ("POST", "/_sim/clock")]
BODIES = {"/_sim/faults": {"feed": "*", "kind": "down"}, "/_sim/clock": {"advance": 60}}


def auth(sim, role: str = "supervisor") -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.tokens[role]}"}


def call(sim, method: str, path: str, headers: dict[str, str] | None = None, **kwargs) -> requests.Response:
    if method == "POST" and "json" not in kwargs and "data" not in kwargs:
        kwargs["json"] = BODIES[path]
    return requests.request(method, sim.url + path, headers=headers or {}, timeout=5, **kwargs)


def refused(answer: requests.Response, status: int) -> str:
    """The refusal's status, and its JSON error body's message."""
    assert answer.status_code == status, (answer.status_code, answer.text[:300])
    assert answer.headers["Content-Type"].startswith("application/json")
    message = answer.json()["error"]
    assert isinstance(message, str) and message
    return message


def assert_everything_works(sim) -> None:
    """Every control route, a feed and Open311 still answer normally."""
    clock = call(sim, "GET", "/_sim/clock", auth(sim))
    assert clock.status_code == 200 and clock.json()["now"].startswith("20")
    assert call(sim, "GET", "/_sim/faults", auth(sim)).status_code == 200
    moved = call(sim, "POST", "/_sim/clock", auth(sim), json={"advance": 1})
    assert moved.status_code == 200
    assert requests.get(sim.feed_base("air4thai") + AIR, timeout=5).status_code == 200
    assert requests.get(sim.feed_base("open311") + "/requests.json", timeout=5).status_code == 200
    added = call(sim, "POST", "/_sim/faults", auth(sim), json={"feed": "firms", "kind": "down", "count": 1})
    assert added.status_code == 201
    assert call(sim, "DELETE", f"/_sim/faults/{added.json()['id']}", auth(sim)).status_code == 204


def test_a_forged_text_plain_post_is_refused(sim) -> None:
    # What a web page can send cross-origin without a preflight: text/plain, no Authorization header.
    for path, body in BODIES.items():
        answer = requests.post(sim.url + path, data=json.dumps(body), headers={"Content-Type": "text/plain"},
                               timeout=5)
        refused(answer, 401)
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    # Even with the token a text/plain (or form) body is not taken.
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        answer = requests.post(sim.url + "/_sim/faults", data=json.dumps(BODIES["/_sim/faults"]),
                               headers={**auth(sim), "Content-Type": content_type}, timeout=5)
        refused(answer, 415)
    assert sim.faults.list() == [] and sim.clock.offset_seconds == 0
    assert_everything_works(sim)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_the_supervisor_token(sim, method: str, path: str) -> None:
    refused(call(sim, method, path), 401)
    refused(call(sim, method, path, {"Authorization": "Bearer not-a-token"}), 401)
    refused(call(sim, method, path, {"Authorization": sim.tokens["supervisor"]}), 401)  # no "Bearer"
    assert "supervisor" in refused(call(sim, method, path, auth(sim, "operator")), 403)
    refused(call(sim, method, path, auth(sim, "viewer")), 403)
    assert sim.faults.list() == [] and sim.clock.offset_seconds == 0
    assert call(sim, method, path, auth(sim)).status_code in (200, 201, 204, 404)


@pytest.mark.parametrize("raw", [
    '{"advance": 1e20}', '{"advance": NaN}', '{"advance": Infinity}', '{"advance": -Infinity}', '{"advance": 1e400}',
    '{"advance": -1}', '{"advance": -0.5}', '{"advance": 2592001}', '{"advance": ' + "9" * 400 + "}",
    '{"advance": true}', '{"advance": "3600"}', '{"advance": null}', '{"advance": [1]}', '{}', '[]', '3600',
    '{"advance": 60, "speed": 0}', "not json", '{"advance": 60', "[" * 100_000 + "]" * 100_000,
    "[" * 30_000 + "]" * 30_000,
])
def test_bad_clock_advances_are_refused_and_every_route_still_works(sim, raw: str) -> None:
    before = sim.now()
    answer = call(sim, "POST", "/_sim/clock", {**auth(sim), "Content-Type": "application/json"}, data=raw)
    refused(answer, 413 if len(raw) > 64 * 1024 else 400)
    assert sim.now() == before
    assert_everything_works(sim)


def test_advance_within_range_and_the_total_stays_bounded(sim) -> None:
    month = 30 * 86400
    answer = call(sim, "POST", "/_sim/clock", auth(sim), json={"advance": month})
    assert answer.status_code == 200 and answer.json()["offset_seconds"] == month
    assert call(sim, "POST", "/_sim/clock", auth(sim), json={"advance": 0}).status_code == 200
    sim.clock.advance(20 * 366 * 86400 - 2 * month)  # Python-side, as tests do: no limit there
    assert call(sim, "POST", "/_sim/clock", auth(sim), json={"advance": month}).status_code == 200
    refused(call(sim, "POST", "/_sim/clock", auth(sim), json={"advance": month}), 400)
    assert call(sim, "GET", "/_sim/clock", auth(sim)).json()["now"].startswith("2046")
    assert requests.get(sim.feed_base("air4thai") + AIR, timeout=5).status_code == 200  # 20 years on, still a date
    sim.clock.advance(-sim.clock.offset_seconds)
    assert_everything_works(sim)


@pytest.mark.parametrize("spec", [
    {"seconds": 1e20}, {"seconds": float("nan")}, {"seconds": -1}, {"seconds": "5"}, {"seconds": True},
    {"interval": 1e9}, {"interval": float("inf")}, {"interval": -0.1},
    {"chunk": 0}, {"chunk": 1.5}, {"chunk": 2 ** 64},
    {"count": 0}, {"count": 1e20}, {"count": -3}, {"count": 2.5},
    {"retry_after": -1}, {"retry_after": 10 ** 30}, {"status": 99999}, {"status": 50.5},
    {"methods": {"GET": 1}}, {"methods": [1, 2]}, {"methods": []},
    {"kind": "strip_header", "header": "If-Match\r\nX-Evil: 1"}, {"kind": "strip_header", "header": ["If-Match"]},
    {"kind": "malformed", "variant": ["html"]}, {"feed": ["firms"]}, {"kind": {"down": 1}},
])
def test_out_of_range_fault_options_are_refused(sim, spec: dict) -> None:
    body = {"feed": "air4thai", "kind": "slow", "seconds": 1, **spec}
    raw = json.dumps(body, allow_nan=True)  # NaN and Infinity as Python's json (and so Flask's) reads them
    refused(call(sim, "POST", "/_sim/faults", {**auth(sim), "Content-Type": "application/json"}, data=raw), 400)
    assert sim.faults.list() == []
    with pytest.raises(ValueError):
        FaultBoard().add_from_json(body)  # the same check from Python
    assert_everything_works(sim)


def test_fault_options_within_range_are_taken(sim) -> None:
    for spec in ({"feed": "air4thai", "kind": "hang", "seconds": 86400, "count": 1_000_000},
                 {"feed": "firms", "kind": "trickle", "interval": 60, "chunk": 1 << 20},
                 {"feed": "open311", "kind": "error", "status": 429, "retry_after": 86400, "methods": ["post"]},
                 {"feed": "open311", "kind": "strip_header", "header": "If-Match"},
                 {"feed": "thaiwater", "kind": "slow", "seconds": 0.05, "count": 1.0}):
        answer = call(sim, "POST", "/_sim/faults", auth(sim), json=spec)
        assert answer.status_code == 201, answer.text
    assert len(sim.faults.list()) == 5
    assert call(sim, "DELETE", "/_sim/faults", auth(sim)).status_code == 204 and sim.faults.list() == []
