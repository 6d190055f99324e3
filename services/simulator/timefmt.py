"""Thai local time as the simulated feeds write it (UTC+7, no daylight saving, usually without an offset)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

THAI = timezone(timedelta(hours=7), "Asia/Bangkok")


def to_thai(moment: datetime) -> datetime:
    """The same instant as an aware Thai local datetime."""
    return moment.astimezone(THAI)


def floor_hour(moment: datetime) -> datetime:
    """``moment`` (UTC) cut down to the whole hour."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def w3c(moment: datetime) -> str:
    """W3C datetime with the Thai offset, e.g. ``2026-03-01T10:15:00+07:00`` (Open311 style)."""
    return to_thai(moment).replace(microsecond=0).isoformat()
