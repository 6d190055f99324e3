"""Worker-side steps of the console's start-up and refreshes. Imported on a worker thread, never at start-up on the
UI thread: it pulls in pydantic, SQLAlchemy, requests and Flask, which the window does not need to appear."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.paths import DataPaths
from services.settings import Settings, load_settings
from services.simulator.server import SimulatorServer
from services.store.database import open_store
from services.store.feed_state import FeedState
from services.store.store import Store
from services.sync.feed_catalog import FeedSpec, build_catalog
from services.sync.sync_service import FeedHealth, SyncService
from widgets.table_rows import FeedStatusRow


@dataclass(frozen=True, slots=True)
class Startup:
    settings: Settings
    store: Store
    states: list[FeedState]


@dataclass(frozen=True, slots=True)
class OverviewSnapshot:
    air: list[Any]
    river: list[Any]
    counts: dict[str, int]


def load_startup(paths: DataPaths, mode: str | None, language: str | None) -> Startup:
    """Database worker: validated settings, the opened (migrated, checked) store and the stored feed states."""
    settings = load_settings(paths.settings_file)
    overrides = {k: v for k, v in (("mode", mode), ("language", language)) if v}
    if overrides:
        settings = settings.model_copy(update=overrides)
    store = open_store(paths.database)
    return Startup(settings, store, store.get_feed_states())


def start_simulator() -> SimulatorServer:
    """Network pool: the embedded simulator on a free loopback port."""
    return SimulatorServer().start()


def demo_settings(settings: Settings, base_url: str) -> Settings:
    """Point every feed at a simulator (embedded or standalone)."""
    base = base_url.rstrip("/")
    endpoints = settings.endpoints.model_copy(update={
        "air4thai": f"{base}/air4thai", "firms": f"{base}/firms",
        "thaiwater": f"{base}/thaiwater", "open311": f"{base}/open311/v2"})
    return settings.model_copy(update={"endpoints": endpoints})


def build_sync(settings: Settings, states: Iterable[FeedState], simulator: SimulatorServer | None,
               simulator_url: str | None) -> SyncService:
    """Network pool: the sync service for the configured (or simulated) endpoints, validators restored."""
    secrets: dict[str, str] = {}
    if settings.mode == "demo":
        settings = demo_settings(settings, simulator.url if simulator is not None else simulator_url or "")
        secrets["firms_map_key"] = simulator.map_key if simulator is not None else "DEMO_KEY"
    else:
        from services.credentials import FIRMS_MAP_KEY, CredentialStore

        key = CredentialStore().get(FIRMS_MAP_KEY)
        if key:
            secrets["firms_map_key"] = key
    sync = SyncService(build_catalog(settings), settings, secrets)
    sync.restore(list(states))
    return sync


def load_overview(store: Store) -> OverviewSnapshot:
    """Database worker: everything the overview shows, in one task."""
    air = store.latest_air()
    river = store.latest_river()
    counts = dict(store.counts())
    counts["hotspots_24h"] = store.hotspot_count_since(datetime.now(UTC) - timedelta(hours=24))
    counts["air_stations"] = len(air)
    counts["river_stations"] = len(river)
    return OverviewSnapshot(air, river, counts)


def feed_rows(specs: Iterable[FeedSpec], states: dict[str, FeedState], in_flight: set[str]) -> list[FeedStatusRow]:
    """Pure computation (any thread): the feed status table's rows, ages taken now."""
    now = datetime.now(UTC)
    rows = []
    for spec in specs:
        state = states.get(spec.name) or FeedState(feed=spec.name)
        health = FeedHealth(state, spec, now)
        rows.append(FeedStatusRow(
            feed=spec.name, source=spec.source, title_en=spec.title_en, title_th=spec.title_th,
            cadence_s=spec.cadence_s, last_attempt_at=state.last_attempt_at,
            last_success_at=state.last_success_at, age_s=health.age_s, freshness=health.freshness,
            last_error=state.last_error, last_error_at=state.last_error_at,
            records_total=state.records_total or 0, records_last=state.records_last or 0,
            rejected_last=state.rejected_last or 0, polling=spec.name in in_flight,
            failing=(state.consecutive_failures or 0) > 0))
    return rows
