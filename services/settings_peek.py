"""Read the UI language from the settings file cheaply, before the window exists.

The full, validated load (services.settings, pydantic) runs on a background worker once the window is up; the window
only needs to know which language to open in. Anything odd here reads as "no preference": the full load reports it.
"""

from __future__ import annotations

import json
from pathlib import Path


def peek_language(path: Path) -> str | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    language = raw.get("language") if isinstance(raw, dict) else None
    return language if language in ("th", "en") else None
