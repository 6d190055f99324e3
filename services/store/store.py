"""The :class:`Store` facade: everything the console and the CLI do with the local database.

Not thread-safe, by design. The console calls it from its ONE database worker thread (the task runner's
single-worker executor) and nowhere else; the CLI calls it directly from its only thread. Everything handed out is a
plain frozen dataclass, safe to pass to the UI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

from services.alerts.model import STATES as ALERT_STATES
from services.alerts.model import AlertAction, AlertView, EvaluationResult, Silence
from services.backend_identity import BackendIdentity
from services.chart_series import (
    AirStationChart,
    ChartAnnotation,
    ChartStations,
    HotspotDays,
    IncidentLoad,
    RiverGaugeChart,
)
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
from services.store import (
    alert_outbox,
    alerts,
    binding,
    chart_queries,
    conflicts,
    duplicates,
    escalation,
    feed_state,
    incident_detail,
    incident_queue,
    ingest,
    link_edits,
    local_edits,
    map_queries,
    outbox,
    queries,
    refusals,
    request_updates,
    river_history,
)
from services.store.database import write_transaction
from services.store.feed_state import FeedState
from services.store.incident_rows import IncidentDetail, IncidentDraft, OutboxEntry, QueueFilter, QueueRow, QueueSort
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

    # --- the backend this store belongs to (see services.store.binding) --------------------------------------

    def bind_backend(self, identity: BackendIdentity) -> str:
        """Check or make the store's binding to ``identity`` ("same", "bound", "rebound"); raises
        :class:`services.errors.StoreBindingError` when the store holds another backend's incidents or edits."""
        return binding.bind(self.edit_engine, identity)

    def adopt_backend(self, identity: BackendIdentity) -> None:
        """A person says this unbound store (from before binding) belongs to ``identity``."""
        binding.adopt(self.edit_engine, identity)

    def backend(self) -> BackendIdentity | None:
        """The backend this store is bound to (None before the first console opened it)."""
        return binding.read_binding(self.edit_engine)

    def contents(self) -> binding.StoreContents:
        return binding.contents(self.edit_engine)

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

    def ingest_river_history(self, records: Sequence[RiverReading]) -> tuple[IngestSummary, list[RiverReading]]:
        """ThaiWater history (levels above sea level) with their local gauge level, filling what stored rows lack
        and never overwriting them; returns the readings of gauges not described yet (services.store.river_history).
        """
        return river_history.ingest_river_history(self.feed_engine, records)

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

    def escalate_breaches(self, now: datetime) -> list[int]:
        """Put an "escalated" event on every newly SLA-breached incident; returns their ids."""
        return escalation.escalate_breaches(self.edit_engine, now)

    def incident_id_for_server_id(self, server_id: str) -> int | None:
        """The local id of a backend's service request id (None when not in the store)."""
        return map_queries.incident_id_for_server_id(self.feed_engine, server_id)

    def service_definitions(self) -> list[ServiceDefinition]:
        """The Open311 service list (incident categories)."""
        return map_queries.service_definitions(self.feed_engine)

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

    def refused_edits(self) -> list[Any]:
        """Edits the server refused for good and nobody has acknowledged yet, incident and alert entries
        (services.store.refusals)."""
        return refusals.refused_edits(self.edit_engine)

    def acknowledge_refusal(self, outbox_id: int, actor: str, now: datetime | None = None,
                            source: str = "incident") -> None:
        """``actor`` has seen why the server refused this edit (an entry of the ``source`` outbox: "incident" or
        "alert"): it leaves the list (the timeline or the alert's history keeps it)."""
        refusals.acknowledge_refusal(self.edit_engine, outbox_id, actor, now, source)

    def outbox_states(self) -> dict[str, int]:
        """Outbox entries waiting (pending), in conflict, or refused (failed); sent ones are not counted. The
        alert entries (services.store.alert_outbox) count with the incidents'."""
        found = queries.outbox_states(self.edit_engine)
        for state, n in alert_outbox.states(self.edit_engine).items():
            found[state] = found.get(state, 0) + n
        return found

    def counts(self) -> dict[str, int]:
        """stations, air_readings, air_hourly, river_readings, hotspots, incidents_open, outbox_pending."""
        return queries.counts(self.feed_engine)

    def recount(self) -> None:
        """Drop the maintained row counts (after writing readings outside the ingest functions)."""
        with write_transaction(self.feed_engine) as conn:
            recount(conn)

    # --- charts (time-bucketed series on full grids; see services.store.chart_queries) ---------------------------

    def chart_stations(self) -> ChartStations:
        """What the chart station pickers list: air stations (Chiang Mai's first) and gauges (upstream first)."""
        return chart_queries.chart_stations(self.feed_engine)

    def air_charts(self, codes: Sequence[str], start: datetime, end: datetime, bucket_s: int
                   ) -> list[AirStationChart]:
        """PM2.5 of the air stations ``codes`` over [start, end): hourly values and 24-hour means per bucket."""
        return chart_queries.air_charts(self.feed_engine, codes, start, end, bucket_s)

    def river_charts(self, codes: Sequence[str] | None, start: datetime, end: datetime, bucket_s: int
                     ) -> list[RiverGaugeChart]:
        """Local gauge levels of ``codes`` (None: every gauge) over [start, end), upstream to downstream."""
        return chart_queries.river_charts(self.feed_engine, codes, start, end, bucket_s)

    def hotspot_days(self, start: datetime, end: datetime) -> HotspotDays:
        """Hotspots per Asia/Bangkok day and district over [start, end), split by confidence."""
        return chart_queries.hotspot_days(self.feed_engine, start, end)

    def incident_load(self, start: datetime, end: datetime, bucket_s: int) -> IncidentLoad:
        """Incidents opened and closed per bucket, the backlog at each bucket's end and the SLA breaches."""
        return chart_queries.incident_load(self.edit_engine, start, end, bucket_s)

    def chart_annotations(self, start: datetime, end: datetime, limit: int = 500) -> list[ChartAnnotation]:
        """Incident reports and workflow-state changes in [start, end): the newest ``limit``, oldest first."""
        return chart_queries.chart_annotations(self.edit_engine, start, end, limit)

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

    # --- incident queue (reads; see services.store.incident_queue) -------------------------------------------

    def incident_queue_ids(self, flt: QueueFilter, sort: QueueSort) -> np.ndarray:
        """Every matching incident id in queue order (int64 array), sorted and filtered in SQL."""
        return incident_queue.queue_ids(self.edit_engine, flt, sort)

    def incident_queue_first_page(self, flt: QueueFilter, sort: QueueSort, limit: int = 100) -> list[QueueRow]:
        """The first ``limit`` rows in queue order (the first paint, before the ID list arrives)."""
        return incident_queue.queue_first_page(self.edit_engine, flt, sort, limit)

    def incident_rows(self, ids: Sequence[int]) -> list[QueueRow]:
        """Rows for ``ids``, in the order given (missing ids left out)."""
        return incident_queue.rows_by_id(self.edit_engine, ids)

    def incident_queue_count(self, flt: QueueFilter) -> int:
        """How many incidents match ``flt``."""
        return incident_queue.queue_count(self.edit_engine, flt)

    def incident_detail(self, incident_id: int) -> IncidentDetail:
        """Everything about one incident, including what was merged into it."""
        return incident_detail.incident_detail(self.edit_engine, incident_id)

    def attachment_data(self, attachment_id: int) -> bytes:
        """The bytes of one attachment."""
        return incident_detail.attachment_data(self.edit_engine, attachment_id)

    def duplicate_candidates(self, category: str, lat: float, lon: float, at: datetime, *, radius_m: float = 300,
                             window_h: float = 48, exclude_id: int | None = None) -> list[QueueRow]:
        """Same-category incidents within ``radius_m`` and ``window_h`` of a new report, nearest first."""
        return duplicates.duplicate_candidates(self.edit_engine, category, lat, lon, at, radius_m=radius_m,
                                               window_h=window_h, exclude_id=exclude_id)

    # --- local incident edits (edit engine, one committed transaction each; see services.store.local_edits) ----

    def create_incident_local(self, draft: IncidentDraft, actor: str, now: datetime) -> int:
        """A new local incident with its "created" event and outbox "create"; returns its id."""
        return local_edits.create_incident_local(self.edit_engine, draft, actor, now)

    def apply_action_local(self, incident_id: int, changes: Any, actor: str, now: datetime, note: str | None = None,
                           *, action: str | None = None, children: str | None = None,
                           child_changes: dict[int, dict[str, Any]] | None = None) -> None:
        """Apply a workflow Transition or a column dict with its event and outbox "update" (a major incident's close:
        ``children`` is the choice for its open children, ``child_changes`` those that close with it)."""
        local_edits.apply_action_local(self.edit_engine, incident_id, changes, actor, now, note, action=action,
                                       children=children, child_changes=child_changes)

    def add_comment_local(self, incident_id: int, text: str, actor: str, now: datetime) -> None:
        """A comment on the timeline, queued for the backend."""
        local_edits.add_comment_local(self.edit_engine, incident_id, text, actor, now)

    def add_attachment_local(self, incident_id: int, kind: str, filename: str, data: bytes, actor: str,
                             now: datetime) -> int:
        """Store a photo / after-photo / file with its thumbnail, event and outbox entry; returns its id."""
        return local_edits.add_attachment_local(self.edit_engine, incident_id, kind, filename, data, actor, now)

    # --- links (merge, split, related, major incidents; see services.store.link_edits) ---------------------------

    def link_views(self, ids: Sequence[int]) -> dict[int, Any]:
        """The link rules' view (services.workflow.LinkView) of each incident in ``ids``."""
        return link_edits.link_views(self.edit_engine, ids)

    def merge_incidents_local(self, keep_id: int, other_ids: Sequence[int], actor: str, now: datetime,
                              note: str | None = None) -> None:
        """Merge ``other_ids`` into ``keep_id`` (they leave the queue, nothing of theirs is lost)."""
        link_edits.merge_incidents_local(self.edit_engine, keep_id, other_ids, actor, now, note)

    def split_incident_local(self, merged_id: int, actor: str, now: datetime, note: str | None = None) -> int:
        """Undo the merge of ``merged_id``; returns the id it had been merged into."""
        return link_edits.split_incident_local(self.edit_engine, merged_id, actor, now, note)

    def relate_local(self, target: int, other_ids: Sequence[int], actor: str, now: datetime, *,
                     unrelate: bool = False, note: str | None = None) -> None:
        """Relate ``other_ids`` to ``target`` as peers (or, ``unrelate``, stop relating them)."""
        link_edits.relate_local(self.edit_engine, target, other_ids, actor, now, unrelate=unrelate, note=note)

    def promote_local(self, target: int, child_ids: Sequence[int], actor: str, now: datetime,
                      note: str | None = None) -> None:
        """Make ``target`` a major incident, with ``child_ids`` attached at once."""
        link_edits.promote_local(self.edit_engine, target, child_ids, actor, now, note)

    def attach_local(self, parent: int, child_ids: Sequence[int], actor: str, now: datetime, *,
                     detach: bool = False, note: str | None = None) -> None:
        """Attach ``child_ids`` to the major incident ``parent`` (or, ``detach``, take them off it)."""
        link_edits.attach_local(self.edit_engine, parent, child_ids, actor, now, detach=detach, note=note)

    # --- outbox (the sender's side; see services.store.outbox) -----------------------------------------------

    def outbox_pending(self, limit: int = 100) -> list[OutboxEntry]:
        """Pending local changes in send order."""
        return outbox.outbox_pending(self.edit_engine, limit)

    def outbox_mark_sent(self, outbox_id: int, server_record: ServiceRequest | None,
                         now: datetime | None = None) -> None:
        """The backend accepted the entry; the incident takes the server's id, version and (if idle) fields."""
        outbox.outbox_mark_sent(self.edit_engine, outbox_id, server_record, now)

    def outbox_mark_failed(self, outbox_id: int, error: str, retry: bool, now: datetime | None = None,
                           server_record: ServiceRequest | None = None) -> None:
        """Sending failed: try again later (``retry``) or stop as refused, the incident following the server again
        (``server_record``: its current copy, when known)."""
        outbox.outbox_mark_failed(self.edit_engine, outbox_id, error, retry, now, server_record)

    def outbox_mark_conflict(self, outbox_id: int, server_record: ServiceRequest | None, reason: str,
                             now: datetime | None = None) -> None:
        """The backend refused the change; the entry is kept as 'conflict' and the timeline says why."""
        outbox.outbox_mark_conflict(self.edit_engine, outbox_id, server_record, reason, now)

    def outbox_rebase_links(self, outbox_id: int, server_records: Sequence[ServiceRequest], reason: str,
                            now: datetime | None = None) -> str:
        """A link op refused as stale (412) goes again on the server's current versions ("merged")."""
        return outbox.outbox_rebase_links(self.edit_engine, outbox_id, server_records, reason, now)

    # --- conflicts (stale writes and refused transitions; see services.store.conflicts) ------------------------

    def merge_or_conflict(self, outbox_id: int, server_record: ServiceRequest, reason: str, *,
                          role: str | None = None, now: datetime | None = None, policy: Any = None) -> str:
        """Merge a refused entry with the server's record ("merged": re-queued) or keep it ("conflict")."""
        return conflicts.merge_or_conflict(self.edit_engine, outbox_id, server_record, reason, role=role, now=now,
                                           policy=policy)

    def open_conflicts(self) -> list[conflicts.ConflictView]:
        """Every open conflict, oldest first, with base / mine / theirs per field."""
        return conflicts.open_conflicts(self.edit_engine)

    def resolve_keep_mine(self, outbox_id: int, server_version: int | None, actor: str,
                          now: datetime | None = None) -> None:
        """Send my change as it is on ``server_version`` (timeline: who decided)."""
        conflicts.resolve_keep_mine(self.edit_engine, outbox_id, server_version, actor, now)

    def resolve_keep_theirs(self, outbox_id: int, server_record: ServiceRequest | None, actor: str,
                            now: datetime | None = None) -> None:
        """Drop my change (kept in the timeline) and take the server's values."""
        conflicts.resolve_keep_theirs(self.edit_engine, outbox_id, server_record, actor, now)

    def resolve_edit(self, outbox_id: int, values: dict[str, Any], server_version: int | None, actor: str,
                     now: datetime | None = None) -> None:
        """Send a person's values for the conflicting fields with the rest of my change."""
        conflicts.resolve_edit(self.edit_engine, outbox_id, values, server_version, actor, now)

    # --- alerts (services.alerts.evaluate, services.store.alerts; checks in services.alerts.handling) ------------

    def evaluate_alerts(self, rules: Any, now: datetime) -> EvaluationResult:
        """Evaluate the alert rules (a services.alerts.rules.RuleSet) on the stored data at ``now``."""
        # Imported here: services.alerts.evaluate reads through this package, which imports this module first.
        from services.alerts.evaluate import evaluate

        return evaluate(self, rules, now)

    def alerts(self, states: Sequence[str] = ALERT_STATES, limit: int = 500, *,
               now: datetime | None = None) -> list[AlertView]:
        """Alerts in ``states``, newest occurrence first; ``silenced_until`` as of ``now`` (default: the clock)."""
        return alerts.alert_views(self.edit_engine, states, limit, now or datetime.now(UTC))

    def alert(self, alert_id: int, *, now: datetime | None = None) -> AlertView:
        """One alert (LookupError when unknown)."""
        return alerts.alert_view(self.edit_engine, alert_id, now or datetime.now(UTC))

    def alert_history(self, alert_id: int) -> list[AlertAction]:
        """Who did what to an alert and when, oldest first."""
        return alerts.alert_history(self.edit_engine, alert_id)

    def acknowledge_alert(self, alert_id: int, comment: str, actor: str, role: str, now: datetime) -> AlertView:
        """Acknowledge an open alert with a comment (WorkflowError: "role", "value", "state")."""
        return alerts.acknowledge(self.edit_engine, alert_id, comment, actor, role, now)

    def silence_rule(self, rule_id: str, scope_key: str | None, until: datetime, reason: str, actor: str, role: str,
                     now: datetime) -> Silence:
        """Silence a rule (one scope, or all with None) until ``until`` with a reason (WorkflowError: "role",
        "value")."""
        return alerts.silence_rule(self.edit_engine, rule_id, scope_key, until, reason, actor, role, now)

    def end_silence(self, silence_id: int, actor: str, role: str, now: datetime) -> None:
        """End a silence now (WorkflowError: "role", "state")."""
        alerts.end_silence(self.edit_engine, silence_id, actor, role, now)

    def active_silences(self, now: datetime) -> list[Silence]:
        """The silences in force at ``now``."""
        return alerts.active_silences(self.edit_engine, now)

    # --- alerts to and from the backend (services.store.alert_outbox) ------------------------------------------

    def alert_outbox_next(self) -> alert_outbox.AlertOutboxEntry | None:
        """The oldest pending alert entry for the bound backend."""
        return alert_outbox.next_entry(self.edit_engine)

    def alert_outbox_record(self, entry: alert_outbox.AlertOutboxEntry, kind: str, answer: Any,
                            error: str | None, now: datetime | None = None) -> str:
        """What the backend made of an alert entry."""
        return alert_outbox.record_outcome(self.edit_engine, entry, kind, answer, error, now)

    def ingest_alert_feed(self, records: Sequence[Any]) -> IngestSummary:
        """The backend's alerts and silences (services.sync.alert_feed) into the store."""
        return alert_outbox.apply_server_records(self.edit_engine, list(records))

    # --- maintenance -----------------------------------------------------------------------------------------

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check`` (the full one, slow on big files): "ok" or the problems, one per line."""
        with self.feed_engine.connect() as conn:
            return "\n".join(row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check"))
