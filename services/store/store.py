"""The :class:`Store` facade: everything the console and the CLI do with the local database.

Not thread-safe, by design. The console calls it from its ONE database worker thread (the task runner's
single-worker executor) and nowhere else; the CLI calls it directly from its only thread. Everything handed out is a
plain frozen dataclass, safe to pass to the UI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from services.records import (
    AirReading,
    BoundaryFeature,
    FireHotspot,
    Rejection,
    RiverReading,
    ServiceDefinition,
    ServiceRequest,
    ServiceRequestUpdate,
)
from services.store import feed_state, ingest, map_queries, queries, request_updates
from services.store.database import write_transaction
from services.store.feed_state import FeedState
from services.store.row_counts import recount
from services.store.rows import AirLatest, IncidentRow, IngestSummary, MapHotspot, RiverLatest, StoredRejection


class Store:
    """The local SQLite store. Open it with :func:`services.store.open_store`; close it when done.

    Feed data and feed state go through the feed engine (``synchronous=NORMAL``); incidents, services and their
    edits through the edit engine (``synchronous=FULL``).
    """

    def __init__(self, path: Path, *, feed_engine: Engine, edit_engine: Engine) -> None:
        self.path = path
        self.feed_engine = feed_engine
        self.edit_engine = edit_engine

    def close(self) -> None:
        """Release both engines (checkpoints the WAL when this was the last connection)."""
        self.feed_engine.dispose()
        self.edit_engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- ingest ----------------------------------------------------------------------------------------------

    def ingest_air(self, records: Sequence[AirReading]) -> IngestSummary:
        """Upsert air readings and their stations: "24h" means to ``air_readings``, "1h" values to ``air_hourly``."""
        return ingest.ingest_air(self.feed_engine, records)

    def ingest_river(self, records: Sequence[RiverReading]) -> IngestSummary:
        """Upsert river levels and their stations."""
        return ingest.ingest_river(self.feed_engine, records)

    def ingest_hotspots(self, records: Sequence[FireHotspot]) -> IngestSummary:
        """Upsert fire hotspots."""
        return ingest.ingest_hotspots(self.feed_engine, records)

    def ingest_boundaries(self, layer: str, records: Sequence[BoundaryFeature]) -> IngestSummary:
        """Upsert the features of one boundary layer."""
        return ingest.ingest_boundaries(self.feed_engine, layer, records)

    def ingest_service_requests(self, records: Sequence[ServiceRequest]) -> IngestSummary:
        """Upsert server incidents; incidents with unsent local edits are deferred, not overwritten."""
        return ingest.ingest_service_requests(self.edit_engine, records)

    def ingest_services(self, records: Sequence[ServiceDefinition]) -> IngestSummary:
        """Upsert the Open311 service list."""
        return ingest.ingest_services(self.edit_engine, records)

    def ingest_request_updates(self, records: Sequence[ServiceRequestUpdate]
                               ) -> tuple[IngestSummary, list[ServiceRequestUpdate]]:
        """Open311 service-request updates into incident timelines; returns the ones whose incident is unknown."""
        return request_updates.ingest_request_updates(self.edit_engine, records)

    # --- map layers ------------------------------------------------------------------------------------------

    def incidents_for_map(self, *, limit: int = 1_000_000) -> list[IncidentRow]:
        """Every located incident, newest first."""
        return map_queries.incidents_for_map(self.feed_engine, limit=limit)

    def hotspots_for_map(self, since: datetime, *, limit: int = 200_000) -> list[MapHotspot]:
        """Hotspots acquired since ``since`` with stable ids."""
        return map_queries.hotspots_for_map(self.feed_engine, since, limit=limit)

    def boundary_features(self, layer: str) -> list[BoundaryFeature]:
        """An imported boundary layer's features."""
        return map_queries.boundary_features(self.feed_engine, layer)

    # --- queries ---------------------------------------------------------------------------------------------

    def latest_air(self) -> list[AirLatest]:
        """Newest reading per air station."""
        return queries.latest_air(self.feed_engine)

    def latest_river(self) -> list[RiverLatest]:
        """Newest level per river station, with the previous level and thresholds."""
        return queries.latest_river(self.feed_engine)

    def air_series(
        self, station_code: str, metric: str, start: datetime, end: datetime, bucket_s: int, *, hourly: bool = False
    ) -> list[tuple[datetime, float]]:
        """Bucketed averages of one air metric at one station over [start, end).

        By default from the latest endpoint's rolling means; ``hourly=True`` from the hourly history values.
        """
        return queries.air_series(self.feed_engine, station_code, metric, start, end, bucket_s, hourly=hourly)

    def river_series(
        self, station_code: str, metric: str, start: datetime, end: datetime, bucket_s: int
    ) -> list[tuple[datetime, float]]:
        """Bucketed averages of one river metric at one station over [start, end)."""
        return queries.river_series(self.feed_engine, station_code, metric, start, end, bucket_s)

    def hotspots_between(self, start: datetime, end: datetime, limit: int) -> list[FireHotspot]:
        """Hotspots acquired in [start, end), newest first."""
        return queries.hotspots_between(self.feed_engine, start, end, limit)

    def hotspot_count_since(self, since: datetime) -> int:
        """Number of hotspots acquired at or after ``since``."""
        return queries.hotspot_count_since(self.feed_engine, since)

    def incidents_page(
        self, *, after: tuple[datetime, int] | None = None, limit: int = 100, status: str | None = None
    ) -> list[IncidentRow]:
        """One keyset page of incidents, newest update first."""
        return queries.incidents_page(self.edit_engine, after=after, limit=limit, status=status)

    def counts(self) -> dict[str, int]:
        """stations, air_readings, air_hourly, river_readings, hotspots, incidents_open, outbox_pending."""
        return queries.counts(self.feed_engine)

    def recount(self) -> None:
        """Drop the maintained row counts (after writing readings outside the ingest functions)."""
        with write_transaction(self.feed_engine) as conn:
            recount(conn)

    # --- feed state ------------------------------------------------------------------------------------------

    def get_feed_states(self) -> list[FeedState]:
        """The state of every feed recorded so far."""
        return feed_state.get_feed_states(self.feed_engine)

    def get_feed_state(self, feed: str) -> FeedState:
        """The state of one feed (empty when never recorded)."""
        return feed_state.get_feed_state(self.feed_engine, feed)

    def record_attempt(self, feed: str, at: datetime) -> None:
        """A fetch started."""
        feed_state.record_attempt(self.feed_engine, feed, at)

    def record_success(
        self,
        feed: str,
        at: datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        cursor: str | None = None,
        accepted: int | IngestSummary,
        rejected: Sequence[Rejection],
    ) -> None:
        """A fetch succeeded (see :mod:`services.store.feed_state` for the exact semantics)."""
        feed_state.record_success(
            self.feed_engine, feed, at, etag=etag, last_modified=last_modified, cursor=cursor,
            accepted=accepted, rejected=rejected,
        )

    def record_not_modified(self, feed: str, at: datetime) -> None:
        """The server said 304 Not Modified."""
        feed_state.record_not_modified(self.feed_engine, feed, at)

    def record_failure(self, feed: str, at: datetime, error: str) -> None:
        """A fetch failed; the last good data and the last success stay."""
        feed_state.record_failure(self.feed_engine, feed, at, error)

    def recent_rejections(self, feed: str, limit: int = feed_state.REJECTIONS_KEPT) -> list[StoredRejection]:
        """The newest kept rejections of a feed."""
        return feed_state.recent_rejections(self.feed_engine, feed, limit)

    # --- maintenance -----------------------------------------------------------------------------------------

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check`` (the full one, slow on big files): "ok" or the problems, one per line."""
        with self.feed_engine.connect() as conn:
            return "\n".join(row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check"))
