"""Shared fixtures of the feed tests: the hand-written sample payloads in ``data/``."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def sample():
    """Read a sample payload's bytes by file name."""

    def read(name: str) -> bytes:
        return (DATA / name).read_bytes()

    return read
