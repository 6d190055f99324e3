"""The console's start-up, Qt-free: validated settings, the store opened and bound to its backend, the embedded
simulator, the sync service and the basemap tile service; and what the operator may do with a store that belongs to
another backend (export its unsent edits, set it aside, adopt an unbound one).

Each function says which thread runs it. The console imports this module on a worker, never on the UI thread at
start-up: it pulls in pydantic, SQLAlchemy, requests and Flask, which the window does not need to appear.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.backend_identity import EMBEDDED_SIMULATOR_SEED, BackendIdentity, backend_identity
from services.paths import DataPaths
from services.settings import Settings, load_settings
from services.settings_peek import peek_scenario
from services.simulator.scenarios import DEFAULT_SCENARIO
from services.simulator.server import SimulatorServer
from services.store.database import open_store
from services.store.feed_state import FeedState
from services.store.layout import move_legacy_store, set_aside
from services.store.store import Store
from services.store.unsent_export import export_unsent
from services.sync.feed_catalog import build_catalog
from services.sync.staff_token import OPEN311_READ_TOKEN, staff_read_token
from services.sync.sync_service import SyncService


@dataclass(frozen=True, slots=True)
class Startup:
    settings: Settings
    store: Store
    states: list[FeedState]
    backend: BackendIdentity


def startup_settings(paths: DataPaths, mode: str | None, language: str | None,
                     scenario: str | None = None) -> Settings:
    """The validated settings with the command line's overrides."""
    settings = load_settings(paths.settings_file)
    overrides = {k: v for k, v in (("mode", mode), ("language", language), ("demo_scenario", scenario)) if v}
    return settings.model_copy(update=overrides) if overrides else settings


def identity_of(settings: Settings, simulator_url: str | None) -> BackendIdentity:
    """The backend these settings (and ``--simulator-url``) talk to; the embedded simulator's scenario is part of
    it."""
    return backend_identity(settings.mode, settings.endpoints.open311, simulator_url,
                            scenario=settings.demo_scenario)


def load_startup(paths: DataPaths, mode: str | None, language: str | None,
                 simulator_url: str | None = None, scenario: str | None = None) -> Startup:
    """Database worker: validated settings, the opened (migrated, checked) store, bound to the backend these options
    talk to (raises StoreBindingError for a store of another backend's), and the stored feed states."""
    settings = startup_settings(paths, mode, language, scenario)
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


def start_simulator(paths: DataPaths, scenario: str | None = None) -> SimulatorServer:
    """Network lane ``control``: the embedded simulator on a free loopback port, with the seed its stores are bound
    to, in ``scenario`` (``--scenario``), else the one the settings name. Read here, beside the settings' full load on
    the database worker, so the two start at once; an unusable settings file is reported by that load."""
    chosen = scenario or peek_scenario(paths.settings_file) or DEFAULT_SCENARIO
    return SimulatorServer(seed=EMBEDDED_SIMULATOR_SEED, scenario=chosen).start()


def demo_settings(settings: Settings, base_url: str) -> Settings:
    """Point every feed at a simulator (embedded or standalone)."""
    base = base_url.rstrip("/")
    endpoints = settings.endpoints.model_copy(update={
        "air4thai": f"{base}/air4thai", "firms": f"{base}/firms",
        "thaiwater": f"{base}/thaiwater", "open311": f"{base}/open311/v2"})
    return settings.model_copy(update={"endpoints": endpoints})


def build_sync(settings: Settings, states: Iterable[FeedState], simulator: SimulatorServer | None,
               simulator_url: str | None) -> SyncService:
    """Network lane ``control``: the sync service for the configured (or simulated) endpoints, validators
    restored."""
    secrets: dict[str, str] = {}
    if settings.mode == "demo":
        settings = demo_settings(settings, simulator.url if simulator is not None else simulator_url or "")
        secrets["firms_map_key"] = simulator.map_key if simulator is not None else "DEMO_KEY"
    else:
        from services.credentials import FIRMS_MAP_KEY, CredentialStore

        key = CredentialStore().get(FIRMS_MAP_KEY)
        if key:
            secrets["firms_map_key"] = key
    token = staff_read_token(settings, simulator, simulator_url)
    if token:  # Open311 reads as staff: the incidents come with their reporters (services.sync.staff_token)
        secrets[OPEN311_READ_TOKEN] = token
    sync = SyncService(build_catalog(settings), settings, secrets)
    sync.restore(list(states))
    return sync


def open_tile_service(paths: DataPaths, settings: Settings, simulator: SimulatorServer | None,
                      simulator_url: str | None) -> tuple[Any, str]:
    """Network lane ``control``: the basemap tile service (cache file in the data directory) and the attribution to
    show."""
    from services.tile_cache import TileCache, TileFetcher, TileService, TileSource, simulator_source

    if settings.mode == "demo":
        source = simulator_source(simulator.url if simulator is not None else simulator_url or "")
    else:
        source = TileSource(settings.tile_url, settings.tile_attribution)
    cache = TileCache(paths.with_mode(settings.mode).tiles, attribution=source.attribution)
    fetcher = TileFetcher(source.url_template, ca_bundle=settings.ca_bundle) if source.url_template else None
    return TileService(cache, fetcher), source.attribution
