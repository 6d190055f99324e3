"""Save area for offline: the plan (counts and estimate), prefetch, resume, cancel mid-way, and the refusals."""

from __future__ import annotations

import threading
import time

import pytest

from services.simulator.server import SimulatorServer
from services.tile_cache import (
    DEFAULT_TILE_BYTES,
    MAX_PREFETCH_TILES,
    PrefetchRefused,
    TileCache,
    TileService,
    count_tiles,
)

CITY = (98.93, 18.74, 99.05, 18.84)  # Chiang Mai city: 1 + 1 + 2 + 4 + ... small
PROVINCE = (98.011, 17.242, 99.573, 20.147)


def test_plan_counts_and_estimates_from_the_default_then_the_cache(service: TileService) -> None:
    plan = service.plan_area(CITY, 10, 13)
    assert plan.tiles == count_tiles(CITY, 10, 13) and plan.tiles > 4
    assert plan.already_cached == 0
    assert plan.estimated_bytes == plan.tiles * DEFAULT_TILE_BYTES
    assert plan.refusal is None

    result = service.prefetch(service.plan_area(CITY, 10, 11))
    replan = service.plan_area(CITY, 10, 13)
    assert replan.already_cached == result.fetched
    average = service.cache.size_bytes() / service.cache.count()
    assert replan.estimated_bytes == round((replan.tiles - replan.already_cached) * average)


def test_prefetch_fetches_everything_and_reports_progress(service: TileService, cache: TileCache) -> None:
    calls: list[tuple[int, int]] = []
    result = service.prefetch(CITY, 9, 13, progress=lambda done, total: calls.append((done, total)))
    total = count_tiles(CITY, 9, 13)
    assert (result.fetched, result.skipped, result.failed, result.cancelled, result.error) == (total, 0, 0, False,
                                                                                                None)
    assert cache.count() == total
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:], strict=False))  # never goes backwards


def test_prefetch_resumes_by_skipping_cached_tiles(service: TileService, cache: TileCache) -> None:
    first = service.prefetch(CITY, 10, 12)
    second = service.prefetch(CITY, 10, 14)
    assert second.skipped == first.fetched
    assert second.fetched == count_tiles(CITY, 10, 14) - first.fetched
    assert cache.count() == count_tiles(CITY, 10, 14)


def test_cancel_mid_way_stops_promptly_and_a_rerun_resumes(service: TileService, cache: TileCache,
                                                           simulator: SimulatorServer) -> None:
    simulator.faults.add("tiles", "slow", seconds=0.05)  # ~80 tiles/s with 4 connections: time to cancel
    stop = threading.Event()
    cancelled_at: list[float] = []

    def progress(done: int, total: int) -> None:
        if done >= 12 and not stop.is_set():
            cancelled_at.append(time.monotonic())
            stop.set()

    total = count_tiles(CITY, 10, 15)
    result = service.prefetch(CITY, 10, 15, progress=progress, cancelled=stop.is_set)
    returned = time.monotonic()
    assert result.cancelled and 12 <= result.fetched < total
    assert returned - cancelled_at[0] < 0.5
    assert cache.count() == result.fetched  # everything counted was written, nothing else

    simulator.faults.clear()
    rest = service.prefetch(CITY, 10, 15)
    assert not rest.cancelled
    assert rest.skipped == result.fetched and rest.fetched == total - result.fetched


def test_prefetch_stops_with_an_error_when_the_server_is_unreachable(service: TileService,
                                                                     simulator: SimulatorServer) -> None:
    simulator.set_offline(True)
    started = time.monotonic()
    result = service.prefetch(CITY, 10, 14)
    assert result.error and "unreachable" in result.error
    assert result.fetched == 0 and result.failed >= 1 and not result.cancelled
    assert time.monotonic() - started < 5


def test_prefetch_waits_out_a_rate_limit(service: TileService, simulator: SimulatorServer) -> None:
    simulator.faults.add("tiles", "error", status=503, retry_after=1, count=1)
    result = service.prefetch(CITY, 10, 12)
    assert (result.failed, result.fetched) == (0, count_tiles(CITY, 10, 12))


def test_caps_are_refused_with_a_clear_error(service: TileService, cache: TileCache) -> None:
    big = service.plan_area(PROVINCE, 8, 14)
    assert big.tiles > MAX_PREFETCH_TILES and big.refusal and str(MAX_PREFETCH_TILES) in big.refusal
    with pytest.raises(PrefetchRefused, match="10000"):
        service.prefetch(big)
    with pytest.raises(PrefetchRefused, match="zoom 17"):
        service.prefetch(CITY, 17, 17)
    with pytest.raises(ValueError):
        service.plan_area(CITY, 5, 20)
    with pytest.raises(PrefetchRefused, match="no tile source"):
        TileService(cache, None).prefetch(CITY, 10, 10)
    assert cache.count() == 0  # nothing was downloaded by a refused request


# In a child process: a download of the city against a tile server that never answers, cancelled at once (as the
# console does when it closes); then the interpreter exits. Prints how long the exit took to begin.
_HANGING_DOWNLOAD = r"""
import sys, threading, time
from pathlib import Path
from services.simulator.server import SimulatorServer
from services.tile_cache import TileCache, TileFetcher, TileService

sim = SimulatorServer(port=0).start()
sim.faults.add("tiles", "hang")
service = TileService(TileCache(Path(sys.argv[1]) / "tiles.mbtiles", attribution="test"),
                      TileFetcher(sim.url + "/tiles/{z}/{x}/{y}.png", deadline_s=60))
cancel = threading.Event()
started = threading.Event()
worker = threading.Thread(target=lambda: service.prefetch(service.plan_area((98.93, 18.74, 99.05, 18.84), 10, 13),
                                                          progress=lambda d, t: started.set(),
                                                          cancelled=cancel.is_set), daemon=True)
worker.start()
started.wait(10)
cancel.set()
worker.join(10)
print("exiting", flush=True)
"""


def test_a_cancelled_download_against_a_hanging_server_lets_the_process_exit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from tests.support.child_process import ROOT

    begun = time.monotonic()
    run = subprocess.run([sys.executable, "-c", _HANGING_DOWNLOAD, str(tmp_path)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    took = time.monotonic() - begun
    assert run.returncode == 0 and "exiting" in run.stdout, run.stderr
    assert took < 20, f"the process outlived its download by {took:.0f} s (the tile deadline is 60 s)"
