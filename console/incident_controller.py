"""Wires the incident queue and detail panel to the store (database worker) and the workflow rules; the intake
dialog (console.intake_flow) and the links (console.incident_links_flow) run through it.

Every edit is recorded locally first (row + timeline event + outbox entry in one FULL-synchronous commit) and then
the outbox controller sends it. The acting role decides which actions are enabled; the workflow rules check again
on the worker, and the backend checks a third time.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QLabel

from console.incident_links_flow import IncidentLinksFlow
from console.intake_flow import IntakeFlow
from console.main_window import MainWindow
from console.queue_position import QueuePosition
from console.task_runner import TaskRunner, first_imports
from services import workflow
from services.districts import districts
from services.sla import SlaPolicy
from widgets.failure_text import describe_refusal
from widgets.i18n import t
from widgets.incident_detail_panel import IncidentDetailPanel
from widgets.incident_intake_dialog import IncidentIntakeDialog
from widgets.incident_queue_model import IncidentQueueModel
from widgets.incident_queue_panel import IncidentQueuePanel
from widgets.incident_rows import QueueFilterData, category_label, set_category_names
from widgets.staggered_timer import StaggeredTimer

if TYPE_CHECKING:
    from services.incident_queries import DetailLoad, QueueLoad
    from services.store.store import Store

log = logging.getLogger(__name__)

ROLES = ("operator", "supervisor", "viewer")
QUEUE_REFRESH_MS = 800
ESCALATION_CHECK_MS = 60_000  # SLA breaches are escalated within a minute


# Database worker: the use cases (services.incident_queries / incident_actions) load the store and the workflow, so
# they are imported there, the first time one runs.
def _load_queue(store: Store, data: QueueFilterData, sort: tuple[str, bool]) -> QueueLoad:
    with first_imports():
        from services.incident_queries import load_queue
        from services.store.incident_rows import QueueFilter, QueueSort
    return load_queue(store, QueueFilter(**asdict(data)), QueueSort(*sort))


def _load_detail(store: Store, incident_id: int, role: str, policy: SlaPolicy) -> DetailLoad:
    with first_imports():
        from services.incident_queries import load_detail
    return load_detail(store, incident_id, role, policy)


def _find_incident(store: Store, feature_id: str) -> int | None:
    with first_imports():
        from services.incident_queries import find_incident
    return find_incident(store, feature_id)


def _apply_action(store: Store, incident_id: int, action: str, params: dict[str, Any], role: str, actor: str,
                  policy: SlaPolicy) -> None:
    with first_imports():
        from services.incident_actions import apply_action
    apply_action(store, incident_id, action, params, role, actor, policy)


def _attach_file(store: Store, incident_id: int, kind: str, path: Path, actor: str) -> int:
    with first_imports():
        from services.incident_actions import attach_file
    return attach_file(store, incident_id, kind, path, actor)


def _split_incident(store: Store, merged_id: int, actor: str, role: str) -> int:
    with first_imports():
        from services.incident_actions import split_incident
    return split_incident(store, merged_id, actor, role)


def _district_choices() -> list[tuple[str, str, str]]:
    return [(d.code, d.name_th, d.name_en) for d in districts()]  # both: the queue names them in the UI language


class IncidentController(QObject):
    """Queue, detail and intake for one window."""

    sig_local_edit_saved = Signal()
    """A local edit was committed (the outbox has something to send)."""

    sig_incident_shown = Signal(str)
    """The operator asked for an incident (a click in the queue or on the map, a linked incident, "Show on map", a new
    one taken in) and the detail panel shows it: its map feature id (server id, or ``local-N`` before it is synced).
    The map selects it and pans there. Background refreshes (polls, edits sent, F5) never emit it."""

    sig_queue_loaded = Signal()
    """The queue shows the store's incidents as they were a moment ago (after a filter change, a poll or an edit)."""

    def __init__(self, runner: TaskRunner, window: MainWindow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._window = window
        self._store: Store | None = None
        self._policy: SlaPolicy | None = None
        self._filter = QueueFilterData()
        self._sort = ("triage", False)  # breached first, then priority, then oldest (services.store.incident_queue)
        self._shown_id: int | None = None
        # A detail load the operator asked for ("queue", "map" or "user"): when it lands the panel comes forward.
        # None: a background refresh, shown in place (nothing raised, selected or panned).
        self._focus: str | None = None
        self._detail_shown: tuple[Any, frozenset[str]] | None = None  # what the panel shows (to skip no-op redraws)
        self._new_list = False  # a reload the operator asked for (filter, sort): a new list starts at its top
        self._category_codes: list[str] = []  # the backend's categories, in its order
        self._user = getpass.getuser() or "operator"
        self._closed = False
        self.role = "operator"

        self.model = IncidentQueueModel(self._fetch_rows, self)
        self.queue = IncidentQueuePanel(self.model, window, current_user=self.actor())
        self.detail = IncidentDetailPanel(window)
        self.role_combo = QComboBox(window)
        self._role_label = QLabel(window)
        self._refresh_timer = QTimer(self, singleShot=True, interval=QUEUE_REFRESH_MS)
        self._escalation_timer = StaggeredTimer(self, ESCALATION_CHECK_MS)
        self._feature_shown: str | None = None

        for role in ROLES:
            self.role_combo.addItem(role, role)
        self.role_combo.setObjectName("roleCombo")
        # In the status bar, by the mode: a toolbar row of its own took the map a line of height at 1366×768.
        window.add_status_control(self._role_label, self.role_combo)
        # The queue in front of Feed status (triage first), unless the operator's saved layout says otherwise.
        window.add_dock("incidents", self.queue, Qt.DockWidgetArea.BottomDockWidgetArea, ahead_of="feedStatus",
                        front=True)
        # The detail panel keeps its actions on top and scrolls its tabs itself (no scroll area around it).
        window.add_dock("incidentDetail", self.detail, Qt.DockWidgetArea.RightDockWidgetArea, tab_with="overview")

        self.queue.sig_filter_changed.connect(self._on_filter)
        self.queue.sig_sort_requested.connect(self._on_sort)
        self.queue.sig_incident_selected.connect(lambda incident_id: self.show_incident(incident_id, source="queue"))
        self.detail.sig_action_requested.connect(self._on_action)
        self.detail.sig_comment_requested.connect(lambda i, text: self._on_action(i, "comment", {"text": text}))
        self.detail.sig_attachment_requested.connect(self._on_attachment)
        self.detail.sig_split_requested.connect(self._on_split)
        self.links = IncidentLinksFlow(self)  # the link requests of these widgets
        self._intake = IntakeFlow(self)  # the intake dialog's requests
        self.detail.sig_linked_incident_requested.connect(self.show_incident)
        self.detail.sig_jump_to_map_requested.connect(self._jump_to_map)
        self.detail.sig_attachment_open_requested.connect(self._open_attachment)
        self._escalation_timer.timeout.connect(self._escalate)
        self.role_combo.currentIndexChanged.connect(self._on_role_changed)
        self._refresh_timer.timeout.connect(self.reload_queue)
        window.sig_language_changed.connect(lambda _l: self.retranslate())
        self.retranslate()

    def _run_db(self, fn: Any, *args: Any, **kw: Any) -> None:
        # Timers and late page requests may still fire while the window closes: after shutdown they do nothing.
        if not self._closed:
            self._runner.run_db(fn, *args, **kw)

    def shutdown(self) -> None:
        self._closed = True
        self._refresh_timer.stop()
        self._escalation_timer.stop()
        self.links.shutdown()
        self._intake.close()

    # What the link flow (console.incident_links_flow) uses of this controller.
    @property
    def store(self) -> Store | None:
        return self._store

    @property
    def window(self) -> MainWindow:
        return self._window

    def run_db(self, fn: Any, *args: Any, **kw: Any) -> None:
        self._run_db(fn, *args, **kw)

    def edited(self, incident_id: int) -> None:
        self._edited(incident_id)

    def failed(self, exc: BaseException) -> None:
        self._failed(exc)

    def request_action(self, incident_id: int, action: str, params: dict[str, Any]) -> None:
        self._on_action(incident_id, action, params)

    @property
    def policy(self) -> SlaPolicy:
        """The SLA policy new incidents and actions take (the standard one until the settings give theirs)."""
        if self._policy is None:
            self._policy = SlaPolicy()
        return self._policy

    def actor(self) -> str:
        """Who edits now, as the timeline records it: the workstation user and the acting role."""
        return workflow.actor_label(self._user, self.role)

    def retranslate(self) -> None:
        self._role_label.setText(t(" ทำงานในบทบาท: ", " Acting as: "))
        labels = {"operator": t("เจ้าหน้าที่", "operator"), "supervisor": t("หัวหน้าเวร", "supervisor"),
                  "viewer": t("ผู้ดูข้อมูล", "viewer")}
        for index, role in enumerate(ROLES):
            self.role_combo.setItemText(index, labels[role])
        self._window.dock("incidents").setWindowTitle(t("คิวเหตุการณ์", "Incident queue"))
        self._window.dock("incidentDetail").setWindowTitle(t("รายละเอียดเหตุการณ์", "Incident detail"))
        self.queue.retranslate()
        self.detail.retranslate()
        self._show_categories()

    # --- store -----------------------------------------------------------------------------------------------------

    def set_policy(self, policy: SlaPolicy) -> None:
        """The SLA policy from the settings (targets per category × priority)."""
        self._policy = policy

    def set_store(self, store: Store) -> None:
        self._store = store
        self.reload_queue()
        self._escalation_timer.start()
        QTimer.singleShot(0, self._escalate)
        self._run_db(_district_choices, on_done=self.queue.set_districts)
        self.reload_categories()

    def reload_categories(self) -> None:
        if self._store is not None:
            self._run_db(self._store.service_definitions, key="incident-categories", on_done=self._categories_loaded)

    def _categories_loaded(self, definitions: list[Any]) -> None:
        """The backend's categories, named in both languages: every widget names them in the UI language."""
        set_category_names(definitions)
        self._category_codes = [d.service_code for d in definitions]
        self._show_categories()

    def _show_categories(self) -> None:
        self.queue.set_categories([(code, category_label(code)) for code in self._category_codes])
        self.model.retranslate()  # the category column

    def schedule_reload(self) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def reload_queue(self) -> None:
        if self._store is None:
            return
        self._run_db(_load_queue, self._store, self._filter, self._sort, on_done=self._queue_loaded,
                     key="incident-queue")

    def _queue_loaded(self, loaded: QueueLoad) -> None:
        """A reload lands in place (console.queue_position): the selected row stays selected, the rows the operator
        looks at stay on screen, and the detail panel refreshes without coming forward."""
        position = QueuePosition.capture(self.queue, self.model)
        new_list, self._new_list = self._new_list, False
        self.model.set_ids(loaded.ids, loaded.first_rows)
        position.restore(self.queue, self.model, new_list=new_list)
        self.sig_queue_loaded.emit()
        self.refresh_detail()

    def _fetch_rows(self, ids: list[int], done: Any) -> None:
        if self._store is None:
            return
        self._run_db(self._store.incident_rows, list(ids), on_done=done, key="incident-rows")

    def _on_filter(self, data: QueueFilterData) -> None:
        self._filter = data
        self._new_list = True
        self.reload_queue()

    def _on_sort(self, column: str, descending: bool) -> None:
        self._sort = (column, descending)
        self._new_list = True
        self.reload_queue()

    # --- detail ----------------------------------------------------------------------------------------------------

    def show_incident(self, incident_id: int, *, source: str = "user") -> None:
        """The operator asked for this incident: the detail panel shows it and comes forward, the queue selects its row
        (unless ``source`` is "queue": the click was there) and the map pans to it (``sig_incident_shown``)."""
        if self._store is None:
            return
        self._shown_id = incident_id
        self._focus = source
        self._load_detail()

    def refresh_detail(self) -> None:
        """Reload the incident on show (after a poll, an edit, a role change) and update the panel in place if it
        changed: the dock is not raised, the queue's selection and the map's view stay as the operator left them."""
        if self._shown_id is not None:
            self._load_detail()

    def _load_detail(self) -> None:
        if self._store is None or self._shown_id is None:
            return
        # One key for both kinds: the latest load wins, and a pending request of the operator's stays in ``_focus``.
        self._run_db(_load_detail, self._store, self._shown_id, self.role, self.policy, on_done=self._detail_loaded,
                     on_error=self._detail_failed, key="incident-detail")

    def _detail_failed(self, exc: BaseException) -> None:
        focus, self._focus = self._focus, None
        if focus is not None:
            self._failed(exc)
        else:
            log.warning("the incident on show could not be reloaded: %s", exc)

    def _detail_loaded(self, loaded: DetailLoad) -> None:
        focus, self._focus = self._focus, None
        row = loaded.detail.row
        shown = (loaded.detail, frozenset(loaded.allowed))
        if focus is not None or shown != self._detail_shown:
            self.detail.show_incident(loaded.detail, loaded.allowed, loaded.sla, loaded.refusals)
            self._detail_shown = shown
        self._feature_shown = row.server_id or f"local-{row.id}"
        if focus is None:
            return
        dock = self._window.dock("incidentDetail")
        dock.show()
        dock.raise_()
        if focus != "queue":
            self.queue.select_incident(row.id)
        self.sig_incident_shown.emit(self._feature_shown)

    def _jump_to_map(self, _incident_id: int) -> None:
        if self._feature_shown is not None:
            self.sig_incident_shown.emit(self._feature_shown)  # the map selects it and pans there

    def _open_attachment(self, attachment_id: int) -> None:
        if self._store is None:
            return
        from widgets.attachment_viewer import AttachmentViewer

        self._run_db(self._store.attachment_data, attachment_id, on_error=self._failed,
                     on_done=lambda data: AttachmentViewer(t("ไฟล์แนบ", "Attachment"), data, self._window).show())

    def _escalate(self) -> None:
        if self._store is None:
            return
        self._run_db(self._store.escalate_breaches, datetime.now(UTC), on_done=self._escalated, key="escalation")

    def _escalated(self, ids: list[int]) -> None:
        if not ids:
            return
        log.warning("SLA breached: %d incident(s) escalated to the shift supervisor: %s", len(ids), ids[:20])
        self._window.activity.say(t(f"เกินกำหนด SLA {len(ids)} เรื่อง: แจ้งหัวหน้าเวรแล้ว",
                                        f"{len(ids)} incident(s) past their SLA: escalated to the shift supervisor"))
        self.schedule_reload()

    def show_feature(self, feature_id: str) -> None:
        """A map click: the feature id is the server id or ``local-N``."""
        if self._store is not None:
            self._run_db(_find_incident, self._store, feature_id,
                         on_done=lambda found: found is not None and self.show_incident(found, source="map"))

    def _on_role_changed(self, _index: int) -> None:
        self.role = self.role_combo.currentData() or "operator"
        self.queue.set_current_user(self.actor())
        self.links.set_role(self.role)
        self.refresh_detail()  # the actions the new role may take, in place

    # --- edits -----------------------------------------------------------------------------------------------------

    def _on_action(self, incident_id: int, action: str, params: Any) -> None:
        if self._store is None:
            return
        params = dict(params or {})
        self._run_db(_apply_action, self._store, incident_id, action, params, self.role, self.actor(),
                     self.policy, on_done=lambda _r: self._edited(incident_id),
                     on_error=lambda exc: self._action_failed(incident_id, action, params, exc))

    def _action_failed(self, incident_id: int, action: str, params: dict[str, Any], exc: BaseException) -> None:
        if getattr(exc, "code", None) == "children":  # a major incident with open children: ask what happens to them
            self.links.ask_children(incident_id, action, params)
            return
        self._failed(exc)

    def _on_attachment(self, incident_id: int, kind: str, path: str) -> None:
        if self._store is None:
            return
        self._run_db(_attach_file, self._store, incident_id, kind, Path(path), self.actor(),
                     on_done=lambda _r: self._edited(incident_id), on_error=self._failed)

    def _on_split(self, merged_id: int) -> None:
        if self._store is None:
            return
        self._run_db(_split_incident, self._store, merged_id, self.actor(), self.role, on_done=self._edited,
                     on_error=self._failed)

    def _edited(self, incident_id: int) -> None:
        self.sig_local_edit_saved.emit()
        self.reload_queue()  # and with it the incident on show, in place
        if incident_id != self._shown_id:  # a new incident taken in, one split out: the operator's result, shown
            self.show_incident(incident_id)

    def _failed(self, exc: BaseException) -> None:
        log.warning("incident edit refused or failed: %s", exc)
        message = describe_refusal(exc)
        self._window.activity.say(t(f"ทำรายการไม่ได้: {message}", f"Not done: {message}"))
        self._intake.show_error(message)

    # --- intake ----------------------------------------------------------------------------------------------------

    def open_intake(self, lat: float | None = None, lon: float | None = None, *,
                    prefill: dict[str, Any] | None = None, on_saved: Callable[[int], None] | None = None) -> None:
        """Open the intake form (at ``lat``/``lon``; filled from ``prefill``, IncidentIntakeDialog.prefill's
        arguments). ``on_saved`` is told the id of the incident the report became: the new one, or the one it was
        merged into."""
        self._intake.open(lat, lon, prefill=prefill, on_saved=on_saved)

    @property
    def intake(self) -> IncidentIntakeDialog | None:
        return self._intake.dialog
