"""Start-up on the workers, and the flow for a store the console may not open.

The window is already up. Then: the settings are validated and the store opens on the database worker (a read-only
check, the migrations, the check that it belongs to this backend) while the embedded simulator starts on the control
lane; when both are in, the sync service and the basemap tile service are built there. The steps themselves are
Qt-free (services.startup), imported on the worker that first runs them. A store of another backend's opens the
refusal dialog (console.store_refusal) and nothing is opened or sent until the operator chooses.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from console.main_window import MainWindow
from console.store_refusal import StoreRefusal
from console.task_runner import TaskRunner, first_imports
from services.errors import StoreBindingError, StoreCorruptError
from widgets.failure_text import describe_failure
from widgets.i18n import t

if TYPE_CHECKING:
    from services.backend_identity import BackendIdentity
    from services.paths import DataPaths
    from services.settings import Settings
    from services.startup import Startup
    from services.store.feed_state import FeedState
    from services.store.store import Store
    from services.sync.sync_service import SyncService

log = logging.getLogger(__name__)


def _load_startup(paths: DataPaths, mode: str | None, language: str | None, simulator_url: str | None,
                  scenario: str | None) -> Startup:
    with first_imports():
        from services import startup
    return startup.load_startup(paths, mode, language, simulator_url, scenario)


def _start_simulator(paths: DataPaths, scenario: str | None) -> Any:
    with first_imports():
        from services import startup
    return startup.start_simulator(paths, scenario)


def _build_sync(settings: Settings, states: list[FeedState], simulator: Any, url: str | None) -> SyncService:
    with first_imports():
        from services import startup
    return startup.build_sync(settings, states, simulator, url)


def _open_tile_service(paths: DataPaths, settings: Settings, simulator: Any, url: str | None) -> tuple[Any, str]:
    with first_imports():
        from services import startup
    return startup.open_tile_service(paths, settings, simulator, url)


class StartupFlow(QObject):
    """Runs start-up for one window and holds what it opened: settings, store, simulator, tile service."""

    sig_store_opened = Signal(object)
    """The store is open and bound to this backend: the services.startup.Startup (settings, store, feed states)."""

    sig_sync_built = Signal(object)
    """The sync service for the configured (or simulated) endpoints is built: the SyncService."""

    sig_tiles_opened = Signal(object, str)
    """The basemap tile service is open: (services.tile_cache.TileService, attribution)."""

    sig_fatal = Signal(str)
    """The console cannot run (settings unusable, store refused to open); the message is for the operator."""

    sig_declined = Signal(str)
    """The operator chose to close rather than go on (e.g. not to open another backend's store); why, in words."""

    sig_notice = Signal(str)
    """A line for the status bar."""

    def __init__(self, runner: TaskRunner, window: MainWindow, paths: DataPaths, *, mode: str | None,
                 language: str | None, simulator_url: str | None, interactive: bool, scenario: str | None = None,
                 parent: QObject | None = None) -> None:
        """``scenario`` (``--scenario``) overrides the settings' ``demo_scenario`` for the embedded simulator."""
        super().__init__(parent)
        self._runner = runner
        self._window = window
        self._mode_override = mode
        self._language_override = language
        self._scenario_override = scenario
        self._interactive = interactive
        self.paths = paths
        self.simulator_url = simulator_url
        self.settings: Settings | None = None
        self.store: Store | None = None
        self.states: list[FeedState] = []
        self.backend: BackendIdentity | None = None  # the backend the store is bound to, once it is open
        self.simulator: Any = None  # services.simulator.server.SimulatorServer in embedded demo mode
        self.tiles: Any = None  # services.tile_cache.TileService once the endpoints are known
        self.store_refusal: StoreRefusal | None = None  # the open "store belongs to another backend" dialog
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def start(self) -> None:
        self._open_store()
        wants_embedded = (self._mode_override or "demo") == "demo" and not self.simulator_url
        if wants_embedded:  # started alongside the store; stopped again if settings turn out to say "live"
            self._runner.run_net(_start_simulator, self.paths, self._scenario_override, lane="control",
                                 on_done=self._simulator_started,
                                 on_error=self._simulator_failed)

    def close(self) -> None:
        """The console is closing: late results are dropped (and what they opened is closed again)."""
        self._closed = True

    def _open_store(self) -> None:
        self.sig_notice.emit(t("กำลังเปิดคลังข้อมูลในเครื่อง…", "Opening the local store…"))
        self._runner.run_db(_load_startup, self.paths, self._mode_override, self._language_override,
                            self.simulator_url, self._scenario_override, on_done=self._started,
                            on_error=self._failed)

    def _started(self, startup: Startup) -> None:
        if self._closed:
            startup.store.close()
            return
        self.store_refusal = None
        self.paths = self.paths.with_mode(startup.settings.mode)
        self.backend = startup.backend
        self.settings, self.store, self.states = startup.settings, startup.store, list(startup.states)
        if self.settings.mode != "demo" and self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
        self.sig_store_opened.emit(startup)
        self._maybe_build_sync()

    def _failed(self, exc: BaseException) -> None:
        log.error("start-up failed: %s", exc)
        if isinstance(exc, StoreBindingError) and self._interactive and not self._closed:
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
        self.sig_notice.emit(t("คลังข้อมูลเป็นของระบบอื่น: ยังไม่ได้เปิด",
                               "The store belongs to another backend: not opened"))
        refusal = StoreRefusal(self._runner, self.paths, exc, self._window, self)
        refusal.sig_retry.connect(self._open_store)
        refusal.sig_quit.connect(lambda: self.sig_declined.emit(
            t("ไม่ได้เปิดคลังข้อมูล: เป็นของระบบอื่น", "The store was not opened: it belongs to another backend")))
        self.store_refusal = refusal
        refusal.show()

    def _simulator_started(self, simulator: Any) -> None:
        if self._closed or (self.settings is not None and self.settings.mode != "demo"):
            simulator.stop()
            return
        self.simulator = simulator
        self._maybe_build_sync()

    def _simulator_failed(self, exc: BaseException) -> None:
        self.sig_fatal.emit(t(f"เริ่มระบบจำลองไม่ได้: {exc}", f"The embedded simulator could not start: {exc}"))

    def _maybe_build_sync(self) -> None:
        settings = self.settings
        if settings is None or self.store is None or self._closed:
            return
        if settings.mode == "demo" and not self.simulator_url and self.simulator is None:
            return  # waiting for the embedded simulator
        self._runner.run_net(_build_sync, settings, self.states, self.simulator, self.simulator_url,
                             lane="control", on_done=self._sync_built, on_error=self._failed)
        self._runner.run_net(_open_tile_service, self.paths, settings, self.simulator, self.simulator_url,
                             lane="control", on_done=self._tiles_opened, on_error=self._tiles_failed)

    def _sync_built(self, sync: SyncService) -> None:
        if self._closed or self.store is None:
            sync.close()
            return
        self.sig_sync_built.emit(sync)

    def _tiles_opened(self, opened: tuple[Any, str]) -> None:
        service, attribution = opened
        if self._closed:
            service.close()
            return
        self.tiles = service
        self.sig_tiles_opened.emit(service, attribution)

    def _tiles_failed(self, exc: BaseException) -> None:
        why = describe_failure(exc)
        self.sig_notice.emit(t(f"แผนที่ฐานใช้ไม่ได้: {why}", f"Basemap unavailable: {why}"))
