"""Worker-side steps of the console's start-up and refreshes. Imported on a worker thread, never at start-up on the
UI thread: it pulls in pydantic, SQLAlchemy, requests and Flask, which the window does not need to appear."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from services.backend_identity import EMBEDDED_SIMULATOR_SEED, BackendIdentity, backend_identity
from services.paths import DataPaths
from services.settings import Settings, load_settings
from services.simulator.server import SimulatorServer
from services.store.database import open_store
from services.store.layout import move_legacy_store, set_aside
from services.store.unsent_export import export_unsent
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
    backend: BackendIdentity


def startup_settings(paths: DataPaths, mode: str | None, language: str | None) -> Settings:
    """The validated settings with the command line's overrides."""
    settings = load_settings(paths.settings_file)
    overrides = {k: v for k, v in (("mode", mode), ("language", language)) if v}
    return settings.model_copy(update=overrides) if overrides else settings


def identity_of(settings: Settings, simulator_url: str | None) -> BackendIdentity:
    return backend_identity(settings.mode, settings.endpoints.open311, simulator_url)


@dataclass(frozen=True, slots=True)
class OverviewSnapshot:
    air: list[Any]
    river: list[Any]
    counts: dict[str, int]


def load_startup(paths: DataPaths, mode: str | None, language: str | None,
                 simulator_url: str | None = None) -> Startup:
    """Database worker: validated settings, the opened (migrated, checked) store, bound to the backend these options
    talk to (raises StoreBindingError for a store of another backend's), and the stored feed states."""
    settings = startup_settings(paths, mode, language)
    identity = identity_of(settings, simulator_url)
    paths = paths.with_mode(settings.mode)
    move_legacy_store(paths)
    store = open_store(paths.database)
    try:
        store.bind_backend(identity)
        states = store.get_feed_states()
    except BaseException:
        store.close()
        raise
    return Startup(settings, store, states, identity)


def export_unsent_edits(paths: DataPaths, target: Path) -> int:
    """Database worker: write the unsent edits of the mode's store (even one bound elsewhere) to ``target``."""
    store = open_store(paths.database)
    try:
        return export_unsent(store.edit_engine, target)
    finally:
        store.close()


def set_store_aside(paths: DataPaths) -> Path:
    """Database worker: rename the mode's store (no connection is open: start-up closed it) so a new one starts."""
    return set_aside(paths.database)


def adopt_store(paths: DataPaths, identity: BackendIdentity) -> None:
    """Database worker: a person says the unbound store belongs to ``identity``."""
    store = open_store(paths.database)
    try:
        store.adopt_backend(identity)
    finally:
        store.close()


def start_simulator() -> SimulatorServer:
    """Network pool: the embedded simulator on a free loopback port, with the seed its stores are bound to."""
    return SimulatorServer(seed=EMBEDDED_SIMULATOR_SEED).start()


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


MAP_HOTSPOT_WINDOW = timedelta(days=5)


def load_map_layers(store: Store, layers: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Database worker: the named map layers as GeoJSON features (the map controller diffs them against what it
    sent). Only what is asked is queried: an air-quality poll does not reload every incident."""
    from services import map_layers

    now = datetime.now(UTC)
    builders = {
        "incidents": lambda: map_layers.incident_features(store.incidents_for_map(), now),
        "air": lambda: map_layers.air_features(store.latest_air()),
        "hotspots": lambda: map_layers.hotspot_features(store.hotspots_for_map(now - MAP_HOTSPOT_WINDOW), now),
        "river": lambda: map_layers.river_features(store.latest_river()),
        "districts": lambda: map_layers.district_features(store.boundary_features("districts")),
    }
    return {name: builders[name]() for name in builders if name in set(layers)}


@dataclass(frozen=True, slots=True)
class MapRefresh:
    """New layer contents (id → feature) and what to send: a whole layer the first time, diffs afterwards."""

    layers: dict[str, dict[str, dict[str, Any]]]
    sets: dict[str, list[dict[str, Any]]]
    diffs: dict[str, Any]  # layer -> services.map_layers.LayerDiff (non-empty only)


def refresh_map(store: Store, sent: dict[str, dict[str, dict[str, Any]]], layers: Iterable[str]) -> MapRefresh:
    """Database worker: load ``layers`` and diff each against what the page already has (``sent`` is never mutated:
    the UI thread replaces it whole, so reading it here is safe)."""
    from services.map_layers import diff_layer

    loaded, sets, diffs = {}, {}, {}
    for name, features in load_map_layers(store, layers).items():
        loaded[name] = {f["id"]: f for f in features}
        previous = sent.get(name)
        if previous is None:
            sets[name] = features
        else:
            diff = diff_layer(previous, features)
            if not diff.empty:
                diffs[name] = diff
    return MapRefresh(loaded, sets, diffs)


def open_tile_service(paths: DataPaths, settings: Settings, simulator: SimulatorServer | None,
                      simulator_url: str | None) -> tuple[Any, str]:
    """Network pool: the basemap tile service (cache file in the data directory) and the attribution to show."""
    from services.tile_cache import TileCache, TileFetcher, TileService, TileSource, simulator_source

    if settings.mode == "demo":
        source = simulator_source(simulator.url if simulator is not None else simulator_url or "")
    else:
        source = TileSource(settings.tile_url, settings.tile_attribution)
    cache = TileCache(paths.with_mode(settings.mode).tiles, attribution=source.attribution)
    fetcher = TileFetcher(source.url_template, ca_bundle=settings.ca_bundle) if source.url_template else None
    return TileService(cache, fetcher), source.attribution


def build_writer(settings: Settings, simulator: SimulatorServer | None, role: str,
                 simulator_url: str | None = None, session_tokens: dict[str, str] | None = None) -> Any:
    """Network pool: the Open311 writer acting with ``role``'s token, or None when no credentials are known (edits
    then stay queued in the outbox). The embedded simulator hands its tokens over in memory; a standalone one left
    them in the OS keyring when it started, or the operator entered them for this session (``session_tokens``, for a
    workstation without a keyring); live endpoints use the token stored with ``pao-console secret set``. Raises
    services.credentials.KeyringUnavailableError when the token would have to come from a keyring there is not."""
    from services.incident_writer import IncidentWriter

    backend_key = identity_of(settings, simulator_url).key  # the writer sends nothing made for another backend
    if settings.mode == "demo" and simulator is not None:
        token = simulator.tokens.get(role)
        return IncidentWriter(f"{simulator.url}/open311/v2", token, role_tokens=simulator.tokens,
                              backend_key=backend_key) if token else None
    from services.credentials import OPEN311_TOKEN, SIMULATOR_ROLES, CredentialStore, simulator_token_name

    if settings.mode == "demo" and simulator_url:
        tokens = dict(session_tokens or {})
        if role not in tokens:
            creds = CredentialStore()
            tokens.update({r: tok for r in SIMULATOR_ROLES
                           if r not in tokens and (tok := creds.read(simulator_token_name(r)))})
        token = tokens.get(role)
        return IncidentWriter(f"{simulator_url.rstrip('/')}/open311/v2", token, role_tokens=tokens,
                              backend_key=backend_key) if token else None
    if settings.endpoints.open311:
        token = CredentialStore().read(OPEN311_TOKEN)
        return IncidentWriter(settings.endpoints.open311, token, backend_key=backend_key) if token else None
    return None
