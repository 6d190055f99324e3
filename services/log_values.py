"""Values from outside (request paths, URLs, bodies, page messages) made safe to put in a log line.

A refused ``pao://`` path was logged in full: a 2 MB URL made a 2 MB log line, and a CR or LF in such a value could
make a line that looks like another entry. :func:`capped` keeps the start of the value, says how much was left out,
and escapes control characters. Standard library only, so the Qt packages may use it too.
"""

from __future__ import annotations

LOG_VALUE_LIMIT = 200
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)}


def capped(value: object, limit: int = LOG_VALUE_LIMIT) -> str:
    """``value`` as one line of at most about ``limit`` characters: ``"abc… (1234 more)"`` when it is longer.

    Control characters become ``\\xNN`` escapes (after the cut, so escapes never push a short value over)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit} more)"
    return text.encode("utf-8", "backslashreplace").decode("utf-8").translate(_CONTROLS)
