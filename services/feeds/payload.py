"""Helpers every feed parser shares: body decoding, JSON loading with clear failure reasons, number coercion.

The parsers never repeat these rules: a missing-value marker, a UTF-8 BOM or an HTML error page is handled here once.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from services.errors import MalformedPayload
from services.records import printable

# Markers the Thai feeds use for "no value": Air4Thai "-1" / "-999" / "-9999", the 2019 variant "N/A" / "-".
MISSING_MARKERS: tuple[str, ...] = ("-1", "-999", "-9999", "N/A", "NA", "-", "")

_HTML_START = re.compile(r"^\s*(<!doctype\s+html|<html|<head|<body|<\?xml|<!--)", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def decode_text(body: bytes | str) -> str:
    """Decode a body as UTF-8 (a leading BOM is dropped). Bytes that are not UTF-8 raise ``MalformedPayload``."""
    if isinstance(body, str):
        return body[1:] if body.startswith("\ufeff") else body
    try:
        return bytes(body).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedPayload(f"body is not UTF-8 text (bad byte at offset {exc.start})") from None


def excerpt(text: str, limit: int = 80) -> str:
    """A one-line, length-limited excerpt of ``text`` for error messages (control characters escaped)."""
    return printable(" ".join(text.split()), limit)


def looks_like_html(text: str) -> bool:
    """True when ``text`` starts like an HTML (or XML) page — the usual shape of a proxy or server error page."""
    return bool(_HTML_START.match(text))


def describe_non_payload(text: str, expected: str) -> str:
    """Say what a body looked like when it was not the ``expected`` format ("JSON", "CSV")."""
    stripped = text.strip()
    if not stripped:
        return f"empty body instead of {expected}"
    if looks_like_html(stripped):
        match = _HTML_TITLE.search(stripped)
        title = f" (title: {excerpt(match.group(1), 60)!r})" if match else ""
        return f"HTML page instead of {expected}{title}"
    if stripped.startswith("Invalid MAP_KEY"):
        return f"FIRMS says: {excerpt(stripped)}"
    return f"text instead of {expected}: {excerpt(stripped)!r}"


def load_json(body: bytes | str, what: str) -> Any:
    """Parse a JSON body, raising ``MalformedPayload`` that says what the body looked like instead.

    ``what`` names the expected payload ("Air4Thai latest") and starts every message.
    """
    text = decode_text(body)
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        # Not JSON at all (bare numbers or strings are never a feed payload either).
        raise MalformedPayload(f"{what}: {describe_non_payload(text, 'JSON')}")
    try:
        return json.loads(stripped)
    except json.JSONDecodeError as exc:
        # The decoder stops at the end of the text (or inside a string it never closed) when the body was cut off.
        if exc.pos >= len(stripped) - 1 or exc.msg.startswith("Unterminated string"):
            reason = f"truncated JSON (ends after {len(stripped)} characters)"
        else:
            reason = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise MalformedPayload(f"{what}: {reason}") from None
    except RecursionError:
        # The decoder recurses once per level; no feed nests more than a few levels.
        raise MalformedPayload(f"{what}: JSON nested too deeply to read (hundreds of levels)") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits (sys.set_int_max_str_digits)
        raise MalformedPayload(f"{what}: unreadable JSON: {excerpt(str(exc))}") from None


def guess_kind(obj: Any) -> str:
    """A short human description of what a decoded JSON document is, for ``WrongPayloadKind`` messages."""
    if isinstance(obj, dict):
        if obj.get("type") in ("FeatureCollection", "Feature"):
            return f"GeoJSON {obj['type']}"
        if "waterlevel_data" in obj or (isinstance(obj.get("data"), dict) and "waterlevel_data" in obj["data"]):
            return "ThaiWater water levels"
        if "stations" in obj and "result" in obj:
            return "Air4Thai history"
        if "stations" in obj:
            return "Air4Thai latest values"
        if "hourly" in obj and "utc_offset_seconds" in obj:
            return "Open-Meteo forecast"
        keys = ", ".join(sorted(map(str, obj))[:6])
        return f"JSON object with keys {excerpt(keys, 120) or '(none)'}"
    if isinstance(obj, list):
        if not obj:
            return "empty JSON list"
        first = obj[0]
        if isinstance(first, dict):
            if "update_id" in first:
                return "Open311 request updates"
            if "service_request_id" in first or "token" in first:
                return "Open311 service requests"
            if "service_code" in first:
                return "Open311 services"
            if "code" in first and "description" in first:
                return "Open311 error list"
        return f"JSON list of {type(first).__name__}"
    return f"JSON {type(obj).__name__}"


def to_str(value: Any) -> str | None:
    """Text with surrounding whitespace removed; ``None``, empty text and lists or objects become ``None``."""
    if value is None or isinstance(value, dict | list):
        # A list or an object is not a name or an id; spelling it out (str()) could recurse through a deep one.
        return None
    text = str(value).strip()
    return text or None


def to_float(value: Any, missing: Iterable[str] = MISSING_MARKERS, *, keep_non_finite: bool = False) -> float | None:
    """A float from a number or numeric text; a missing marker, ``None`` or NaN gives ``None``.

    Raises ``ValueError`` for text that is neither a number nor a missing marker (or a list or object), so the caller
    can say which field was bad. ``keep_non_finite`` returns NaN and infinities as they are, for callers that must
    refuse them rather than read them as missing (coordinates).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dict | list):
        raise ValueError(f"a JSON {'object' if isinstance(value, dict) else 'list'} is not a number")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int from JSON may have thousands of digits
            raise ValueError("a number too large to read") from None
    else:
        text = str(value).strip()
        if text in missing:
            return None
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise ValueError(f"{excerpt(text, 30)!r} is not a number") from None
    if math.isnan(number) or math.isinf(number):
        return number if keep_non_finite else None
    for marker in missing:
        try:
            if marker and number == float(marker):
                return None
        except ValueError:
            continue
    return number


def to_int(value: Any, missing: Iterable[str] = MISSING_MARKERS) -> int | None:
    """An int from a number or numeric text ("3", "3.0"); see ``to_float`` for missing values and errors."""
    number = to_float(value, missing)
    if number is None:
        return None
    if not number.is_integer():
        raise ValueError(f"{number!r} is not a whole number")
    if abs(number) >= 2**53:
        # No count, code or version comes near; beyond 2**63 SQLite could not even store it.
        raise ValueError(f"{number:.3g} is too large for a whole-number field")
    return int(number)


def dig(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]…`` or ``None`` when any step is missing or not a mapping."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj
