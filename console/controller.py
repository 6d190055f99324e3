"""Composes the console: settings, the store, the embedded simulator, the sync service and the window's panels.

Everything slow runs through the TaskRunner; this object only decides what to run and where results go. The window
appears first; then, on workers: settings are validated and the store opens (database worker) while the simulator
starts (network pool); when both are in, the sync schedule starts. Service modules are imported on those workers
(see console.backend), so they do not delay the window.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from console.main_window import MainWindow
from console.incident_controller import IncidentController
from console.map_controller import MapController, layers_for_feed
from console.outbox_controller import ConflictActions, OutboxController
from console.offline_area import OfflineAreaController
from console.sync_controller import SyncController
from console.task_runner import TaskRunner
from console.store_refusal import StoreRefusal
from console.training_outage import TrainingOutage
from console.session_tokens import SessionTokens
from console.error_text import describe_failure
from console.worker_imports import load
from widgets.conflicts_panel import ConflictsPanel
from widgets.refused_edits_panel import RefusedEditsPanel
from widgets.i18n import t
from widgets.table_rows import FeedStatusRow
from services.errors import StoreBindingError, StoreCorruptError

if TYPE_CHECKING:
    from console.backend import OverviewSnapshot, Startup
    from services.backend_identity import BackendIdentity
    from services.paths import DataPaths
    from services.settings import Settings
    from services.store.feed_state import FeedState
    from services.store.store import Store
    from services.sync.sync_service import SyncService

log = logging.getLogger(__name__)

OVERVIEW_REFRESH_MS = 500  # coalesce bursts of feed results into one overview query
AGE_TICK_MS = 5000  # ages in the status table move on even when nothing is polled
FEED_ROWS_COALESCE_MS = 150  # one redraw of the feed rows per burst of feed results


# Worker-side entry points: each imports console.backend on the worker thread that runs it.
def _load_startup(paths: DataPaths, mode: str | None, language: str | None, simulator_url: str | None) -> Startup:
    return load("console.backend").load_startup(paths, mode, language, simulator_url)


def _start_simulator() -> Any:
    return load("console.backend").start_simulator()


def _build_sync(settings: Settings, states: list[FeedState], simulator: Any, url: str | None) -> SyncService:
    return load("console.backend").build_sync(settings, states, simulator, url)


def _open_tile_service(paths: DataPaths, settings: Settings, simulator: Any, url: str | None) -> tuple[Any, str]:
    return load("console.backend").open_tile_service(paths, settings, simulator, url)


def _build_writer(settings: Settings, simulator: Any, role: str, simulator_url: str | None,
                  session_tokens: dict[str, str]) -> Any:
    return load("console.backend").build_writer(settings, simulator, role, simulator_url, session_tokens)


def _load_overview(store: Store) -> OverviewSnapshot:
    return load("console.backend").load_overview(store)


class ConsoleController(QObject):
    """Owns the background services for one window."""

    sig_ready = Signal()
    """The store is open and the sync schedule has started."""

    sig_overview_refreshed = Signal()
    """The overview tables show what the store held a moment ago."""

    sig_fatal = Signal(str)
    """The console cannot run (settings unusable, store refused to open); the message is for the operator."""

    sig_declined = Signal(str)
    """The operator chose to close rather than go on (e.g. not to open another backend's store); why, in words."""

    def __init__(self, window: MainWindow, paths: DataPaths, *, mode: str | None = None,
                 language: str | None = None, simulator_url: str | None = None, interactive: bool = True,
                 parent: QObject | None = None) -> None:
        """``interactive`` False (screenshots, benchmarks): a store that cannot be opened is fatal at once, with no
        dialog to answer."""
        super().__init__(parent)
        self.window = window
        self.paths = paths
        self._interactive = interactive
        self.backend: BackendIdentity | None = None  # the backend the store is bound to, once it is open
        self.store_refusal: StoreRefusal | None = None  # the open "store belongs to another backend" dialog
        self.runner = TaskRunner(self)
        self.sync_controller = SyncController(self.runner, self)
        self.map = MapController(self.runner, paths.map_page_dir, window.set_map_widget, self)
        self._tiles: Any = None  # services.tile_cache.TileService once the endpoints are known
        self.offline_area = OfflineAreaController(self.runner, self)
        self.incidents = IncidentController(self.runner, window, self)
        self.outbox = OutboxController(self.runner, self)
        self.training_outage = TrainingOutage(self.runner, window.training_outage_action, self)
        self.session_tokens = SessionTokens(window, window.training_outage_action, self)  # no keyring: typed in
        conflicts_box = QWidget(window)  # open conflicts, and under them the edits the server refused
        self.conflicts_panel = ConflictsPanel(conflicts_box)
        self.refused_panel = RefusedEditsPanel(conflicts_box)
        box_layout = QVBoxLayout(conflicts_box)
        box_layout.addWidget(self.conflicts_panel, 1)
        box_layout.addWidget(self.refused_panel)
        window.add_dock("conflicts", conflicts_box, Qt.DockWidgetArea.RightDockWidgetArea)
        window.tabifyDockWidget(window.dock("overview"), window.dock("conflicts"))
        window.dock("overview").raise_()
        self.conflict_actions: ConflictActions | None = None
        self._conflict_count = self._refused_count = 0
        self.refused_panel.sig_show_incident_requested.connect(self._show_refused_incident)
        self._outbox_started = False
        self.settings: Settings | None = None
        self._mode_override = mode
        self._language_override = language
        self._simulator_url = simulator_url
        self._simulator: Any = None  # services.simulator.server.SimulatorServer in embedded demo mode
        self._store: Store | None = None
        self._states: dict[str, FeedState] = {}
        self._shut_down = False
        self._overview_timer = QTimer(self, singleShot=True, interval=OVERVIEW_REFRESH_MS)
        self._age_timer = QTimer(self, interval=AGE_TICK_MS)

        self._overview_timer.timeout.connect(self.refresh_overview)
        # Feed results come in bursts (all feeds at start, "Sync now"): the status table, map badges and status bar
        # are redrawn once per burst, not once per feed start and finish, so the UI thread stays free for input.
        self._feed_rows_timer = QTimer(self, singleShot=True, interval=FEED_ROWS_COALESCE_MS)
        self._feed_rows_timer.timeout.connect(self._render_feed_rows)
        self._age_timer.timeout.connect(self._render_feed_rows)
        self.sync_controller.sig_feed_polled.connect(self._on_feed_polled)
        self.sync_controller.sig_activity_changed.connect(self._schedule_feed_rows)
        self.sync_controller.sig_poll_failed.connect(self._on_poll_failed)
        self.runner.sig_task_failed.connect(self._notify)
        window.sig_sync_requested.connect(self.sync_controller.sync_now)
        window.sig_sync_requested.connect(lambda: self.outbox.kick())  # "sync now" also sends queued edits
        window.sig_language_changed.connect(self._on_language_changed)
        window.sig_close_requested.connect(self.shutdown)
        self.map.sig_new_incident_requested.connect(self.incidents.open_intake)
        self.map.sig_incident_selected.connect(self.incidents.show_feature)
        self.incidents.sig_incident_shown.connect(self.map.select_incident)
        self.incidents.sig_local_edit_saved.connect(self._on_local_edit)
        self.incidents.role_combo.currentIndexChanged.connect(lambda _i: self._rebuild_writer())
        self.outbox.sig_entry_done.connect(self._on_outbox_entry)
        self.outbox.sig_counts_changed.connect(window.connection.set_edits)
        self.outbox.sig_progress.connect(window.connection.set_progress)
        self.training_outage.sig_changed.connect(self._on_training_outage)
        self.training_outage.sig_failed.connect(self._notify)
        self.session_tokens.sig_tokens_changed.connect(self._on_session_tokens)
        window.sig_new_incident_requested.connect(self.incidents.open_intake)
        self.map.sig_station_selected.connect(self._on_station_selected)
        window.sig_offline_area_requested.connect(lambda: self.offline_area.open(window, self.map.view_bbox))

    @property
    def simulator(self) -> Any:
        return self._simulator

    @property
    def store(self) -> Store | None:
        return self._store

    # --- start-up --------------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._open_store()
        wants_embedded = (self._mode_override or "demo") == "demo" and not self._simulator_url
        if wants_embedded:  # started alongside the store; stopped again if settings turn out to say "live"
            self.runner.run_net(_start_simulator, lane="control", on_done=self._simulator_started,
                                on_error=self._simulator_failed)
        self._age_timer.start()
        self.map.start()

    def _open_store(self) -> None:
        self._notify(t("กำลังเปิดคลังข้อมูลในเครื่อง…", "Opening the local store…"))
        self.runner.run_db(_load_startup, self.paths, self._mode_override, self._language_override,
                           self._simulator_url, on_done=self._started, on_error=self._startup_failed)

    def _started(self, startup: Startup) -> None:
        if self._shut_down:
            startup.store.close()
            return
        self.store_refusal = None
        self.paths = self.paths.with_mode(startup.settings.mode)
        self.backend = startup.backend
        self.settings, self._store = startup.settings, startup.store
        self._states.update({s.feed: s for s in startup.states})
        demo = self.settings.mode == "demo"
        self.window.set_mode_text(t("โหมดสาธิต/ฝึกอบรม", "Demo / training") if demo else t("ข้อมูลจริง", "Live"))
        self._notify(t(f"คลังข้อมูล: {self._store.path}", f"Store: {self._store.path}"))
        if not demo and self._simulator is not None:
            self._simulator.stop()
            self._simulator = None
        self.refresh_overview()
        self.map.set_store(self._store)
        self.incidents.set_policy(self.settings.sla_policy())
        self.incidents.set_store(self._store)
        self.conflict_actions = ConflictActions(self.runner, self._store, self.conflicts_panel, self.outbox,
                                                self.incidents.actor, self, refused_panel=self.refused_panel)
        self.conflict_actions.sig_refused_loaded.connect(self._on_refused_loaded)
        self.conflict_actions.sig_conflict_resolved.connect(lambda *_: self.incidents.schedule_reload())
        self.conflict_actions.sig_conflicts_loaded.connect(self._on_conflicts_loaded)
        self.conflict_actions.refresh()
        self._maybe_build_sync()

    def _startup_failed(self, exc: BaseException) -> None:
        log.error("start-up failed: %s", exc)
        if isinstance(exc, StoreBindingError) and self._interactive and not self._shut_down:
            self._ask_about_store(exc)
            return
        why = describe_failure(exc)
        if isinstance(exc, StoreCorruptError):
            command = f"pao-console store salvage --data-dir {self.paths.root} --{self.paths.mode}"
            why = t(f"คลังข้อมูลในเครื่องเสียหาย ({self.paths.database}): ปิดโปรแกรมแล้วกู้ข้อมูลด้วย {command}",
                    f"the local store {self.paths.database} is damaged: recover what it holds with {command}")
        self.sig_fatal.emit(t(f"เริ่มโปรแกรมไม่ได้: {why}", f"The console cannot start: {why}"))

    def _ask_about_store(self, exc: StoreBindingError) -> None:
        """The store belongs to another backend: nothing is opened or sent until the operator chooses a way out."""
        self._notify(t("คลังข้อมูลเป็นของระบบอื่น: ยังไม่ได้เปิด", "The store belongs to another backend: not opened"))
        refusal = StoreRefusal(self.runner, self.paths, exc, self.window, self)
        refusal.sig_retry.connect(self._open_store)
        refusal.sig_quit.connect(lambda: self.sig_declined.emit(
            t("ไม่ได้เปิดคลังข้อมูล: เป็นของระบบอื่น", "The store was not opened: it belongs to another backend")))
        self.store_refusal = refusal
        refusal.show()

    def _simulator_started(self, simulator: Any) -> None:
        if self._shut_down or (self.settings is not None and self.settings.mode != "demo"):
            simulator.stop()
            return
        self._simulator = simulator
        self._maybe_build_sync()

    def _simulator_failed(self, exc: BaseException) -> None:
        self.sig_fatal.emit(t(f"เริ่มระบบจำลองไม่ได้: {exc}", f"The embedded simulator could not start: {exc}"))

    def _maybe_build_sync(self) -> None:
        settings = self.settings
        if settings is None or self._store is None or self._shut_down:
            return
        if settings.mode == "demo" and not self._simulator_url and self._simulator is None:
            return  # waiting for the embedded simulator
        self.runner.run_net(_build_sync, settings, list(self._states.values()), self._simulator,
                            self._simulator_url, lane="control", on_done=self._sync_built,
                            on_error=self._startup_failed)
        self.runner.run_net(_open_tile_service, self.paths, settings, self._simulator, self._simulator_url,
                            lane="control", on_done=self._tiles_opened,
                            on_error=lambda exc: self._notify(t(f"แผนที่ฐานใช้ไม่ได้: {describe_failure(exc)}",
                                                                f"Basemap unavailable: {describe_failure(exc)}")))

    def _rebuild_writer(self) -> None:
        if self.settings is None or self._store is None or self._shut_down:
            return
        self.outbox.set_role(self.incidents.role)
        self.runner.run_net(_build_writer, self.settings, self._simulator, self.incidents.role, self._simulator_url,
                            self.session_tokens.tokens, lane="control", on_done=self._writer_built,
                            on_error=self._writer_failed, key="outbox-writer")

    def _writer_built(self, writer: Any) -> None:
        if self._shut_down:
            if writer is not None:
                writer.close()
            return
        if writer is None:
            secret = f"simulator-token-{self.incidents.role}" if self._simulator_url else "open311-token"
            self._notify(t(f"ยังไม่มีสิทธิ์ส่งข้อมูลเข้าระบบ (pao-console secret set {secret}): "
                           "การแก้ไขถูกเก็บไว้ในเครื่อง",
                           f"No backend credentials (pao-console secret set {secret}): edits are kept on this "
                           "workstation until there are"))
        self._use_writer(writer)

    def _writer_failed(self, exc: BaseException) -> None:
        # Loaded already by the worker that raised it: this import costs the UI thread nothing.
        from services.credentials import KeyringUnavailableError

        if self._shut_down:
            return
        if not isinstance(exc, KeyringUnavailableError):
            log.error("the outbox writer could not be built: %s", exc)
            why = describe_failure(exc)
            self._notify(t(f"ส่งการแก้ไขไม่ได้: {why}", f"Edits cannot be sent: {why}"))
        elif self._simulator_url:  # `pao-console secret set` cannot work here: offer the supported way instead
            self._notify(t("เครื่องนี้ไม่มีที่เก็บรหัสลับ (keyring): ใส่โทเค็นที่ระบบจำลองพิมพ์ไว้ "
                           "(ซิงก์ → ใส่โทเค็นของระบบจำลอง…) การแก้ไขถูกเก็บไว้ในเครื่องจนกว่าจะใส่",
                           "No OS keyring on this workstation: enter the tokens the simulator printed (Sync → Enter "
                           "simulator tokens…); edits are kept on this workstation until then"))
            self.session_tokens.offer()
        else:
            self._notify(t("เครื่องนี้ไม่มีที่เก็บรหัสลับ (keyring) จึงอ่านสิทธิ์ส่งข้อมูลไม่ได้: "
                           "การแก้ไขถูกเก็บไว้ในเครื่อง",
                           "No OS keyring on this workstation, so the backend token cannot be read: edits are kept "
                           "on this workstation"))
        self._use_writer(None)

    def _on_session_tokens(self) -> None:
        self.training_outage.set_token(self.session_tokens.token("supervisor"))
        self._rebuild_writer()

    def _use_writer(self, writer: Any) -> None:
        if self._outbox_started:
            self.outbox.set_writer(writer)
        elif self._store is not None:
            self._outbox_started = True
            self.outbox.start(self._store, writer)

    def _on_local_edit(self) -> None:
        self.outbox.refresh_counts()
        self.outbox.kick()
        self.map.schedule_refresh(["incidents"])
        self._schedule_overview()

    def _on_conflicts_loaded(self, count: int) -> None:
        self.outbox.refresh_counts()
        self._conflict_count = count
        self._title_conflicts_dock()

    def _on_refused_loaded(self, count: int) -> None:
        self._refused_count = count
        self._title_conflicts_dock()

    def _title_conflicts_dock(self) -> None:
        title = t("ข้อมูลขัดแย้ง", "Conflicts")
        counts = [str(self._conflict_count)] if self._conflict_count else []
        if self._refused_count:
            counts.append(t(f"ไม่รับ {self._refused_count}", f"{self._refused_count} refused"))
        self.window.dock("conflicts").setWindowTitle(f"{title} ({' · '.join(counts)})" if counts else title)

    def _show_refused_incident(self, incident_id: int) -> None:
        self.incidents.show_incident(incident_id)
        dock = self.window.dock("incidentDetail")
        dock.show()
        dock.raise_()

    def _on_outbox_entry(self, kind: str) -> None:
        if kind == "conflict" and self.conflict_actions is not None:
            self.conflict_actions.refresh()
        if kind in ("sent", "merged", "conflict", "rejected"):
            self.incidents.schedule_reload()
            self.map.schedule_refresh(["incidents"])
            self._schedule_overview()

    def _on_training_outage(self, cut: bool) -> None:
        self._notify(t("ฝึกซ้อม: ตัดการเชื่อมต่อแล้ว — ทำงานต่อได้ การแก้ไขจะรอส่ง",
                       "Training: network cut off — keep working, edits wait to be sent") if cut else
                     t("ฝึกซ้อม: เชื่อมต่อแล้ว กำลังซิงก์", "Training: network restored, syncing"))
        self.sync_controller.sync_now()  # the status bar follows at once, not at each feed's next poll
        if not cut:
            self.outbox.reconnected()

    def _tiles_opened(self, opened: tuple[Any, str]) -> None:
        service, attribution = opened
        if self._shut_down:
            service.close()
            return
        self._tiles = service
        self.map.set_basemap(attribution, service.tile)
        self.offline_area.set_tile_service(service)

    def _on_station_selected(self, layer: str, code: str) -> None:
        # Station details live in the situation dock (its chart comes with the charts panel): bring it forward.
        dock = self.window.dock("overview")
        dock.show()
        dock.raise_()
        self.window.overview.select_station(layer, code)

    def _on_language_changed(self, language: str) -> None:
        self.map.set_language(language)
        self.conflicts_panel.retranslate()
        self.refused_panel.retranslate()
        if self.conflict_actions is not None:
            self.conflict_actions.refresh()
        self._render_feed_rows()

    def _sync_built(self, sync: SyncService) -> None:
        if self._shut_down or self._store is None:
            sync.close()
            return
        if self.settings is not None and self.settings.mode == "demo":
            if self._simulator is not None:
                self.training_outage.set_simulator(self._simulator.url, self._simulator.tokens["supervisor"])
            else:
                self.training_outage.set_simulator(self._simulator_url, self.session_tokens.token("supervisor"))
            self.session_tokens.set_simulator(self._simulator_url if self._simulator is None else None)
        self._rebuild_writer()
        self.sync_controller.start(sync, self._store)
        self._render_feed_rows()
        self.sig_ready.emit()

    # --- results ---------------------------------------------------------------------------------------------------

    def _on_feed_polled(self, state: FeedState) -> None:
        self._states[state.feed] = state
        self._schedule_feed_rows()
        self.map.schedule_refresh(layers_for_feed(state.feed))
        if state.feed.startswith("open311") and not state.consecutive_failures:
            self.outbox.reconnected()  # the backend answers again: send queued edits now, not after the backoff
        if state.feed == "open311_requests":
            self.incidents.schedule_reload()
        elif state.feed == "open311_services":
            self.incidents.reload_categories()
        self._schedule_overview()

    def _on_poll_failed(self, feed: str, message: str) -> None:
        # The store could not record this failure (it may be the store that failed), so the feed's row shows it from
        # memory: failing, with what failed, until a poll is stored again.
        from services.store.feed_state import FeedState  # imported long since, by the worker that opened the store

        state = self._states.get(feed) or FeedState(feed)
        self._states[feed] = dataclasses.replace(state, last_error=message, last_error_at=datetime.now(UTC),
                                                 consecutive_failures=(state.consecutive_failures or 0) + 1)
        self._schedule_feed_rows()
        self._notify(t(f"แหล่ง {feed}: {message}", f"Feed {feed}: {message}"))

    def _schedule_overview(self) -> None:
        """Refresh the overview soon; a burst of results (all feeds at start, a drained outbox) makes one query."""
        if not self._overview_timer.isActive():
            self._overview_timer.start()

    def refresh_overview(self) -> None:
        if self._store is None or self._shut_down:
            return
        self.runner.run_db(_load_overview, self._store, on_done=self._show_overview, key="overview")

    def _show_overview(self, snapshot: OverviewSnapshot) -> None:
        overview = self.window.overview
        overview.set_air(snapshot.air)
        overview.set_river(snapshot.river)
        overview.set_counts(snapshot.counts)
        self.sig_overview_refreshed.emit()

    def feed_rows(self) -> list[FeedStatusRow]:
        sync = self.sync_controller.sync
        if sync is None:
            return []
        # console.backend is already imported by the worker that built ``sync``
        return load("console.backend").feed_rows(sync.specs, self._states, set(sync.snapshot().in_flight))

    def _schedule_feed_rows(self) -> None:
        if not self._feed_rows_timer.isActive():
            self._feed_rows_timer.start()

    def _render_feed_rows(self) -> None:
        rows = self.feed_rows()
        panel = self.window.feed_status
        panel.model.set_rows(rows)
        self.map.update_meta(rows)
        fresh = sum(1 for r in rows if r.freshness == "fresh")
        panel.set_summary(t(f"ข้อมูลสด {fresh} จาก {len(rows)} แหล่ง", f"{fresh} of {len(rows)} feeds fresh")
                          if rows else t("กำลังเตรียมการซิงก์…", "Preparing sync…"))
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
        """Stop polling and sending; let queued database work (an edit being committed) finish, waiting up to
        ``timeout``; close the store. Network calls still running after a short grace are abandoned, so a hanging
        server cannot hold the process: an outbox entry being sent stays pending and goes again next time, with
        the same idempotency key."""
        if self._shut_down:
            return
        self._shut_down = True
        self.map.shutdown()
        self.incidents.shutdown()
        self.outbox.shutdown()
        self.offline_area.shutdown()
        self._age_timer.stop()
        self._overview_timer.stop()
        self._feed_rows_timer.stop()
        self.sync_controller.stop()
        sync = self.sync_controller.sync
        if self._simulator is not None:
            # First: stopping cuts its open connections, so calls waiting on it end now instead of being abandoned.
            self._simulator.stop()
        finished = self.runner.shutdown(timeout)
        if self._store is not None and finished:
            self._store.close()  # the database worker has exited, so no other thread holds the store now
        if sync is not None:
            sync.close()
        if self._tiles is not None and finished and "tiles" not in self.runner.abandoned_lanes:
            self._tiles.close()  # only when no tile call still uses its cache file
