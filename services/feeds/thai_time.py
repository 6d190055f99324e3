"""Timestamps as the feeds write them, turned into aware UTC datetimes.

Air4Thai and ThaiWater write Thai local time (Asia/Bangkok, UTC+7, no daylight saving) without an offset;
Open311 writes W3C datetimes with an offset (Traffy Fondue writes naive Thai time).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")

_LOCAL = re.compile(
    r"^\s*(?P<date>\d{4}-\d{1,2}-\d{1,2})"
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?\s*$"
)


def _parse_date(text: str) -> date:
    year, month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def _local_to_utc(day: date, hour: int, minute: int, second: int, zone: tzinfo) -> datetime:
    # "24:00" is how some hour-ending labels write midnight at the end of the day.
    extra = timedelta(0)
    if hour == 24 and minute == 0 and second == 0:
        hour, extra = 0, timedelta(days=1)
    local = datetime.combine(day, time(hour, minute, second), tzinfo=zone) + extra
    return local.astimezone(UTC)


def parse_thai_local(text: str) -> datetime:
    """Parse "YYYY-MM-DD HH:MM[:SS]" (or a bare date) in Thai local time to an aware UTC datetime.

    Raises ``ValueError`` with the offending text when it is not such a time.
    """
    match = _LOCAL.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not a 'YYYY-MM-DD HH:MM' time")
    try:
        day = _parse_date(match["date"])
        return _local_to_utc(
            day, int(match["hour"] or 0), int(match["minute"] or 0), int(match["second"] or 0), BANGKOK
        )
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved out of range by the UTC offset
        raise ValueError(f"{text!r} is not a valid date and time") from None


def thai_date_time(day: str, clock: str) -> datetime:
    """Join Air4Thai's separate ``date`` ("YYYY-MM-DD") and ``time`` ("HH:MM", hour-ending) into UTC."""
    return parse_thai_local(f"{(day or '').strip()} {(clock or '').strip()}")


def parse_w3c(text: str, naive_zone: tzinfo = BANGKOK) -> datetime:
    """Parse a W3C / ISO 8601 datetime ("2026-09-28T14:05:00+07:00", "…Z") to UTC.

    A time without an offset is read in ``naive_zone`` (Thai local by default: Traffy Fondue writes naive Thai time).
    Raises ``ValueError`` when the text is not such a datetime.
    """
    raw = (text or "").strip()
    if not raw:
        raise ValueError("empty datetime")
    try:
        value = datetime.fromisoformat(raw.replace(" ", "T", 1) if "T" not in raw else raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a W3C datetime") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=naive_zone)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 moved out of range by the offset
        raise ValueError(f"{raw!r} is out of the range of dates") from None
