"""Read the UI language, the mode and the demo scenario from the settings file cheaply, before the full load.

The full, validated load (services.settings, pydantic) runs on a background worker once the window is up; the window
only needs to know which language to open in. Anything odd here reads as "no preference": the full load reports it.
"""

from __future__ import annotations

import json
from pathlib import Path


def _peek(path: Path, key: str, allowed: tuple[str, ...]) -> str | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    value = raw.get(key) if isinstance(raw, dict) else None
    return value if value in allowed else None


def peek_language(path: Path) -> str | None:
    return _peek(path, "language", ("th", "en"))


def peek_scenario(path: Path) -> str | None:
    """The embedded simulator's scenario as the settings name it (``demo_scenario``), or None."""
    from services.simulator.scenarios import SCENARIOS

    return _peek(path, "demo_scenario", SCENARIOS)


def peek_mode(path: Path) -> str | None:
    """demo or live as the settings say (the store folder depends on it); None when they say nothing usable."""
    return _peek(path, "mode", ("demo", "live"))
