"""TileService and TileFetcher against the real simulator on loopback: fetch on a miss, serve from the cache when
offline, refresh a stale tile with its ETag (304), and the polite behaviours (429 pause, no caching of non-images)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from services.simulator.server import SimulatorServer
from services.tile_cache import (
    TileCache,
    TileFetcher,
    TileFetchFailed,
    TileRateLimited,
    TileService,
    TileSourcePaused,
    TileSourceUnavailable,
    tile_of,
)

Z = 12
X, Y = tile_of(98.99, 18.79, Z)  # Chiang Mai city


def test_fetch_on_miss_then_hit(service: TileService, cache: TileCache) -> None:
    assert cache.get(Z, X, Y) is None
    data = service.tile(Z, X, Y)
    assert data is not None and data.startswith(b"\x89PNG")
    assert cache.get(Z, X, Y) == data
    assert cache.get_entry(Z, X, Y).etag  # type: ignore[union-attr]
    assert service.tile(Z, X, Y) == data
    stats = service.stats()
    assert (stats.fetched, stats.hits) == (1, 1)


def test_served_from_cache_when_simulator_offline(service: TileService, simulator: SimulatorServer) -> None:
    cached = service.tile(Z, X, Y)
    simulator.set_offline(True)
    started = time.monotonic()
    assert service.tile(Z, X, Y) == cached
    assert service.tile(Z, X + 1, Y) is None  # never cached: the map shows its plain background
    assert service.tile(Z, X + 2, Y) is None  # the fetcher is pausing now: not even a connection attempt
    assert time.monotonic() - started < 3
    assert service.fetcher is not None and service.fetcher.paused_for() > 0
    assert service.stats().failed == 2


def test_stale_tile_served_while_offline(service: TileService, simulator: SimulatorServer, clock) -> None:  # type: ignore[no-untyped-def]
    cached = service.tile(Z, X, Y)
    clock.advance(30 * 86400)
    simulator.set_offline(True)
    assert service.tile(Z, X, Y) == cached
    assert service.stats().stale_served == 1


def test_stale_tile_is_revalidated_with_etag(service: TileService, cache: TileCache, clock) -> None:  # type: ignore[no-untyped-def]
    data = service.tile(Z, X, Y)
    first = cache.get_entry(Z, X, Y)
    assert first is not None
    # The simulator sends max-age=86400: the server's lifetime wins over the 7-day default.
    assert first.expires_at - first.fetched_at == pytest.approx(86400)
    clock.advance(86400 + 1)
    assert service.tile(Z, X, Y) == data
    again = cache.get_entry(Z, X, Y)
    assert again is not None and again.fetched_at == clock() and again.etag == first.etag
    assert service.stats().revalidated == 1 and service.stats().fetched == 1


def test_offline_only_service_uses_cache(cache: TileCache) -> None:
    cache.put(3, 6, 3, b"\x89PNG\r\n\x1a\nxx")
    offline = TileService(cache, None)
    assert offline.tile(3, 6, 3) == b"\x89PNG\r\n\x1a\nxx"
    assert offline.tile(3, 5, 3) is None
    assert offline.tile(20, 0, 0) is None  # invalid coordinates are not an error for the map


def test_concurrent_tile_requests(service: TileService, cache: TileCache) -> None:
    results: dict[tuple[int, int], bytes | None] = {}
    lock = threading.Lock()

    def ask(i: int) -> None:
        for j in range(8):
            data = service.tile(Z, X + i, Y + j)
            with lock:
                results[(i, j)] = data

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 64 and all(v is not None for v in results.values())
    assert cache.count() == 64


def test_fetcher_sends_an_identifying_user_agent_and_refuses_bad_templates() -> None:
    with pytest.raises(ValueError):
        TileFetcher("ftp://example/{z}/{x}/{y}.png")
    with pytest.raises(ValueError):
        TileFetcher("http://127.0.0.1/{z}/{x}.png")
    with pytest.raises(ValueError):
        TileFetcher("http://127.0.0.1/{z}/{x}/{y}.png", user_agent="python-requests/2.32")
    with pytest.raises(ValueError):
        TileFetcher("http://127.0.0.1/{z}/{x}/{y}.png", max_concurrent=50)


# --- a tiny loopback server for what the simulator cannot do (429, and checking the request headers) -------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    responses: list[tuple[int, dict[str, str], bytes]] = []
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).seen.append(dict(self.headers))
        status, headers, body = type(self).responses.pop(0) if type(self).responses else (404, {}, b"")
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("Handler", (_Recorder,), {"responses": [], "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class _MonotonicStub:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_429_pauses_every_request_until_retry_after(recorder) -> None:  # type: ignore[no-untyped-def]
    url, handler = recorder
    handler.responses[:] = [(429, {"Retry-After": "120"}, b"slow down"), (200, {}, b"\x89PNG\r\n\x1a\nok")]
    mono = _MonotonicStub()
    fetcher = TileFetcher(url, clock=mono)
    try:
        with pytest.raises(TileRateLimited) as info:
            fetcher.fetch(1, 0, 0)
        assert info.value.retry_after_s == 120
        with pytest.raises(TileSourcePaused):
            fetcher.fetch(1, 1, 0)
        assert len(handler.seen) == 1  # the paused request never reached the server
        assert "ChiangMaiPAO-Console" in handler.seen[0]["User-Agent"]
        mono.now += 121
        assert fetcher.fetch(1, 1, 0).data == b"\x89PNG\r\n\x1a\nok"
    finally:
        fetcher.close()


def test_error_page_with_200_is_not_cached(recorder, cache: TileCache) -> None:  # type: ignore[no-untyped-def]
    url, handler = recorder
    handler.responses[:] = [(200, {"Content-Type": "text/html"}, b"<html>captive portal</html>")]
    fetcher = TileFetcher(url)
    try:
        assert TileService(cache, fetcher).tile(2, 1, 1) is None
        assert cache.count() == 0
    finally:
        fetcher.close()


def test_simulator_faults_map_to_tile_errors(simulator: SimulatorServer, fetcher: TileFetcher) -> None:
    simulator.faults.add("tiles", "malformed", variant="html", count=1)
    with pytest.raises(TileFetchFailed, match="not an image"):
        fetcher.fetch(Z, X, Y)
    simulator.faults.add("tiles", "error", status=503, retry_after=7, count=1)
    with pytest.raises(TileRateLimited) as info:
        fetcher.fetch(Z, X, Y)
    assert info.value.retry_after_s == 7
    fetcher.resume()
    simulator.faults.add("tiles", "down", count=3)
    with pytest.raises(TileSourceUnavailable):
        fetcher.fetch(Z, X, Y)
    fetcher.resume()
    simulator.faults.clear()
    assert fetcher.fetch(Z, X, Y).data is not None


def test_trickling_tile_fails_at_the_deadline(simulator: SimulatorServer) -> None:
    simulator.faults.add("tiles", "trickle", interval=0.05, chunk=50)
    fetcher = TileFetcher(simulator.url + "/tiles/{z}/{x}/{y}.png", deadline_s=0.4)
    try:
        started = time.monotonic()
        with pytest.raises(TileFetchFailed, match="still arriving"):
            fetcher.fetch(Z, X, Y)
        assert time.monotonic() - started < 2
    finally:
        fetcher.close()


def _requests_taken(simulator: SimulatorServer, fault_id: int, count: int) -> int:
    """How many requests a fault added with ``count`` has met so far."""
    fault = next(f for f in simulator.faults.list() if f.id == fault_id)
    assert fault.remaining is not None
    return count - fault.remaining


def test_a_body_past_its_deadline_pauses_the_source_like_an_unreachable_one(  # type: ignore[no-untyped-def]
        simulator: SimulatorServer, cache: TileCache, clock) -> None:
    mono = _MonotonicStub()
    fetcher = TileFetcher(simulator.url + "/tiles/{z}/{x}/{y}.png", deadline_s=0.4, unreachable_pause_s=5,
                          clock=mono)
    service = TileService(cache, fetcher, clock=clock)
    try:
        cached = service.tile(Z, X, Y)
        assert cached is not None
        clock.advance(86400 + 1)  # stale: the service would ask the server again
        fault = simulator.faults.add("tiles", "trickle", interval=0.05, chunk=50, count=1000)
        assert service.tile(Z, X + 1, Y) is None  # trickles past its 0.4 s deadline
        assert fetcher.paused_for() == 5  # as after "connection refused"

        asked = time.monotonic()
        assert service.tile(Z, X, Y) == cached  # the stale copy, at once
        assert [service.tile(Z, X + i, Y) for i in range(2, 12)] == [None] * 10  # never cached: none, at once
        assert time.monotonic() - asked < 0.4  # not one of them waited for the server's body
        assert _requests_taken(simulator, fault.id, 1000) == 1  # only the first request reached the server
        assert service.stats().stale_served == 1

        # Still trickling after the pause: the pause backs off, as for a server that stays unreachable.
        mono.now += 5
        with pytest.raises(TileSourceUnavailable, match="still arriving"):
            fetcher.fetch(Z, X + 1, Y)
        assert fetcher.paused_for() == 10
        # A tile that arrives ends the backoff: the next failure pauses the first step again.
        mono.now += 10
        simulator.faults.clear()
        assert fetcher.fetch(Z, X + 1, Y).data is not None
        simulator.faults.add("tiles", "down", count=3)  # the connection retries included
        with pytest.raises(TileSourceUnavailable):
            fetcher.fetch(Z, X + 2, Y)
        assert fetcher.paused_for() == 5
    finally:
        fetcher.close()


def test_requests_waiting_for_a_connection_stay_home_once_the_body_deadline_failed(
        simulator: SimulatorServer) -> None:
    # One connection: three requests queue behind the first, which trickles. Once it fails they must not each pay
    # the deadline again.
    fetcher = TileFetcher(simulator.url + "/tiles/{z}/{x}/{y}.png", deadline_s=0.5, max_concurrent=1)
    fault = simulator.faults.add("tiles", "trickle", interval=0.05, chunk=50, count=1000)
    outcomes: list[str] = []
    lock = threading.Lock()

    def fetch(i: int) -> None:
        try:
            fetcher.fetch(Z, X + i, Y)
            outcome = "fetched"
        except TileSourcePaused:
            outcome = "paused"
        except TileSourceUnavailable:
            outcome = "unavailable"
        with lock:
            outcomes.append(outcome)

    try:
        started = time.monotonic()
        threads = [threading.Thread(target=fetch, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(outcomes) == ["paused", "paused", "paused", "unavailable"]
        assert _requests_taken(simulator, fault.id, 1000) == 1
        assert time.monotonic() - started < 1.5  # one deadline, not four
    finally:
        fetcher.close()
