"""Seed data for the simulator (stations, districts, landmarks, Open311 services and incident templates).

The files live in the ``resources`` package (``resources/seed/*.json``) and are read with importlib.resources, so they
work from a source checkout, a wheel and a frozen build alike.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=None)
def _load(name: str) -> str:
    return (resources.files("resources") / "seed" / f"{name}.json").read_text(encoding="utf-8")


def load_seed(name: str) -> Any:
    """Parse ``resources/seed/<name>.json`` and return a fresh copy (callers may mutate it)."""
    return json.loads(_load(name))
