"""Row types the console hands to the widgets' table models: plain data, built on the UI thread from service results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FeedStatusRow:
    """One feed as the status panel shows it. ``freshness`` is fresh | late | stale | never."""

    feed: str
    source: str
    title_en: str
    title_th: str
    cadence_s: int
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    age_s: float | None
    freshness: str
    last_error: str | None
    last_error_at: datetime | None
    records_total: int
    records_last: int
    rejected_last: int
    polling: bool = False
    failing: bool = False  # the latest poll failed (last_error is then the current problem, else history)
