"""What the console's situation overview shows, read from the store in one task (database worker; Qt-free).

The overview has three parts, named as feed specs name them (services.sync.feed_catalog ``FeedSpec.overview``):
``air`` (latest air quality per station), ``river`` (the river gauges) and ``counts`` (the totals line). A refresh
loads only the parts asked for; the totals count the stations, so they load both tables too, and they count the
hotspots of the last 24 h, so they bring the hotspot list (newest first, each with its district) as well.

Each table comes with its stations' last 24 hours, for the sparklines and the trend arrows: hourly PM2.5 per station
(hourly buckets, from the Air4Thai history feed) and the level of each gauge (30-minute buckets, ThaiWater reports
every 10 min), read with the charts' own bucketed queries (Store.air_charts / river_charts). The window ends with the
bucket that holds now, so the newest reading is in the last bucket.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from services.districts import nearest_district

if TYPE_CHECKING:
    from services.chart_series import AirStationChart, RiverGaugeChart
    from services.store.store import Store

OVERVIEW_PARTS = ("air", "river", "counts")
HOTSPOT_COUNT_WINDOW = timedelta(hours=24)
HOTSPOT_LIST_LIMIT = 500  # the hotspot table lists at most this many of the window's newest detections
SERIES_WINDOW = timedelta(hours=24)  # what a sparkline shows
AIR_SERIES_BUCKET_S = 3600  # Air4Thai's history is hourly
RIVER_SERIES_BUCKET_S = 1800  # three 10-minute readings a bucket: a missed reading is not a gap


@dataclass(frozen=True, slots=True)
class HotspotRow:
    """One FIRMS detection as the hotspot table lists it, with the district it lies in (the nearest centroid until
    district polygons are imported: services.districts)."""

    acquired_at: datetime  # UTC
    lat: float
    lon: float
    source: str
    satellite: str | None
    confidence: str | int | None  # VIIRS low|nominal|high, MODIS 0-100
    frp: float | None  # MW
    daynight: str | None
    district_code: str | None
    district_th: str | None
    district_en: str | None


@dataclass(frozen=True, slots=True)
class OverviewSnapshot:
    """The parts loaded (None: not asked for, the overview keeps what it shows)."""

    air: list[Any] | None = None
    river: list[Any] | None = None
    counts: dict[str, int] | None = None
    hotspots: list[HotspotRow] | None = None
    air_charts: list[AirStationChart] | None = None  # the air stations' last 24 h (with ``air``)
    river_charts: list[RiverGaugeChart] | None = None  # the gauges' last 24 h (with ``river``)


def load_overview(store: Store, parts: Iterable[str] = OVERVIEW_PARTS) -> OverviewSnapshot:
    """Database worker: the overview's ``parts`` as the store holds them now."""
    wanted = set(parts)
    with_counts = "counts" in wanted
    air = store.latest_air() if with_counts or "air" in wanted else None
    river = store.latest_river() if with_counts or "river" in wanted else None
    now = datetime.now(UTC)
    air_charts = None if air is None else store.air_charts(
        [r.code for r in air], *series_window(now, AIR_SERIES_BUCKET_S), AIR_SERIES_BUCKET_S)
    river_charts = None if river is None else store.river_charts(
        [r.code for r in river], *series_window(now, RIVER_SERIES_BUCKET_S), RIVER_SERIES_BUCKET_S)
    counts = hotspots = None
    if with_counts:
        assert air is not None and river is not None
        counts = dict(store.counts())
        counts["hotspots_24h"] = store.hotspot_count_since(now - HOTSPOT_COUNT_WINDOW)
        counts["air_stations"] = len(air)
        counts["river_stations"] = len(river)
        # A detection stamped a little ahead of this clock (the server's clock) still belongs to the last 24 h.
        found = store.hotspots_between(now - HOTSPOT_COUNT_WINDOW, now + timedelta(hours=1), HOTSPOT_LIST_LIMIT)
        hotspots = [hotspot_row(h) for h in found]
    return OverviewSnapshot(air, river, counts, hotspots, air_charts, river_charts)


def series_window(now: datetime, bucket_s: int) -> tuple[datetime, datetime]:
    """[start, end) of the sparklines' 24 hours: whole buckets, the last one holding ``now``."""
    end = (int(now.timestamp()) // bucket_s + 1) * bucket_s
    return (datetime.fromtimestamp(end - SERIES_WINDOW.total_seconds(), UTC), datetime.fromtimestamp(end, UTC))


def hotspot_row(hotspot: Any) -> HotspotRow:
    """A :class:`HotspotRow` of a stored detection (services.records.FireHotspot), with its district."""
    district = nearest_district(hotspot.lat, hotspot.lon)
    return HotspotRow(hotspot.acquired_at, hotspot.lat, hotspot.lon, hotspot.source, hotspot.satellite,
                      hotspot.confidence, hotspot.frp, hotspot.daynight, district.code, district.name_th,
                      district.name_en)
