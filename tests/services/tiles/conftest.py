"""Fixtures for the tile tests: a cache in tmp_path with a hand-driven clock, and a fetcher/service pointed at the
real simulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.simulator.server import SimulatorServer
from services.tile_cache import TileCache, TileFetcher, TileService, simulator_source


class ManualClock:
    """Unix-time clock that moves only when told, so tests can age tiles without waiting."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def cache(tmp_path: Path, clock: ManualClock) -> Iterator[TileCache]:
    c = TileCache(tmp_path / "tiles.mbtiles", attribution="test attribution", clock=clock)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def fetcher(simulator: SimulatorServer) -> Iterator[TileFetcher]:
    f = TileFetcher(simulator_source(simulator.url).url_template, timeout=(2.0, 5.0), deadline_s=10.0)
    try:
        yield f
    finally:
        f.close()


@pytest.fixture
def service(cache: TileCache, fetcher: TileFetcher, clock: ManualClock) -> TileService:
    return TileService(cache, fetcher, clock=clock)
