"""Feeds that back-fill history for the charts: ThaiWater's per-gauge water-level history, and FIRMS asked by date.

Both fill a month on their first poll and then ask from their cursor, never further back than a bound however long
the console was away (a long outage stays a few requests). Both go through the real APIs' own forms: ThaiWater's
``waterlevel_graph`` takes one station a request, so a poll asks the first gauge and its ``expand`` step the others;
FIRMS' area API takes at most 5 days a request (``/{DAY_RANGE}/{DATE}``), so the first poll's ``expand`` step asks
the month in 5-day windows behind the usual "last days" request. A follow-up that fails leaves the cursor where it
was (services.sync.sync_service), so the next poll asks that window again; the store's upserts make asking twice
harmless (a detection is its source, place and acquisition time; a reading its gauge and time).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.errors import FeedError, FeedNotConfigured
from services.feeds import firms, thaiwater
from services.feeds.thai_time import BANGKOK
from services.records import ParseResult, Rejection, iso_utc
from services.settings import Settings
from services.sync.feed_spec import Expansion, FeedContext, FeedRequest, FeedSpec, FollowUpGet, Held


def history_start(cursor: str | None, now: datetime, first_days: int, max_days: int) -> date:
    """The Thai-local date a history request starts at: the cursor's date (ISO UTC; the newest stored time), never
    more than ``max_days`` back nor after today; ``first_days`` back without a usable cursor."""
    today = now.astimezone(BANGKOK).date()
    stamp = None
    if cursor:
        try:
            stamp = datetime.fromisoformat(cursor)
        except ValueError:
            stamp = None  # a cursor this build did not write: start afresh rather than stop polling
    if stamp is None or stamp.tzinfo is None:
        return today - timedelta(days=first_days)
    return min(max(stamp.astimezone(BANGKOK).date(), today - timedelta(days=max_days)), today)


def _newest_reading(records: Sequence[Any], cursor: str | None) -> str | None:
    """History cursor: the newest reading time (ISO UTC); nothing new leaves it where it was."""
    stamps = [r.observed_at for r in records]
    if not stamps:
        return cursor
    newest = iso_utc(max(stamps))
    return max(newest, cursor) if cursor and newest else newest


# --- ThaiWater water-level history -------------------------------------------------------------------------------

WATER_FIRST_DAYS = 30  # the first poll back-fills the charts' month (the API answers at most 31 days a request)
WATER_MAX_DAYS = 7  # from a cursor, at most a week back


def _water_window(ctx: FeedContext) -> tuple[date, date]:
    now = datetime.now(UTC)
    return history_start(ctx.cursor, now, WATER_FIRST_DAYS, WATER_MAX_DAYS), now.astimezone(BANGKOK).date()


def _gauge_request(ctx: FeedContext, station_id: str) -> FeedRequest:
    start, end = _water_window(ctx)
    return FeedRequest(thaiwater.waterlevel_graph_url(ctx.settings.endpoints.thaiwater),
                       thaiwater.waterlevel_graph_params(station_id, start, end))


def _other_gauges(ctx: FeedContext, records: Sequence[Any], get: FollowUpGet) -> Expansion:
    """The gauges after the first, one request each; one that fails is named and the others still land."""
    expansion = Expansion(list(records))
    for gauge in ctx.settings.thaiwater_history_gauges[1:]:
        try:
            parsed = thaiwater.parse_waterlevel_graph(get(_gauge_request(ctx, gauge.station_id)), gauge.code,
                                                      gauge.station_id)
        except FeedError as exc:
            expansion.failed.append(f"{gauge.code}: {exc}")
            continue
        expansion.records.extend(parsed.records)
        expansion.rejected.extend(Rejection(f"{gauge.code} {r.where}", r.reason) for r in parsed.rejected)
    return expansion


def hold_undescribed_gauges(held: Sequence[Any], cursor: str | None, _waited: str | None) -> Held:
    """Readings of gauges the latest water levels have not described yet wait for them (the thaiwater poll wakes
    this feed). The cursor goes back to the oldest waiting reading, or stays unset when that is further back than a
    cursor may reach, so the next poll is a first poll again and the month comes whole."""
    if not held:
        return Held(cursor)
    oldest = min(r.observed_at for r in held)
    if oldest < datetime.now(UTC) - timedelta(days=WATER_MAX_DAYS):
        return Held(None, len(held))
    stamp = iso_utc(oldest)
    return Held(min(stamp, cursor) if cursor and stamp else stamp, len(held))


def thaiwater_history_spec(settings: Settings) -> FeedSpec:
    """Water-level history of ``settings.thaiwater_history_gauges`` (ThaiWater ``waterlevel_graph``)."""
    first = settings.thaiwater_history_gauges[0]

    def parse(body: bytes) -> ParseResult[Any]:
        return thaiwater.parse_waterlevel_graph(body, first.code, first.station_id)

    return FeedSpec(
        name="thaiwater_history",
        source="ThaiWater (HII)",
        title_en="River levels, history",
        title_th="ระดับน้ำย้อนหลัง",
        cadence_s=settings.cadences.thaiwater_history,
        build_request=lambda ctx: _gauge_request(ctx, first.station_id),
        parse=parse,
        ingest="ingest_river_history",
        next_cursor=_newest_reading,
        expand=_other_gauges,
        waits_for="thaiwater",
        hold=hold_undescribed_gauges,
        # no map_layers: the map shows the latest levels, which the thaiwater feed brings; the river table's
        # sparklines and trend draw this history
        overview=("river",),
        charts=("river",),
    )


# --- FIRMS, with a back-fill by date -----------------------------------------------------------------------------

FIRMS_POLL_DAYS = 2  # the usual poll: yesterday and today (UTC), so late detections of yesterday still come
FIRMS_FIRST_DAYS = 30  # the first poll back-fills the charts' month
FIRMS_MAX_DAYS = 10  # after an outage, at most this far back
FIRMS_WINDOW_DAYS = 5  # the area API's largest DAY_RANGE


def firms_backfill_windows(cursor: str | None, today: date) -> list[tuple[date, int]]:
    """(first day, day count) of the back-fill requests a poll makes besides its usual one, oldest first: the UTC
    days from the cursor (the last day a poll asked, ``YYYY-MM-DD``) or ``FIRMS_FIRST_DAYS`` back, up to the day
    before the usual request's window, at most ``FIRMS_MAX_DAYS`` back from a cursor."""
    usual_first = today - timedelta(days=FIRMS_POLL_DAYS - 1)
    start = today - timedelta(days=FIRMS_FIRST_DAYS - 1)
    try:
        asked = date.fromisoformat(cursor) if cursor else None
    except ValueError:
        asked = None  # not a cursor this build wrote: back-fill as a first poll does
    if asked is not None:
        start = max(asked, today - timedelta(days=FIRMS_MAX_DAYS - 1))
    windows = []
    while start < usual_first:
        days = min(FIRMS_WINDOW_DAYS, (usual_first - start).days)
        windows.append((start, days))
        start += timedelta(days=days)
    return windows


