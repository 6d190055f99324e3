"""What a polled feed is (:class:`FeedSpec`) and what its steps take and give: the request, the context it is built
from, the follow-ups of an ``expand`` step and the records a ``hold`` step keeps back. The feeds themselves are in
services.sync.feed_catalog (and services.sync.history_feeds); the polling is services.sync.sync_service."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.records import ParseResult, Rejection
from services.settings import Settings

#: The chart parts a feed's data can refresh (FeedSpec.charts).
CHART_PARTS = ("air", "river", "hotspots", "incidents")


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """One GET: the URL and query, plus whether the server is known to send validators (ETag / Last-Modified)."""

    url: str
    params: dict[str, str] = field(default_factory=dict)
    # May carry a credential (a staff read's Authorization): never in a repr, so never in a log line or traceback.
    headers: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class FeedContext:
    """What a request needs that is not in the spec: endpoints, secrets and the feed's stored cursor.

    ``secrets`` may hold ``firms_map_key`` and :data:`OPEN311_READ_TOKEN` (a staff token the Open311 backend takes
    for reads: see services.sync.feed_catalog.open311_read_headers)."""

    settings: Settings
    secrets: dict[str, str] = field(repr=False)
    cursor: str | None = None


@dataclass(slots=True)
class Expansion:
    """What a feed's ``expand`` step made of the parsed records.

    ``records`` go to the store in place of the parsed ones (enriched by the follow-up requests); ``rejected`` adds
    to the feed's rejections; ``failed`` names the follow-up requests that failed (fetch or parse), for the feed's
    error. A failed follow-up never drops a record: the record goes on without what that request would have added.
    A poll with failed follow-ups keeps the feed's cursor where it was, so the next poll asks for what they missed
    (a back-fill window, say) again.
    """

    records: list[Any]
    rejected: list[Rejection] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Held:
    """What a feed's ``hold`` step made of the records its ingest could not place yet (see :class:`FeedSpec`).

    ``cursor`` is where the feed polls from next, so the records still waiting come again; ``waiting`` counts them;
    ``rejected`` are the ones given up on, with why (they go to the feed's rejections).
    """

    cursor: str | None
    waiting: int = 0
    rejected: list[Rejection] = field(default_factory=list)


#: ``get(request) -> body``: one more GET through the feed's own HTTP client, within the same poll's deadline.
#: It raises the feed errors (``FeedUnavailable``, ``FeedHTTPError``, …) as the feed's fetch does.
FollowUpGet = Callable[[FeedRequest], bytes]


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One polled feed. ``ingest`` names the Store method that takes the parsed records.

    ``expand`` (optional) runs after ``parse`` when the server sent a new payload (not on 304): it may make more
    requests with the ``FollowUpGet`` it is given and returns the records to ingest (see :class:`Expansion`).

    ``map_layers`` names the map layers its data changes (``incidents``, ``air``, ``hotspots``, ``river``; see
    services.map_refresh): a poll refreshes them, and their freshness badges reflect this feed. ``overview`` names
    the parts of the situation overview it changes (services.overview.OVERVIEW_PARTS). The console takes both from
    here, so a feed added in the settings (another FIRMS source, say) refreshes what it should without being listed
    anywhere else. ``incident_timelines`` says its data adds to incidents' timelines: a poll that placed records
    reloads the incident on show.

    ``absent_on_404`` (optional) is for a list that some servers do not have: when the server answers 404, the feed's
    status says these words and the feed is not asked again until the next start (no error every cadence).

    ``hold`` (optional) is for records that wait for another feed's data (an update whose incident has not come
    yet): the ingest then returns ``(summary, held records)``, and ``hold(held, cursor, waited_cursor)`` returns a
    :class:`Held` (where the cursor stays so they come again, and which are given up); ``waited_cursor`` is the
    cursor of the feed named ``waits_for``. A poll of that feed that stores something makes this one due again at
    once while it holds records back.

    ``reread_on_start`` (optional): the first poll after the service is built, and the first after its credentials
    change (:meth:`SyncService.set_secret`), asks without the stored cursor and validators, so what the backend
    shows this console that it did not show before (the reporters a staff token sees) reaches records polled
    earlier too.

    ``charts`` names the chart parts its new data refreshes (:data:`CHART_PARTS`: ``air``, ``river``, ``hotspots``,
    ``incidents``), as ``map_layers`` does for the map.
    """

    name: str
    source: str  # who publishes it, as operators know it
    title_en: str
    title_th: str
    cadence_s: int  # how often we poll; "fresh" means a success within about two cadences
    build_request: Callable[[FeedContext], FeedRequest]
    parse: Callable[[bytes], ParseResult[Any]]
    ingest: str
    next_cursor: Callable[[Sequence[Any], str | None], str | None] | None = None
    expand: Callable[[FeedContext, Sequence[Any], FollowUpGet], Expansion] | None = None
    map_layers: tuple[str, ...] = ()
    overview: tuple[str, ...] = ()
    incident_timelines: bool = False
    absent_on_404: str | None = None
    waits_for: str | None = None
    hold: Callable[[Sequence[Any], str | None, str | None], Held] | None = None
    reread_on_start: bool = False
    charts: tuple[str, ...] = ()
