"""Server lifecycle: offline / online on the same port, two servers at once, prompt stop, the clock."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from services.simulator.clock import SimClock
from services.simulator.server import SimulatorServer

AIR = "/services/getNewAQI_JSON.php?stationID=35t"


def test_offline_refuses_then_returns_on_the_same_port(sim):
    port = sim.port
    sim.set_offline(True)
    assert sim.offline
    with pytest.raises(requests.ConnectionError):
        requests.get(sim.feed_base("air4thai") + AIR, timeout=2)
    sim.set_offline(False)
    assert sim.port == port and not sim.offline
    assert requests.get(sim.feed_base("air4thai") + AIR, timeout=2).status_code == 200


def test_two_servers_at_once():
    clock = SimClock(datetime(2026, 3, 10, 5, tzinfo=UTC), speed=0)
    with SimulatorServer(seed=1, clock=clock) as one, SimulatorServer(seed=2, clock=clock) as two:
        assert one.port != two.port
        assert one.tokens != two.tokens
        a = requests.get(one.feed_base("air4thai") + AIR, timeout=5).json()
        b = requests.get(two.feed_base("air4thai") + AIR, timeout=5).json()
        assert a != b  # different seeds, different air
        one.faults.add("air4thai", "error")
        assert requests.get(one.feed_base("air4thai") + AIR, timeout=5).status_code == 503
        assert requests.get(two.feed_base("air4thai") + AIR, timeout=5).status_code == 200


def test_same_seed_same_data():
    clock = SimClock(datetime(2026, 3, 10, 5, tzinfo=UTC), speed=0)
    with SimulatorServer(seed=7, clock=clock) as one, SimulatorServer(seed=7, clock=clock) as two:
        path = "/services/getNewAQI_JSON.php"
        assert requests.get(one.feed_base("air4thai") + path, timeout=5).json() == \
            requests.get(two.feed_base("air4thai") + path, timeout=5).json()


def test_stop_is_prompt_with_a_trickle_in_flight():
    sim = SimulatorServer(clock=SimClock(datetime(2026, 3, 10, 5, tzinfo=UTC), speed=0)).start()
    sim.faults.add("air4thai", "trickle", interval=1.0)
    sim.faults.add("thaiwater", "slow", seconds=30)
    first_byte = threading.Event()
    outcome: list[object] = []

    def client() -> None:
        try:
            with requests.get(sim.feed_base("air4thai") + AIR, stream=True, timeout=10) as resp:
                resp.raw.read(1)
                first_byte.set()
                outcome.append(resp.raw.read())
        except Exception as exc:  # the cut connection surfaces as a protocol error
            outcome.append(exc)

    def slow_client() -> None:
        try:
            requests.get(sim.feed_base("thaiwater") + "/api/v1/thaiwater30/public/waterlevel_load", timeout=10)
        except Exception as exc:
            outcome.append(exc)

    threads = [threading.Thread(target=client), threading.Thread(target=slow_client)]
    for t in threads:
        t.start()
    assert first_byte.wait(5)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 1.5
    for t in threads:
        t.join(5)
        assert not t.is_alive()
    with pytest.raises(requests.ConnectionError):
        requests.get(sim.url + "/_sim/clock", timeout=1)


def test_urls_and_feed_bases(sim):
    assert sim.url == f"http://127.0.0.1:{sim.port}"
    assert sim.feed_base("open311") == sim.url + "/open311/v2"
    assert sim.map_key == "DEMO_KEY"
    assert set(sim.tokens) == {"operator", "supervisor", "viewer"}


def test_clock_follows_real_time_with_offset_and_speed():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = SimClock(start, speed=3600)  # one simulated hour per real second
    deadline = time.monotonic() + 2
    while clock.now() < start + timedelta(minutes=1) and time.monotonic() < deadline:
        pass
    assert clock.now() >= start + timedelta(minutes=1)
    frozen = SimClock(start, speed=0)
    assert frozen.advance(90) == start + timedelta(seconds=90) == frozen.now()
    with pytest.raises(ValueError):
        SimClock(datetime(2026, 1, 1))
    assert abs((SimClock().now() - datetime.now(UTC)).total_seconds()) < 5
