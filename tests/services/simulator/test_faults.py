"""Every fault kind as a real ``requests`` client sees it, fault expiry, and the /_sim control routes."""

from __future__ import annotations

import json
import time

import pytest
import requests

from services.simulator.faults import FaultBoard

AIR = "/services/getNewAQI_JSON.php?stationID=35t"
WATER = "/api/v1/thaiwater30/public/waterlevel_load"


def _air(sim, timeout: float = 5) -> requests.Response:
    return requests.get(sim.feed_base("air4thai") + AIR, timeout=timeout)


def _supervisor(sim) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.tokens['supervisor']}"}


def test_down_drops_the_connection(sim):
    sim.faults.add("air4thai", "down", count=1)
    with pytest.raises(requests.ConnectionError):
        _air(sim)
    assert _air(sim).status_code == 200  # count=1 expired


def test_slow_causes_a_read_timeout(sim):
    sim.faults.add("thaiwater", "slow", seconds=3, count=1)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        requests.get(sim.feed_base("thaiwater") + WATER, timeout=0.3)
    assert time.monotonic() - started < 2
    # Other requests are not blocked by the sleeping one.
    assert requests.get(sim.feed_base("thaiwater") + WATER, timeout=2).status_code == 200


def test_slow_within_timeout_still_answers(sim):
    sim.faults.add("air4thai", "slow", seconds=0.3, count=1)
    started = time.monotonic()
    assert _air(sim).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_trickle_sends_headers_then_bytes_slowly(sim):
    sim.faults.add("air4thai", "trickle", interval=0.15, count=1)
    started = time.monotonic()
    with requests.get(sim.feed_base("air4thai") + AIR, stream=True, timeout=5) as resp:
        assert resp.status_code == 200 and int(resp.headers["Content-Length"]) > 100
        headers_at = time.monotonic() - started
        got = b"".join(resp.raw.read(1) for _ in range(4))
        body_at = time.monotonic() - started
    assert got == b'{"st'
    assert headers_at < 0.5 and body_at - headers_at >= 0.4


def test_error_with_retry_after(sim):
    sim.faults.add("firms", "error", status=503, retry_after=120, count=2)
    url = f"{sim.feed_base('firms')}/api/area/csv/{sim.map_key}/VIIRS_SNPP_NRT/98.0,17.2,99.6,20.2/1"
    for _ in range(2):
        resp = requests.get(url, timeout=5)
        assert resp.status_code == 503 and resp.headers["Retry-After"] == "120"
    assert requests.get(url, timeout=5).status_code == 200


def test_open311_error_body_is_an_open311_error(sim):
    sim.faults.add("open311", "error", status=502, count=1)
    resp = requests.get(sim.feed_base("open311") + "/services.json", timeout=5)
    assert resp.status_code == 502 and resp.json()[0]["code"] == 502 and "Retry-After" not in resp.headers


@pytest.mark.parametrize("status", [200, 502])
def test_malformed_html(sim, status):
    sim.faults.add("air4thai", "malformed", variant="html", status=status, count=1)
    resp = _air(sim)
    assert resp.status_code == status and resp.headers["Content-Type"].startswith("text/html")
    assert resp.text.lstrip().startswith("<html>")


def test_malformed_truncated(sim):
    whole = _air(sim).content
    sim.faults.add("air4thai", "malformed", variant="truncated", count=1)
    resp = _air(sim)
    assert resp.status_code == 200 and whole.startswith(resp.content) and len(resp.content) < len(whole)
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.content)


def test_malformed_map_key_and_wrong_kind(sim):
    sim.faults.add("firms", "malformed", variant="map_key", count=1)
    url = f"{sim.feed_base('firms')}/api/area/csv/{sim.map_key}/VIIRS_SNPP_NRT/98.0,17.2,99.6,20.2/1"
    assert requests.get(url, timeout=5).text == "Invalid MAP_KEY."
    sim.faults.add("thaiwater", "malformed", variant="wrong_kind", count=1)
    resp = requests.get(sim.feed_base("thaiwater") + WATER, timeout=5)
    assert resp.text.startswith("latitude,longitude,")
    sim.faults.add("firms", "malformed", variant="wrong_kind", count=1)
    assert requests.get(url, timeout=5).json() == {"stations": []}


def test_star_fault_hits_every_feed_but_not_control(sim):
    sim.faults.add("*", "error", count=2)
    assert _air(sim).status_code == 503
    assert requests.get(sim.url + "/_sim/faults", headers=_supervisor(sim), timeout=5).status_code == 200
    assert requests.get(sim.feed_base("open311") + "/services.json", timeout=5).status_code == 503
    assert _air(sim).status_code == 200


def test_board_validation_and_removal():
    board = FaultBoard()
    for bad in ({"feed": "x", "kind": "down"}, {"feed": "firms", "kind": "explode"},
                {"feed": "firms", "kind": "malformed"}, {"feed": "firms", "kind": "error", "status": 404},
                {"feed": "firms", "kind": "slow"}, {"feed": "firms", "kind": "down", "bogus": 1}):
        with pytest.raises(ValueError):
            board.add_from_json(bad)
    fault = board.add("firms", "down")
    assert board.take("air4thai") is None and board.take("firms").id == fault.id
    assert board.take("firms") is not None  # no count: stays until removed
    assert board.remove(fault.id) and not board.remove(fault.id) and board.take("firms") is None


def test_http_control_of_faults_and_clock(sim):
    ctl, auth = sim.url + "/_sim", _supervisor(sim)
    created = requests.post(ctl + "/faults", json={"feed": "air4thai", "kind": "error", "status": 500},
                            headers=auth, timeout=5)
    assert created.status_code == 201 and created.json()["kind"] == "error"
    assert [f["id"] for f in requests.get(ctl + "/faults", headers=auth, timeout=5).json()] == [created.json()["id"]]
    assert _air(sim).status_code == 500
    assert requests.post(ctl + "/faults", json={"feed": "air4thai"}, headers=auth, timeout=5).status_code == 400
    assert requests.delete(ctl + "/faults", headers=auth, timeout=5).status_code == 204
    assert _air(sim).status_code == 200 and sim.faults.list() == []

    before = requests.get(ctl + "/clock", headers=auth, timeout=5).json()
    assert before["now"] == "2026-03-10T05:00:00Z"
    after = requests.post(ctl + "/clock", json={"advance": 3600}, headers=auth, timeout=5).json()
    assert after["now"] == "2026-03-10T06:00:00Z" and after["offset_seconds"] == 3600
    assert _air(sim).json()["stations"][0]["AQILast"]["time"] == "12:00"
