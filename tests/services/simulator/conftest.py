"""Fixtures: simulators on free loopback ports with a frozen simulated clock (so values are predictable)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from services.simulator.clock import SimClock
from services.simulator.server import SimulatorServer

HAZE_START = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # burning season, 12:00 Thai time
RAINY_START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    """A running simulator in the haze season, clock frozen (it moves only with advance())."""
    with SimulatorServer(seed=2026, clock=SimClock(HAZE_START, speed=0)) as server:
        yield server


@pytest.fixture
def rainy_sim() -> Iterator[SimulatorServer]:
    """A running simulator in the monsoon, clock frozen."""
    with SimulatorServer(seed=2026, clock=SimClock(RAINY_START, speed=0)) as server:
        yield server
