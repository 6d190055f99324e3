"""The feeds the console polls: how to ask each one, how to read the answer and where it lands in the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from typing import Any

from services.errors import FeedError
from services.feeds import air4thai, open311, thaiwater
from services.feeds.thai_time import BANGKOK
from services.records import Rejection, ServiceDefinition, ServiceRequestUpdate, iso_utc
from services.settings import Settings
from services.sync.feed_spec import (  # re-exported: the feeds' vocabulary is imported from here
    CHART_PARTS,
    Expansion,
    FeedContext,
    FeedRequest,
    FeedSpec,
    FollowUpGet,
    Held,
)
from services.sync.alert_feed import alerts_spec
from services.sync.history_feeds import firms_spec, history_start, thaiwater_history_spec
from services.sync.staff_token import OPEN311_READ_TOKEN

__all__ = ["CHART_PARTS", "Expansion", "FeedContext", "FeedRequest", "FeedSpec", "FollowUpGet", "Held",
           "build_catalog", "history_window", "hold_orphan_updates", "open311_read_headers"]


def open311_read_headers(ctx: FeedContext) -> dict[str, str]:
    """The headers of an Open311 read: a staff console reads with its staff token, as the workflow extension's
    writes do (``Authorization: Bearer``), so the backend includes what only staff may see (the reporter's name and
    contact). A header, never a query argument: URLs are logged, headers are not. No token, no header: the backend
    then answers as to anyone (GeoReport v2), without the reporters."""
    token = ctx.secrets.get(OPEN311_READ_TOKEN)
    return {"Authorization": f"Bearer {token}"} if token else {}


def _latest_updated(records: Sequence[Any], cursor: str | None) -> str | None:
    """Open311 incremental cursor: the newest ``updated_at`` seen (ISO UTC); unchanged when nothing came."""
    stamps = [r.updated_at for r in records if getattr(r, "updated_at", None) is not None]
    if not stamps:
        return cursor
    newest = max(stamps).strftime("%Y-%m-%dT%H:%M:%SZ")
    return max(newest, cursor) if cursor else newest


#: Every pollutant the history feed asks for (the endpoint returns only the parameters named).
HISTORY_PARAMS = ("PM25", "PM10", "O3", "CO", "NO2", "SO2")
HISTORY_FIRST_DAYS = 30  # no cursor yet (first poll): Thai-local days back, a month for the charts
HISTORY_MAX_DAYS = 7  # from a cursor never further back than this, however old (a long outage stays bounded)

_HOURLY_VALUES = attrgetter("pm25", "pm10", "o3", "co", "no2", "so2")


def history_window(cursor: str | None, now: datetime) -> tuple[date, date]:
    """Thai-local (sdate, edate) of the next history request.

    From the cursor's date (the newest stored hour, ISO UTC), never more than ``HISTORY_MAX_DAYS`` back nor after
    today; ``HISTORY_FIRST_DAYS`` back without a usable cursor (the first poll back-fills the charts' month); to
    today. Starting at the cursor's *date* re-asks the rest of that day, which is what back-fills the hours a station
    published late.
    """
    return history_start(cursor, now, HISTORY_FIRST_DAYS, HISTORY_MAX_DAYS), now.astimezone(BANGKOK).date()


def _newest_hour(records: Sequence[Any], cursor: str | None) -> str | None:
    """History cursor: the newest hour (ISO UTC) that carried a value; empty hours do not move it."""
    stamps = [r.observed_at for r in records if any(v is not None for v in _HOURLY_VALUES(r))]
    if not stamps:
        return cursor
    newest = iso_utc(max(stamps))
    return max(newest, cursor) if cursor and newest else newest


def _air4thai_history_request(ctx: FeedContext) -> FeedRequest:
    sdate, edate = history_window(ctx.cursor, datetime.now(UTC))
    stations = ctx.settings.air4thai_history_stations
    return FeedRequest(air4thai.history_url(ctx.settings.endpoints.air4thai, stations, HISTORY_PARAMS, sdate, edate))


def _air4thai_history_spec(settings: Settings) -> FeedSpec:
    return FeedSpec(
        name="air4thai_history",
        source="Air4Thai (PCD)",
        title_en="Air quality, hourly",
        title_th="คุณภาพอากาศรายชั่วโมง",
        cadence_s=settings.cadences.air4thai_history,
        build_request=_air4thai_history_request,
        parse=air4thai.parse_history,  # readings come out with averaging="1h": the store files them in air_hourly
        ingest="ingest_air",
        next_cursor=_newest_hour,
        # no map_layers: the map shows the rolling means; the overview's sparklines draw these hourly values
        overview=("air",),
        charts=("air",),
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
            map_layers=("air",),
            overview=("air", "counts"),
            charts=("air",),
        ),
        *([_air4thai_history_spec(settings)] if settings.air4thai_history_stations else []),
        FeedSpec(
            name="thaiwater",
            source="ThaiWater (HII)",
            title_en="River levels",
            title_th="ระดับน้ำในแม่น้ำ",
            cadence_s=settings.cadences.thaiwater,
            build_request=lambda ctx: FeedRequest(thaiwater.waterlevel_url(ctx.settings.endpoints.thaiwater)),
            parse=thaiwater.parse_waterlevel,
            ingest="ingest_river",
            map_layers=("river",),
            overview=("river", "counts"),
            charts=("river",),
        ),
        *([thaiwater_history_spec(settings)] if settings.thaiwater_history_gauges else []),
    ]
    if settings.endpoints.firms:
        specs += [firms_spec(source, settings) for source in settings.firms_sources]
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
                expand=_open311_definitions,
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
                map_layers=("incidents",),
                overview=("counts",),  # open incidents
                reread_on_start=True,  # read with a staff token: records polled without one get their reporters
                charts=("incidents",),
            ),
            FeedSpec(
                name="open311_updates",
                source="Open311",
                title_en="Changes made elsewhere",
                title_th="ความเคลื่อนไหวจากระบบอื่น",
                cadence_s=settings.cadences.open311_updates,
                build_request=_open311_updates_request,
                parse=open311.parse_request_updates,
                ingest="ingest_request_updates",
                next_cursor=_latest_updated,
                # no map_layers or overview: an update changes a timeline; the incident's fields (its place on the
                # map, its state in the queue and the counts) come with the incidents poll
                incident_timelines=True,
                absent_on_404=UPDATES_ABSENT,
                waits_for="open311_requests",
                hold=hold_orphan_updates,
                charts=("incidents",),  # state changes made elsewhere: the load and the annotations
            ),
            alerts_spec(settings),  # the alerts extension: alerts and acknowledgements made on other consoles
        ]
    return specs


def _open311_definitions(ctx: FeedContext, services: Sequence[ServiceDefinition], get: FollowUpGet) -> Expansion:
    """Each service's definition (``GET /services/{code}.json``) for the services that have one (``metadata``).

    A definition that fails to fetch or parse leaves that service's ``attributes`` None, so the store keeps the one
    it has (the intake form goes on working from the cache) and the failure is named in the feed's error."""
    base = ctx.settings.endpoints.open311
    expansion = Expansion([])
    for service in services:
        if not service.metadata:  # GeoReport v2: no definition to ask for; nothing to answer at intake
            expansion.records.append(replace(service, attributes=()))
            continue
        code = service.service_code
        try:
            parsed = open311.parse_service_definition(get(FeedRequest(open311.service_definition_url(base, code))),
                                                      code)
        except FeedError as exc:
            expansion.failed.append(f"{code}: {exc}")
            expansion.records.append(service)
            continue
        expansion.rejected.extend([Rejection(f"services/{code}.json {r.where}", r.reason) for r in parsed.rejected])
        expansion.records.append(replace(service, attributes=tuple(parsed.records)))
    return expansion


def _open311_requests_request(ctx: FeedContext) -> FeedRequest:
    params = {"status": "open,closed", "page_size": "1000"}
    if ctx.cursor:
        # Extension understood by our backend; a plain GeoReport v2 server ignores it and sends its default window.
        # "After" excludes the cursor's own second, and timestamps have whole seconds: a change made later in that
        # second (a create, then its acknowledge) would be missed. Ask from a second before; ingest is idempotent.
        params["updated_after"] = _second_before(ctx.cursor)
    return FeedRequest(open311.requests_url(ctx.settings.endpoints.open311), params, open311_read_headers(ctx))


def _second_before(cursor: str) -> str:
    """``2026-12-04T10:00:05Z`` → ``2026-12-04T10:00:04Z`` (a cursor that is not such a time is sent as it is)."""
    try:
        at = datetime.strptime(cursor, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return cursor
    return (at - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


#: The updates list's first poll looks this far back (GeoReport v2's own default window for requests).
UPDATES_FIRST_DAYS = 90
UPDATES_ABSENT = ("this backend has no list of service request updates (servicerequestupdates.json answered 404): "
                  "changes made elsewhere reach the incidents with the Incidents poll, without their timeline "
                  "entries; not asked again until the console starts again")


def _open311_updates_request(ctx: FeedContext) -> FeedRequest:
    """``GET /servicerequestupdates.json`` from the cursor (inclusive: updates of the cursor's second that came after
    the last poll are not missed; the ones already stored are skipped by id)."""
    start = ctx.cursor or iso_utc(datetime.now(UTC) - timedelta(days=UPDATES_FIRST_DAYS))
    return FeedRequest(open311.request_updates_url(ctx.settings.endpoints.open311),
                       {"start_date": start or "", "page_size": "1000"}, open311_read_headers(ctx))


def hold_orphan_updates(orphans: Sequence[ServiceRequestUpdate], cursor: str | None,
                        requests_cursor: str | None) -> Held:
    """Updates whose incident is not in the store yet wait for the incidents poll.

    The cursor stays at the oldest of them, so each poll asks for them again until their incident has come. One the
    incidents poll has already passed (its cursor is later than the update: a change bumps the request's
    ``updated_datetime``, so the request would have come) is given up with a rejection, as is one without a time:
    neither holds the feed back for ever.
    """
    waiting: list[str] = []
    rejected: list[Rejection] = []
    for update in orphans:
        stamp = iso_utc(update.updated_at)
        where = f"update {update.update_id}"
        if stamp is None:
            rejected.append(Rejection(where, "no updated_datetime: it cannot be placed on a timeline"))
        elif requests_cursor is not None and requests_cursor > stamp:
            rejected.append(Rejection(where, f"service request {update.service_request_id} did not come with the "
                                             "incidents poll; the update is not kept"))
        else:
            waiting.append(stamp)
    if waiting:
        oldest = min(waiting)
        cursor = min(oldest, cursor) if cursor else oldest
    return Held(cursor, len(waiting), rejected)
