"""Composes the console: start-up, the sync schedule, the map, the incident docks, the outbox and the status bar.

Everything slow runs through the TaskRunner; this object only decides what to run and where results go. The window
appears first; then console.startup_flow opens the store and starts the simulator on workers, and when both are in,
the sync schedule starts. The parts live in their own modules: the feed status and badges (console.feed_status), the
overview (console.overview_refresh), the Conflicts dock (console.conflicts_dock), the outbox's writer
(console.writer_wiring); this module wires them together.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from console.area_controller import AreaController
from console.alert_controller import AlertController
from console.chart_controller import ChartController
from console.conflicts_dock import ConflictActions, ConflictsDock
from console.feed_status import FeedStatusView
from console.incident_controller import IncidentController
from console.incident_keys import IncidentKeys
from console.main_window import MainWindow
from console.map_controller import MapController
from console.offline_area import OfflineAreaController
from console.outbox_controller import OutboxController
from console.overview_refresh import OverviewRefresh
from console.session_tokens import SessionTokens
from console.situation_controller import SituationController
from console.startup_flow import StartupFlow
from console.store_refusal import StoreRefusal
from console.sync_controller import SyncController
from console.task_runner import TaskRunner, feed_lane
from console.thread_priorities import BackgroundPriority
from console.training_outage import TrainingOutage
from console.writer_wiring import WriterWiring
from widgets.conflicts_panel import ConflictsPanel
from widgets.i18n import t
from widgets.refused_edits_panel import RefusedEditsPanel
from widgets.table_rows import FeedStatusRow

if TYPE_CHECKING:
    from services.backend_identity import BackendIdentity
    from services.paths import DataPaths
    from services.settings import Settings
    from services.startup import Startup
    from services.store.feed_state import FeedState
    from services.store.store import Store
    from services.sync.sync_service import SyncService

log = logging.getLogger(__name__)

ALERT_FRAME_DEG = 0.05  # "show on map" for an alert without a map feature frames this much around its place


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
                 scenario: str | None = None, parent: QObject | None = None) -> None:
        """``interactive`` False (screenshots, benchmarks): a store that cannot be opened is fatal at once, with no
        dialog to answer. ``scenario`` (``--scenario``) overrides the settings' demo scenario."""
        super().__init__(parent)
        self.window = window
        self.runner = TaskRunner(self)
        self.priority = BackgroundPriority(self.runner, self)  # every thread but this one (the UI's) runs lower
        self.startup = StartupFlow(self.runner, window, paths, mode=mode, language=language,
                                   simulator_url=simulator_url, interactive=interactive, scenario=scenario,
                                   parent=self)
        self.sync_controller = SyncController(self.runner, self)
        self.map = MapController(self.runner, paths.map_page_dir, window.set_map_widget, self)
        self.offline_area = OfflineAreaController(self.runner, self)
        self.incidents = IncidentController(self.runner, window, self)
        self.keys = IncidentKeys(window, self.incidents, self)  # the queue, detail and map without a mouse
        self.areas = AreaController(self.runner, window, self.map, self.incidents.queue, self._notify, self)
        self.outbox = OutboxController(self.runner, self)
        self.training_outage = TrainingOutage(self.runner, window.training_outage_action, self)
        self.session_tokens = SessionTokens(window, window.training_outage_action, self)  # no keyring: typed in
        self.conflicts = ConflictsDock(self.runner, window, self.outbox, self.incidents.actor, self)
        self.feed_status = FeedStatusView(window, self.sync_controller, self.map, self._notify, self)
        self.overview = OverviewRefresh(self.runner, window.overview, self)
        self.writer = WriterWiring(self.runner, self.startup, self.outbox, self.incidents, self.session_tokens,
                                   self.training_outage, self._notify, self)
        self.situation = SituationController(self)  # the situation strip under the menus and the offline banner
        self.charts = ChartController(self.runner, window, window.ui_settings, self)
        self.alerts = AlertController(self, paths.alert_rules)
        window.finish_layout()  # every dock is in: the operator's saved layout, whole
        self._shut_down = False

        self.startup.sig_store_opened.connect(self._store_opened)
        self.startup.sig_sync_built.connect(self._sync_built)
        self.startup.sig_tiles_opened.connect(self._tiles_opened)
        self.startup.sig_fatal.connect(self.sig_fatal)
        self.startup.sig_declined.connect(self.sig_declined)
        self.startup.sig_notice.connect(self._notify)
        self.overview.sig_refreshed.connect(self.sig_overview_refreshed)
        self.session_tokens.sig_tokens_changed.connect(self._on_session_tokens)
        self.conflicts.sig_show_incident_requested.connect(self._show_refused_incident)
        self.sync_controller.sig_feed_polled.connect(self._on_feed_polled)
        self.runner.sig_task_failed.connect(self._notify)
        window.sig_sync_requested.connect(self.sync_controller.sync_now)
        window.sig_sync_requested.connect(lambda: self.outbox.kick())  # "sync now" also sends queued edits
        window.sig_language_changed.connect(self._on_language_changed)
        window.sig_close_requested.connect(self.shutdown)
        self.map.sig_new_incident_requested.connect(self.incidents.open_intake)
        self.map.sig_incident_selected.connect(self.incidents.show_feature)
        self.incidents.sig_incident_shown.connect(self.map.select_incident)
        self.incidents.sig_local_edit_saved.connect(self._on_local_edit)
        self.outbox.sig_entry_done.connect(self._on_outbox_entry)
        self.outbox.sig_counts_changed.connect(window.connection.set_edits)
        self.outbox.sig_progress.connect(window.connection.set_progress)
        self.training_outage.sig_changed.connect(self._on_training_outage)
        self.training_outage.sig_failed.connect(self._notify)
        window.sig_new_incident_requested.connect(self.incidents.open_intake)
        self.map.sig_station_selected.connect(self._on_station_selected)
        self.charts.sig_incident_requested.connect(self._show_charted_incident)
        self.charts.sig_notice.connect(self._notify)
        self.alerts.sig_notice.connect(self._notify)
        self.conflicts.sig_show_alert_requested.connect(self.alerts.show_alert)  # a refused alert entry's alert
        # Who saw a refusal is a new line in the alert's history (the incident on show reloads after any edit).
        self.conflicts.sig_refusal_acknowledged.connect(
            lambda source: self.alerts.panel.refresh_history() if source == "alert" else None)
        self.alerts.sig_incident_requested.connect(self.incidents.show_incident)
        self.alerts.sig_map_requested.connect(self._show_alert_on_map)
        # After every read of the alerts, the map's alerts layer and the charts' alert markers follow; a click on
        # either selects the alert in the Alerts dock.
        self.alerts.sig_alerts_read.connect(self._show_alerts_on_map_and_charts)
        self.map.sig_alert_selected.connect(self.alerts.show_alert)
        self.charts.sig_alert_requested.connect(self.alerts.show_alert)
        window.sig_offline_area_requested.connect(lambda: self.offline_area.open(window, self.map.view_bbox))
        self.map.sig_map_ready.connect(self.priority.sweep)  # the page's renderer process has just started

    # --- what start-up opened --------------------------------------------------------------------------------------

    @property
    def paths(self) -> DataPaths:
        return self.startup.paths

    @property
    def settings(self) -> Settings | None:
        return self.startup.settings

    @property
    def store(self) -> Store | None:
        return self.startup.store

    @property
    def simulator(self) -> Any:
        return self.startup.simulator

    @property
    def backend(self) -> BackendIdentity | None:
        """The backend the store is bound to, once it is open."""
        return self.startup.backend

    @property
    def store_refusal(self) -> StoreRefusal | None:
        """The open "store belongs to another backend" dialog, if any."""
        return self.startup.store_refusal

    @property
    def conflicts_panel(self) -> ConflictsPanel:
        return self.conflicts.conflicts_panel

    @property
    def refused_panel(self) -> RefusedEditsPanel:
        return self.conflicts.refused_panel

    @property
    def conflict_actions(self) -> ConflictActions | None:
        return self.conflicts.actions

    # --- start-up --------------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.priority.start()
        self.startup.start()
        self.feed_status.start()
        self.map.start()

    def _store_opened(self, startup: Startup) -> None:
        settings, store = startup.settings, startup.store
        self.feed_status.restore(startup.states)
        demo = settings.mode == "demo"
        self.window.set_mode_text(t("โหมดสาธิต/ฝึกอบรม", "Demo / training") if demo else t("ข้อมูลจริง", "Live"))
        self._notify(t(f"คลังข้อมูล: {store.path}", f"Store: {store.path}"))
        self.overview.set_store(store)
        self.charts.set_store(store)
        self.map.set_store(store)
        self.incidents.set_policy(settings.sla_policy())
        self.areas.restore(settings.map_areas, self.paths.settings_file)  # before the queue's first load
        self.incidents.set_store(store)
        actions = self.conflicts.set_store(store)
        actions.sig_conflict_resolved.connect(lambda *_: self.incidents.schedule_reload())

    def _sync_built(self, sync: SyncService) -> None:
        flow = self.startup
        if flow.settings is not None and flow.settings.mode == "demo":
            if flow.simulator is not None:
                self.training_outage.set_simulator(flow.simulator.url, flow.simulator.tokens["supervisor"])
            else:
                self.training_outage.set_simulator(flow.simulator_url, self.session_tokens.token("supervisor"))
            self.session_tokens.set_simulator(flow.simulator_url if flow.simulator is None else None)
        self.writer.rebuild()
        self.map.set_feeds(sync.specs)
        assert flow.store is not None
        self.sync_controller.start(sync, flow.store)
        self.feed_status.render()
        self.sig_ready.emit()

    def _on_session_tokens(self) -> None:
        """Tokens typed in for a standalone simulator: the Open311 reads go as staff from now on (reporters come)."""
        from services.sync.staff_token import OPEN311_READ_TOKEN, least_privileged

        sync = self.sync_controller.sync
        if sync is not None:
            sync.set_secret(OPEN311_READ_TOKEN, least_privileged(self.session_tokens.tokens))

    def _tiles_opened(self, service: Any, attribution: str) -> None:
        self.map.set_basemap(attribution, service.tile)
        self.offline_area.set_tile_service(service)
        # Offline (or the tile server unreachable), selecting an incident zooms in no deeper than the basemap saved
        # there.
        def offline() -> bool:
            fetcher = service.fetcher
            return self.window.connection.state == "offline" or fetcher is None or fetcher.paused_for() > 0

        self.map.set_zoom_cap(service.zoom_cap_at, offline)

    # --- results ---------------------------------------------------------------------------------------------------

    def _on_feed_polled(self, state: FeedState) -> None:
        """A poll is stored: redraw what its feed's spec says its data changes."""
        self.feed_status.polled(state)
        sync = self.sync_controller.sync
        spec = sync.spec(state.feed) if sync is not None else None
        if spec is None:
            return
        if spec.map_layers:
            self.map.schedule_refresh(spec.map_layers)
        if spec.overview:
            self.overview.schedule(spec.overview)
        if spec.charts:
            self.charts.schedule(spec.charts)
        if "incidents" in spec.map_layers or (spec.incident_timelines and state.records_last
                                              and not state.consecutive_failures):
            self.incidents.schedule_reload()  # the queue lists what the layer shows; the detail its timeline
        if spec.ingest == "ingest_services":
            self.incidents.reload_categories()
        if feed_lane(state.feed) == "backend" and not state.consecutive_failures:
            self.outbox.reconnected()  # the backend answers again: send queued edits now, not after the backoff

    def _on_local_edit(self) -> None:
        self.outbox.refresh_counts()
        self.outbox.kick()
        self.map.schedule_refresh(["incidents"])
        self.overview.schedule(["counts"])
        self.charts.schedule(["incidents"])

    def _on_outbox_entry(self, kind: str) -> None:
        if kind == "conflict" and self.conflicts.actions is not None:
            self.conflicts.actions.refresh()
        if kind in ("sent", "merged", "conflict", "rejected"):
            self.incidents.schedule_reload()
            self.map.schedule_refresh(["incidents"])
            self.overview.schedule(["counts"])

    def _show_refused_incident(self, incident_id: int) -> None:
        self.incidents.show_incident(incident_id)
        dock = self.window.dock("incidentDetail")
        dock.show()
        dock.raise_()

    def _on_training_outage(self, cut: bool) -> None:
        self._notify(t("ฝึกซ้อม: ตัดการเชื่อมต่อแล้ว — ทำงานต่อได้ การแก้ไขจะรอส่ง",
                       "Training: network cut off — keep working, edits wait to be sent") if cut else
                     t("ฝึกซ้อม: เชื่อมต่อแล้ว กำลังซิงก์", "Training: network restored, syncing"))
        self.sync_controller.sync_now()  # the status bar follows at once, not at each feed's next poll
        if not cut:
            self.outbox.reconnected()

    def _on_station_selected(self, layer: str, code: str) -> None:
        # Station details live in the situation dock (its chart comes with the charts panel): bring it forward.
        dock = self.window.dock("overview")
        dock.show()
        dock.raise_()
        self.window.overview.select_station(layer, code)
        self.charts.add_station(layer, code)

    def _show_alerts_on_map_and_charts(self) -> None:
        alerts = self.alerts.alerts()
        self.map.set_alerts(alerts, self.alerts.rules)
        self.charts.set_alerts(alerts)

    def _show_alert_on_map(self, alert: Any) -> None:
        # A station or gauge is selected as a click on it would (its layer shown, the map pans there); any other
        # place is framed.
        layer = {"station": "air", "gauge": "river"}.get(alert.scope_kind)
        if layer is not None and self.map.view is not None:
            self.map.view.set_layer_visible(layer, True)
            self.map.view.select(layer, alert.scope_key)
        elif alert.lat is not None and alert.lon is not None and self.map.view is not None:
            span = ALERT_FRAME_DEG
            self.map.view.fit((alert.lon - span, alert.lat - span, alert.lon + span, alert.lat + span))

    def _show_charted_incident(self, incident_id: int) -> None:
        # The operator clicked an incident on a chart: the queue and the map select it (the map pans there).
        self.incidents.show_incident(incident_id)

    def _on_language_changed(self, language: str) -> None:
        self.map.set_language(language)
        self.charts.retranslate()
        self.conflicts.retranslate()
        self.feed_status.render()

    def refresh_overview(self) -> None:
        """Reload the whole overview now."""
        if not self._shut_down:
            self.overview.refresh()

    def feed_rows(self) -> list[FeedStatusRow]:
        """The feed status table's rows as of now."""
        return self.feed_status.rows()

    def _notify(self, message: str) -> None:
        self.window.activity.say(message)

    # --- shutdown --------------------------------------------------------------------------------------------------

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop polling and sending; let queued database work (an edit being committed) finish, waiting up to
        ``timeout``; close the store. Network calls still running after a short grace are abandoned, so a hanging
        server cannot hold the process: an outbox entry being sent stays pending and goes again next time, with
        the same idempotency key."""
        if self._shut_down:
            return
        self._shut_down = True
        flow = self.startup
        flow.close()
        self.map.shutdown()
        self.incidents.shutdown()
        self.situation.shutdown()
        self.alerts.shutdown()
        self.outbox.shutdown()
        self.offline_area.shutdown()
        self.feed_status.stop()
        self.priority.stop()
        self.overview.stop()
        self.charts.stop()
        self.sync_controller.stop()
        sync = self.sync_controller.sync
        if sync is not None:
            sync.cancel()
        if flow.simulator is not None:
            # First: stopping cuts its open connections, so calls waiting on it end now instead of being abandoned.
            flow.simulator.stop()
        finished = self.runner.shutdown(timeout)
        if flow.store is not None and finished:
            flow.store.close()  # the database worker has exited, so no other thread holds the store now
        if sync is not None:
            sync.close()
        if flow.tiles is not None and finished and "tiles" not in self.runner.abandoned_lanes:
            flow.tiles.close()  # only when no tile call still uses its cache file
