"""Refuse to start on the Python / PySide6 pair that crashes.

Measured here: PySide6 6.12.0 on CPython 3.11 drops references to None/True on every void call and signal emit and
aborts with "Fatal Python error: none_dealloc" after a few hundred to a few thousand calls. pyproject.toml already keeps
pip from installing that pair; this catches an environment assembled by hand.
"""

from __future__ import annotations

import sys
from importlib import metadata


class UnsupportedRuntime(RuntimeError):
    """The interpreter and Qt binding versions are known not to work together."""


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def check_runtime(python: tuple[int, int] | None = None, pyside: str | None = None) -> None:
    """Raise UnsupportedRuntime for CPython 3.11 with PySide6 ≥ 6.12 (or Python older than 3.11)."""
    py = python or (sys.version_info.major, sys.version_info.minor)
    if py < (3, 11):
        raise UnsupportedRuntime(f"Python {py[0]}.{py[1]} is too old; the console needs 3.11 or newer")
    if pyside is None:
        try:
            import PySide6  # cheap: the package itself, not a Qt module; faster than scanning distributions

            pyside = PySide6.__version__
        except (ImportError, AttributeError):
            pyside = metadata.version("PySide6")
    if py == (3, 11) and _version_tuple(pyside) >= (6, 12):
        raise UnsupportedRuntime(
            f"PySide6 {pyside} on Python 3.11 crashes (none_dealloc). Install PySide6 6.11.x "
            "(pip install 'PySide6>=6.11,<6.12') or use Python 3.12 or newer."
        )
