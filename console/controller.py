"""Composes the console: the store, the embedded simulator, the sync service, and the window's panels.

Everything slow runs through the TaskRunner; this object only decides what to run and where results go.
Start-up order: the window is shown first; the store opens on the database worker and (in demo mode) the simulator
starts on the network pool at the same time; when both are ready the sync schedule starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.main_window import MainWindow
from console.sync_controller import SyncController
from console.task_runner import TaskRunner
from services.errors import StoreError
from services.paths import DataPaths
from services.settings import Settings
from services.store.database import open_store
from services.store.feed_state import FeedState
from services.store.store import Store
from services.sync.feed_catalog import FeedSpec, build_catalog
from services.sync.sync_service import FeedHealth, SyncService
from widgets.i18n import t
from widgets.table_rows import FeedStatusRow

log = logging.getLogger(__name__)

OVERVIEW_REFRESH_MS = 500  # coalesce bursts of feed results into one overview query
AGE_TICK_MS = 5000  # ages in the status table move on even when nothing is polled


@dataclass(frozen=True, slots=True)
class OverviewSnapshot:
    air: list[Any]
    river: list[Any]
    counts: dict[str, int]


def load_overview(store: Store) -> OverviewSnapshot:
    """Database worker: everything the overview shows, in one task."""
    air = store.latest_air()
    river = store.latest_river()
    counts = dict(store.counts())
    counts["hotspots_24h"] = store.hotspot_count_since(datetime.now(UTC) - timedelta(hours=24))
    counts["air_stations"] = len(air)
    counts["river_stations"] = len(river)
    return OverviewSnapshot(air, river, counts)


class ConsoleController(QObject):
    """Owns the background services for one window."""

    sig_ready = Signal()
    """The store is open and the sync schedule has started."""

    sig_overview_refreshed = Signal()
    """The overview tables show what the store held a moment ago."""

    sig_fatal = Signal(str)
    """The console cannot run (the store refused to open); the message is for the operator."""

    def __init__(self, window: MainWindow, paths: DataPaths, settings: Settings, *,
                 simulator_url: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.paths = paths
        self.settings = settings
        self.runner = TaskRunner(self)
        self.sync_controller = SyncController(self.runner, self)
        self._simulator_url = simulator_url
        self._simulator: Any = None  # services.simulator.server.SimulatorServer in embedded demo mode
        self._store: Store | None = None
        self._endpoints_ready = False
        self._specs: list[FeedSpec] = []
        self._states: dict[str, FeedState] = {}
        self._secrets: dict[str, str] = {}
        self._shut_down = False
        self._overview_timer = QTimer(self, singleShot=True, interval=OVERVIEW_REFRESH_MS)
        self._age_timer = QTimer(self, interval=AGE_TICK_MS)

        self._overview_timer.timeout.connect(self.refresh_overview)
        self._age_timer.timeout.connect(self._render_feed_rows)
        self.sync_controller.sig_feed_polled.connect(self._on_feed_polled)
        self.sync_controller.sig_activity_changed.connect(self._render_feed_rows)
        self.sync_controller.sig_poll_failed.connect(self._on_poll_failed)
        self.runner.sig_task_failed.connect(lambda message: self._notify(message))
        window.sig_sync_requested.connect(self.sync_controller.sync_now)
        window.sig_language_changed.connect(lambda _lang: self._render_feed_rows())
        window.sig_close_requested.connect(self.shutdown)

    @property
    def simulator(self) -> Any:
        return self._simulator

    @property
    def store(self) -> Store | None:
        return self._store

    # --- start-up --------------------------------------------------------------------------------------------------

    def start(self) -> None:
        mode = self.settings.mode
        self.window.set_mode_text(t("โหมดสาธิต/ฝึกอบรม", "Demo / training") if mode == "demo" else t("ข้อมูลจริง", "Live"))
        self._notify(t("กำลังเปิดคลังข้อมูลในเครื่อง…", "Opening the local store…"))
        self.runner.run_db(open_store, self.paths.database, on_done=self._store_opened, on_error=self._store_failed)
        if mode == "demo" and not self._simulator_url:
            self.runner.run_net(_start_embedded_simulator, on_done=self._simulator_started,
                                on_error=lambda exc: self.sig_fatal.emit(
                                    t(f"เริ่มระบบจำลองไม่ได้: {exc}", f"The embedded simulator could not start: {exc}")))
        else:
            self._configure_endpoints()
        self._age_timer.start()

    def _simulator_started(self, simulator: Any) -> None:
        if self._shut_down:
            simulator.stop()
            return
        self._simulator = simulator
        self._configure_endpoints()

    def _configure_endpoints(self) -> None:
        settings = self.settings
        if settings.mode == "demo":
            base = self._simulator.url if self._simulator is not None else (self._simulator_url or "").rstrip("/")
            endpoints = settings.endpoints.model_copy(update={
                "air4thai": f"{base}/air4thai", "firms": f"{base}/firms",
                "thaiwater": f"{base}/thaiwater", "open311": f"{base}/open311/v2"})
            self.settings = settings.model_copy(update={"endpoints": endpoints})
            key = self._simulator.map_key if self._simulator is not None else "DEMO_KEY"
            self._secrets = {"firms_map_key": key}
        self._specs = build_catalog(self.settings)
        self._endpoints_ready = True
        self._render_feed_rows()
        self._maybe_start_sync()

    def _store_opened(self, store: Store) -> None:
        if self._shut_down:
            self.runner.run_db(store.close)
            return
        self._store = store
        self._notify(t(f"คลังข้อมูล: {store.path}", f"Store: {store.path}"))
        self.runner.run_db(store.get_feed_states, on_done=self._states_loaded)
        self.refresh_overview()

    def _store_failed(self, exc: BaseException) -> None:
        log.error("store failed to open: %s", exc)
        message = str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
        self.sig_fatal.emit(t(f"เปิดคลังข้อมูลในเครื่องไม่ได้: {message}", f"The local store cannot be opened: {message}"))

    def _states_loaded(self, states: list[FeedState]) -> None:
        self._states.update({s.feed: s for s in states})
        self._maybe_start_sync()

    def _maybe_start_sync(self) -> None:
        if self._store is None or not self._endpoints_ready or self.sync_controller.sync is not None \
                or self._shut_down:
            return
        sync = SyncService(self._specs, self.settings, self._secrets)
        sync.restore(list(self._states.values()))
        self.sync_controller.start(sync, self._store)
        self._render_feed_rows()
        self.sig_ready.emit()

    # --- results ---------------------------------------------------------------------------------------------------

    def _on_feed_polled(self, state: FeedState) -> None:
        self._states[state.feed] = state
        self._render_feed_rows()
        if not self._overview_timer.isActive():
            self._overview_timer.start()

    def _on_poll_failed(self, feed: str, message: str) -> None:
        self._notify(t(f"แหล่ง {feed}: บันทึกไม่สำเร็จ — {message}", f"Feed {feed}: could not be saved — {message}"))

    def refresh_overview(self) -> None:
        if self._store is None or self._shut_down:
            return
        self.runner.run_db(load_overview, self._store, on_done=self._show_overview, key="overview")

    def _show_overview(self, snapshot: OverviewSnapshot) -> None:
        overview = self.window.overview
        overview.set_air(snapshot.air)
        overview.set_river(snapshot.river)
        overview.set_counts(snapshot.counts)
        self.sig_overview_refreshed.emit()

    def feed_rows(self) -> list[FeedStatusRow]:
        now = datetime.now(UTC)
        sync = self.sync_controller.sync
        flying = set(sync.snapshot().in_flight) if sync is not None else set()
        rows = []
        for spec in self._specs:
            state = self._states.get(spec.name) or FeedState(feed=spec.name)
            health = FeedHealth(state, spec, now)
            rows.append(FeedStatusRow(
                feed=spec.name, source=spec.source, title_en=spec.title_en, title_th=spec.title_th,
                cadence_s=spec.cadence_s, last_attempt_at=state.last_attempt_at,
                last_success_at=state.last_success_at, age_s=health.age_s, freshness=health.freshness,
                last_error=state.last_error, last_error_at=state.last_error_at,
                records_total=state.records_total or 0, records_last=state.records_last or 0,
                rejected_last=state.rejected_last or 0, polling=spec.name in flying,
                failing=(state.consecutive_failures or 0) > 0))
        return rows

    def _render_feed_rows(self) -> None:
        rows = self.feed_rows()
        panel = self.window.feed_status
        panel.model.set_rows(rows)
        fresh = sum(1 for r in rows if r.freshness == "fresh")
        panel.set_summary(t(f"ข้อมูลสด {fresh} จาก {len(rows)} แหล่ง", f"{fresh} of {len(rows)} feeds fresh"))
        sync = self.sync_controller.sync
        if sync is not None:
            snap = sync.snapshot()
            successes = [r.last_success_at for r in rows if r.last_success_at is not None]
            self.window.connection.set_state(snap.state, failing=snap.failing, syncing=len(snap.in_flight),
                                             last_success=max(successes) if successes else None)

    def _notify(self, message: str) -> None:
        self.window.activity.setText(message)

    # --- shutdown --------------------------------------------------------------------------------------------------

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop polling, close the store on its worker, stop the simulator; waits for workers up to ``timeout``."""
        if self._shut_down:
            return
        self._shut_down = True
        self._age_timer.stop()
        self._overview_timer.stop()
        self.sync_controller.stop()
        sync = self.sync_controller.sync
        finished = self.runner.shutdown(timeout)
        if self._store is not None and finished:
            self._store.close()  # the database worker has exited, so no other thread holds the store now
        if sync is not None:
            sync.close()
        if self._simulator is not None:
            self._simulator.stop()


def _start_embedded_simulator() -> Any:
    """Network pool: import and start the simulator (Flask imports stay off the UI thread and out of start-up)."""
    from services.simulator.server import SimulatorServer

    return SimulatorServer().start()
