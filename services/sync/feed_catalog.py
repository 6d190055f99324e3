"""The feeds the console polls: how to ask each one, how to read the answer and where it lands in the store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.errors import FeedNotConfigured
from services.feeds import air4thai, firms, open311, thaiwater
from services.records import ParseResult
from services.settings import Settings


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """One GET: the URL and query, plus whether the server is known to send validators (ETag / Last-Modified)."""

    url: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FeedContext:
    """What a request needs that is not in the spec: endpoints, secrets and the feed's stored cursor."""

    settings: Settings
    secrets: dict[str, str]
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One polled feed. ``ingest`` names the Store method that takes the parsed records."""

    name: str
    source: str  # who publishes it, as operators know it
    title_en: str
    title_th: str
    cadence_s: int  # how often we poll; "fresh" means a success within about two cadences
    build_request: Callable[[FeedContext], FeedRequest]
    parse: Callable[[bytes], ParseResult[Any]]
    ingest: str
    next_cursor: Callable[[Sequence[Any], str | None], str | None] | None = None


def _latest_updated(records: Sequence[Any], cursor: str | None) -> str | None:
    """Open311 incremental cursor: the newest ``updated_at`` seen (ISO UTC); unchanged when nothing came."""
    stamps = [r.updated_at for r in records if getattr(r, "updated_at", None) is not None]
    if not stamps:
        return cursor
    newest = max(stamps).strftime("%Y-%m-%dT%H:%M:%SZ")
    return max(newest, cursor) if cursor else newest


def _firms_spec(source: str, settings: Settings) -> FeedSpec:
    def build(ctx: FeedContext) -> FeedRequest:
        key = ctx.secrets.get("firms_map_key")
        if not key:
            raise FeedNotConfigured("no FIRMS MAP_KEY: store it in the OS keyring (service 'pao-console', "
                                    "name 'firms-map-key')")
        return FeedRequest(firms.area_url(ctx.settings.endpoints.firms, key, source, tuple(ctx.settings.firms_bbox), 2))

    label = {"VIIRS_SNPP_NRT": "VIIRS S-NPP", "VIIRS_NOAA20_NRT": "VIIRS NOAA-20",
             "VIIRS_NOAA21_NRT": "VIIRS NOAA-21", "MODIS_NRT": "MODIS"}.get(source, source)
    return FeedSpec(
        name=f"firms_{source.lower()}",
        source="NASA FIRMS",
        title_en=f"Fire hotspots ({label})",
        title_th=f"จุดความร้อน ({label})",
        cadence_s=settings.cadences.firms,
        build_request=build,
        parse=lambda body, _s=source: firms.parse_area_csv(body, _s),
        ingest="ingest_hotspots",
    )


def build_catalog(settings: Settings) -> list[FeedSpec]:
    """Every feed the settings enable, in the order the status table shows them."""
    specs = [
        FeedSpec(
            name="air4thai",
            source="Air4Thai (PCD)",
            title_en="Air quality",
            title_th="คุณภาพอากาศ",
            cadence_s=settings.cadences.air4thai,
            build_request=lambda ctx: FeedRequest(air4thai.latest_url(ctx.settings.endpoints.air4thai)),
            parse=air4thai.parse_latest,
            ingest="ingest_air",
        ),
        FeedSpec(
            name="thaiwater",
            source="ThaiWater (HII)",
            title_en="River levels",
            title_th="ระดับน้ำในแม่น้ำ",
            cadence_s=settings.cadences.thaiwater,
            build_request=lambda ctx: FeedRequest(thaiwater.waterlevel_url(ctx.settings.endpoints.thaiwater)),
            parse=thaiwater.parse_waterlevel,
            ingest="ingest_river",
        ),
    ]
    if settings.endpoints.firms:
        specs += [_firms_spec(source, settings) for source in settings.firms_sources]
    if settings.endpoints.open311:
        specs += [
            FeedSpec(
                name="open311_services",
                source="Open311",
                title_en="Incident categories",
                title_th="ประเภทเรื่องร้องเรียน",
                cadence_s=settings.cadences.open311_services,
                build_request=lambda ctx: FeedRequest(open311.services_url(ctx.settings.endpoints.open311)),
                parse=open311.parse_services,
                ingest="ingest_services",
            ),
            FeedSpec(
                name="open311_requests",
                source="Open311",
                title_en="Incidents",
                title_th="เหตุการณ์/เรื่องร้องเรียน",
                cadence_s=settings.cadences.open311_requests,
                build_request=_open311_requests_request,
                parse=open311.parse_requests,
                ingest="ingest_service_requests",
                next_cursor=_latest_updated,
            ),
        ]
    return specs


def _open311_requests_request(ctx: FeedContext) -> FeedRequest:
    params = {"status": "open,closed", "page_size": "1000"}
    if ctx.cursor:
        # Extension understood by our backend; a plain GeoReport v2 server ignores it and sends its default window.
        params["updated_after"] = ctx.cursor
    return FeedRequest(open311.requests_url(ctx.settings.endpoints.open311), params)
