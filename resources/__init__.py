"""Data shipped with the console (seed data, web assets, icons). Imports nothing of ours."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable


def resource(*parts: str) -> Traversable:
    """A file or folder inside this package, e.g. ``resource("seed", "districts.json")``."""
    node = resources.files(__name__)
    for part in parts:
        node = node / part
    return node
