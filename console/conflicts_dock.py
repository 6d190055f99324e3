"""The Conflicts dock: open conflicts (keep mine / keep theirs / edit) and, under them, the edits the server refused
for good. :class:`ConflictActions` runs the panels' requests on the database worker; :class:`ConflictsDock` builds
the dock and keeps its title's counts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from console.main_window import MainWindow
from console.outbox_controller import OutboxController
from console.task_runner import TaskRunner
from widgets.conflicts_panel import ConflictsPanel
from widgets.i18n import t
from widgets.refused_edits_panel import RefusedEditsPanel

if TYPE_CHECKING:
    from services.store.store import Store

log = logging.getLogger(__name__)


class ConflictActions(QObject):
    """Wires a Conflicts panel to the store: loads open conflicts on the database worker, runs the panel's
    keep-mine / keep-theirs / edit requests there (one transaction each, with the actor), then refreshes the panel
    and kicks the outbox so a resolved edit is sent at once."""

    sig_conflicts_loaded = Signal(int)
    """The panel was given the open conflicts: how many there are (for a status-bar count)."""

    sig_conflict_resolved = Signal(int, str)
    """A person's decision is stored: (outbox id, "keep_mine" | "keep_theirs" | "edit")."""

    sig_refused_loaded = Signal(int)
    """The refused-edits list was given the unacknowledged refusals: how many there are."""

    sig_refusal_acknowledged = Signal(str)
    """A refusal's acknowledgement is stored (its source, "incident" or "alert"): the history or timeline that shows
    it has a new line."""

    def __init__(self, runner: TaskRunner, store: Store, panel: Any, outbox: OutboxController,
                 actor: Callable[[], str], parent: QObject | None = None, refused_panel: Any = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store = store
        self._panel = panel
        self._refused_panel = refused_panel
        self._outbox = outbox
        self._actor = actor
        self._views: dict[int, Any] = {}

        panel.sig_keep_mine_requested.connect(self.keep_mine)
        panel.sig_keep_theirs_requested.connect(self.keep_theirs)
        panel.sig_edit_requested.connect(self.edit)
        if refused_panel is not None:
            refused_panel.sig_acknowledge_requested.connect(self.acknowledge_refusal)
        outbox.sig_entry_done.connect(self._on_entry_done)

    def refresh(self) -> None:
        """Reload the open conflicts and refused edits into the panels (latest wins)."""
        store = self._store
        self._runner.run_db(lambda: (store.open_conflicts(), store.refused_edits()), on_done=self._loaded,
                            key="open-conflicts")

    def acknowledge_refusal(self, source: str, outbox_id: int) -> None:
        """The operator has seen refusal ``outbox_id`` of the ``source`` outbox ("incident" or "alert")."""
        store, actor = self._store, self._actor()
        self._runner.run_db(lambda: store.acknowledge_refusal(outbox_id, actor, source=source),
                            on_done=lambda _r: self._refusal_seen(source), on_error=self._failed)

    def _refusal_seen(self, source: str) -> None:
        self.refresh()
        self._outbox.refresh_counts()
        self.sig_refusal_acknowledged.emit(source)

    def keep_mine(self, outbox_id: int) -> None:
        view = self._views.get(outbox_id)
        version = None if view is None else view.server_version
        self._resolve(outbox_id, "keep_mine", self._store.resolve_keep_mine, outbox_id, version, self._actor())

    def keep_theirs(self, outbox_id: int) -> None:
        self._resolve(outbox_id, "keep_theirs", self._store.resolve_keep_theirs, outbox_id, None, self._actor())

    def edit(self, outbox_id: int, values: dict) -> None:
        view = self._views.get(outbox_id)
        version = None if view is None else view.server_version
        self._resolve(outbox_id, "edit", self._store.resolve_edit, outbox_id, dict(values), version, self._actor())

    def _resolve(self, outbox_id: int, decision: str, fn: Callable[..., None], *args: Any) -> None:
        self._runner.run_db(fn, *args, on_done=lambda _r: self._resolved(outbox_id, decision),
                            on_error=self._failed)

    def _resolved(self, outbox_id: int, decision: str) -> None:
        self.sig_conflict_resolved.emit(outbox_id, decision)
        self.refresh()
        self._outbox.kick()

    def _failed(self, exc: BaseException) -> None:
        # Already resolved elsewhere (another click, another window): the refresh shows what is left.
        log.warning("conflict resolution failed: %s", exc)
        self.refresh()

    def _loaded(self, loaded: tuple[list[Any], list[Any]]) -> None:
        views, refused = loaded
        self._views = {v.outbox_id: v for v in views}
        self._panel.set_conflicts(views)
        if self._refused_panel is not None:
            self._refused_panel.set_refused(refused)
        self.sig_conflicts_loaded.emit(len(views))
        self.sig_refused_loaded.emit(len(refused))

    def _on_entry_done(self, kind: str) -> None:
        if kind in ("conflict", "merged", "rejected"):
            self.refresh()


class ConflictsDock(QObject):
    """The dock with the Conflicts panel and the refused-edits list under it; its title counts both. The actions
    come with the store (:meth:`set_store`)."""

    sig_show_incident_requested = Signal(int)
    """The operator wants to see the incident of a refused edit (its store id)."""
    sig_show_alert_requested = Signal(int)
    """The operator wants to see the alert of a refused alert entry (its store id)."""
    sig_refusal_acknowledged = Signal(str)
    """ConflictActions.sig_refusal_acknowledged of the store's actions."""

    def __init__(self, runner: TaskRunner, window: MainWindow, outbox: OutboxController, actor: Callable[[], str],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._window = window
        self._outbox = outbox
        self._actor = actor
        self._conflicts = self._refused = 0
        self.actions: ConflictActions | None = None
        box = QWidget(window)
        self.conflicts_panel = ConflictsPanel(box)
        self.refused_panel = RefusedEditsPanel(box)

        layout = QVBoxLayout(box)
        layout.addWidget(self.conflicts_panel, 1)
        layout.addWidget(self.refused_panel)
        window.add_dock("conflicts", box, Qt.DockWidgetArea.RightDockWidgetArea, tab_with="overview")
        self.refused_panel.sig_show_incident_requested.connect(self.sig_show_incident_requested)
        self.refused_panel.sig_show_alert_requested.connect(self.sig_show_alert_requested)
        self._title()

    def set_store(self, store: Store) -> ConflictActions:
        """Load the store's conflicts and refusals into the panels and run their requests against it."""
        actions = ConflictActions(self._runner, store, self.conflicts_panel, self._outbox, self._actor, self,
                                  refused_panel=self.refused_panel)
        actions.sig_conflicts_loaded.connect(self._on_conflicts_loaded)
        actions.sig_refused_loaded.connect(self._on_refused_loaded)
        actions.sig_refusal_acknowledged.connect(self.sig_refusal_acknowledged)
        self.actions = actions
        actions.refresh()
        return actions

    def retranslate(self) -> None:
        self.conflicts_panel.retranslate()
        self.refused_panel.retranslate()
        if self.actions is not None:
            self.actions.refresh()  # the rows carry words too
        self._title()

    def _on_conflicts_loaded(self, count: int) -> None:
        self._outbox.refresh_counts()
        self._conflicts = count
        self._title()

    def _on_refused_loaded(self, count: int) -> None:
        self._refused = count
        self._title()

    def _title(self) -> None:
        title = t("ข้อมูลขัดแย้ง", "Conflicts")
        counts = [str(self._conflicts)] if self._conflicts else []
        if self._refused:
            counts.append(t(f"ไม่รับ {self._refused}", f"{self._refused} refused"))
        self._window.dock("conflicts").setWindowTitle(f"{title} ({' · '.join(counts)})" if counts else title)