def _firms_key(ctx: FeedContext) -> str:
    key = ctx.secrets.get("firms_map_key")
    if not key:
        raise FeedNotConfigured("no FIRMS MAP_KEY: store it in the OS keyring (service 'pao-console', "
                                "name 'firms-map-key')")
    return key


def _firms_backfill(source: str) -> Any:
    def expand(ctx: FeedContext, records: Sequence[Any], get: FollowUpGet) -> Expansion:
        expansion = Expansion(list(records))
        key = _firms_key(ctx)
        for first, days in firms_backfill_windows(ctx.cursor, datetime.now(UTC).date()):
            url = firms.area_url(ctx.settings.endpoints.firms, key, source, tuple(ctx.settings.firms_bbox), days, first)
            try:
                parsed = firms.parse_area_csv(get(FeedRequest(url)), source)
            except FeedError as exc:
                expansion.failed.append(f"{first}+{days}d: {exc}")
                continue
            expansion.records.extend(parsed.records)
            expansion.rejected.extend(Rejection(f"{first}+{days}d {r.where}", r.reason) for r in parsed.rejected)
        return expansion

    return expand


def _firms_asked_through(_records: Sequence[Any], _cursor: str | None) -> str:
    """FIRMS cursor: the last UTC day a successful poll asked (today): the next back-fill starts there."""
    return datetime.now(UTC).date().isoformat()


def firms_spec(source: str, settings: Settings) -> FeedSpec:
    """One FIRMS source: the last ``FIRMS_POLL_DAYS`` days every poll, and the days before them that the store has
    not asked for yet (the month on the first poll, the outage after one)."""

    def build(ctx: FeedContext) -> FeedRequest:
        return FeedRequest(firms.area_url(ctx.settings.endpoints.firms, _firms_key(ctx), source,
                                          tuple(ctx.settings.firms_bbox), FIRMS_POLL_DAYS))

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
        next_cursor=_firms_asked_through,
        expand=_firms_backfill(source),
        map_layers=("hotspots",),
        overview=("counts",),  # hotspots in the last 24 h
        charts=("hotspots",),
    )
