"""The situation strip's counts, Qt-free: what is urgent right now, each count with the items behind it.

One :func:`load_situation` call on the database worker reads everything the strip shows from the store:
- open P1 incidents and open incidents past their SLA, counted with the incident queue's own filter (the same SQL
  the queue's "Open P1" and "Breaching SLA" presets run, so a chip's count and the list it opens agree);
- river gauges at or above bank-full and at or above the city-flooding level, on the console's one river scale
  (services.river_status);
- air-quality stations in Chiang Mai province whose PM2.5 24-hour mean (the value the overview shows, Air4Thai's
  latest series) is above 75 µg/m³, i.e. in the top band of the Thai AQI table (services.feeds.thai_aqi).

Failing feeds are not in the store alone (a poll that could not be stored is only in memory): :func:`feed_problems`
takes the feed status table's rows, so the chip counts exactly the rows the Feed status dock marks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.feeds.thai_aqi import BANDS, sub_index
from services.river_status import status_of, worst_first
from services.store.incident_rows import QueueFilter

if TYPE_CHECKING:
    from services.store.store import Store

PM25_LIMIT_UGM3 = 75.0  # 24-hour mean; above it the Thai AQI is in its top band ("affects health")
_TOP_BAND_AQI = BANDS[-1].aqi_min
PROVINCE = ("เชียงใหม่", "Chiang Mai")  # (Thai, English): the province this console serves

OPEN_P1 = QueueFilter(status=frozenset({"open"}), priorities=frozenset({"P1"}))
"""The queue's "Open P1" preset as a store filter."""


def breaching_filter(now: datetime | None = None) -> QueueFilter:
    """The queue's "Breaching SLA" preset as a store filter (open incidents past their SLA target at ``now``)."""
    return QueueFilter(status=frozenset({"open"}), breaching=True, now=now)


@dataclass(frozen=True, slots=True)
class Situation:
    """What the strip counts. The gauges and stations are codes (worst first), so a chip can select their rows."""

    open_p1: int
    sla_breached: int
    bank_full: tuple[str, ...]  # at or above bank-full, those flooding the city included
    flooding: tuple[str, ...]  # at or above the city-flooding level
    pm25_high: tuple[str, ...]  # PM2.5 24-h mean above PM25_LIMIT_UGM3, in the province
    at: datetime


def pm25_above_limit(pm25: float | None) -> bool:
    """True when a PM2.5 24-hour mean is above 75 µg/m³ as the Thai AQI table reads it (rounded to 0.1, half up)."""
    index = sub_index("pm25", pm25)
    return index is not None and index >= _TOP_BAND_AQI


def in_province(station: Any) -> bool:
    """An air-quality station of Chiang Mai province, by the province its area text names last ("…, Mueang, Chiang
    Mai" / "ต.… อ.…, จ.เชียงใหม่"; a station whose area names no province counts as the province's): the rule the
    air table's "home province first" list uses, so the chip counts the rows it selects there."""
    area_th = (getattr(station, "area_th", None) or "").strip()
    area_en = (getattr(station, "area_en", None) or "").strip()
    th = area_th.rsplit(",", 1)[-1].strip().removeprefix("จ.").strip() if area_th else ""
    en = area_en.rsplit(",", 1)[-1].strip() if area_en else ""
    if not th and not en:
        return True
    return th == PROVINCE[0] or en.casefold() == PROVINCE[1].casefold()


def count_gauges(rows: Iterable[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(codes at or above bank-full, codes at or above city flooding), worst first, on services.river_status."""
    ordered = worst_first(list(rows))
    bank_full = tuple(str(r.code) for r in ordered if status_of(r).above_bank_full)
    flooding = tuple(str(r.code) for r in ordered if status_of(r).flooding)
    return bank_full, flooding


def count_pm25(rows: Iterable[Any]) -> tuple[str, ...]:
    """Codes of the province's stations whose PM2.5 24-hour mean is above the limit, highest first."""
    high = [r for r in rows if in_province(r) and pm25_above_limit(getattr(r, "pm25", None))]
    return tuple(str(r.code) for r in sorted(high, key=lambda r: (-float(r.pm25), str(r.code))))


def load_situation(store: Store, now: datetime | None = None) -> Situation:
    """Database worker: the strip's counts as the store holds them now (one pass: two counts and two small reads)."""
    at = now or datetime.now(UTC)
    bank_full, flooding = count_gauges(store.latest_river())
    return Situation(
        open_p1=store.incident_queue_count(OPEN_P1),
        sla_breached=store.incident_queue_count(breaching_filter(at)),
        bank_full=bank_full,
        flooding=flooding,
        pm25_high=count_pm25(store.latest_air()),
        at=at,
    )


def feed_problems(rows: Iterable[Any]) -> tuple[str, ...]:
    """Feeds whose latest poll failed or whose data is stale, in the order given: rows with ``feed``, ``failing``
    and ``freshness`` (the feed status table's rows)."""
    return tuple(r.feed for r in rows if getattr(r, "failing", False) or getattr(r, "freshness", None) == "stale")
