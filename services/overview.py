"""What the console's situation overview shows, read from the store in one task (database worker; Qt-free).

The overview has three parts, named as feed specs name them (services.sync.feed_catalog ``FeedSpec.overview``):
``air`` (latest air quality per station), ``river`` (the river gauges) and ``counts`` (the totals line). A refresh
loads only the parts asked for; the totals count the stations, so they load both tables too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.store.store import Store

OVERVIEW_PARTS = ("air", "river", "counts")
HOTSPOT_COUNT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class OverviewSnapshot:
    """The parts loaded (None: not asked for, the overview keeps what it shows)."""

    air: list[Any] | None = None
    river: list[Any] | None = None
    counts: dict[str, int] | None = None


def load_overview(store: Store, parts: Iterable[str] = OVERVIEW_PARTS) -> OverviewSnapshot:
    """Database worker: the overview's ``parts`` as the store holds them now."""
    wanted = set(parts)
    with_counts = "counts" in wanted
    air = store.latest_air() if with_counts or "air" in wanted else None
    river = store.latest_river() if with_counts or "river" in wanted else None
    counts = None
    if with_counts:
        assert air is not None and river is not None
        counts = dict(store.counts())
        counts["hotspots_24h"] = store.hotspot_count_since(datetime.now(UTC) - HOTSPOT_COUNT_WINDOW)
        counts["air_stations"] = len(air)
        counts["river_stations"] = len(river)
    return OverviewSnapshot(air, river, counts)
