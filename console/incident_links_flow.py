"""Links on the console: merges, splits, related peers and major incidents from the queue, the detail panel (which
also serves the incident selected on the map) and the intake's duplicate list; and closing a major incident that
still has open children, which asks the operator first.

Every request runs the use case (services.incident_actions.link_incidents) on the database worker: the link rules
for the acting role, then the rows, events and one outbox entry in one commit; the outbox controller sends it.
A close refused for want of a choice (WorkflowError code "children") opens :class:`CloseParentDialog`; the choice
goes back with the action and onto the timeline.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt

from console.task_runner import first_imports
from services import workflow
from widgets.close_parent_dialog import CloseParentDialog
from widgets.incident_queue_links import QueueLinkMenu

if TYPE_CHECKING:
    from console.incident_controller import IncidentController
    from services.store.store import Store

log = logging.getLogger(__name__)


# Database worker: the use cases load the store and the workflow, imported there the first time one runs.
def _link(store: Store, action: str, target: int, others: list[int], role: str, actor: str) -> int:
    with first_imports():
        from services.incident_actions import link_incidents
    link_incidents(store, action, target, others, role, actor)
    return target


def _attach_to(store: Store, incident_id: int, parent_ref: str, role: str, actor: str) -> int:
    """Attach ``incident_id`` to the major incident the operator typed (promoting it first when it is not one)."""
    with first_imports():
        from services.incident_actions import link_incidents
        from services.incident_queries import resolve_incident
    parent = resolve_incident(store, parent_ref)
    if parent is None:
        raise workflow.WorkflowError("value", f"no incident numbered {parent_ref.strip()[:40]}")
    view = store.link_views([parent])[parent]
    link_incidents(store, "attach" if view.major else "promote", parent, [incident_id], role, actor)
    return incident_id


def _open_children(store: Store, incident_id: int) -> tuple[str, list[str]]:
    """A major incident's number and those of its children still open (as the dialog names them)."""
    detail = store.incident_detail(incident_id)
    return str(detail.row.server_id or detail.row.id), [str(link.other_server_id or link.other_id)
                                                         for link in detail.child_links
                                                         if workflow.is_open(link.other_state)]


class IncidentLinksFlow(QObject):
    """The link requests of one window's incident widgets, and the close-a-major-incident question."""

    def __init__(self, incidents: IncidentController) -> None:
        super().__init__(incidents)
        self._incidents = incidents
        self.queue_menu = QueueLinkMenu(incidents.queue.table, self)
        self.dialog: CloseParentDialog | None = None
        self.queue_menu.sig_link_requested.connect(self.request)
        incidents.detail.sig_link_requested.connect(self.request)
        incidents.detail.sig_attach_to_requested.connect(self.attach_to)

    def set_role(self, role: str) -> None:
        self.queue_menu.set_enabled(role in workflow.WRITE_ROLES)

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.close()

    def request(self, action: str, target: int, others: list[int]) -> None:
        """A link action (services.workflow.LINK_ACTIONS) on ``target`` with ``others``."""
        store = self._incidents.store
        if store is None:
            return
        self._incidents.run_db(_link, store, action, int(target), [int(o) for o in others], self._incidents.role,
                               self._incidents.actor(), on_done=self._incidents.edited,
                               on_error=self._incidents.failed)

    def attach_to(self, incident_id: int, parent_ref: str) -> None:
        store = self._incidents.store
        if store is None:
            return
        self._incidents.run_db(_attach_to, store, int(incident_id), parent_ref, self._incidents.role,
                               self._incidents.actor(), on_done=self._incidents.edited,
                               on_error=self._incidents.failed)

    # --- closing a major incident ----------------------------------------------------------------------------------

    def ask_children(self, incident_id: int, action: str, params: dict[str, Any]) -> None:
        """The rules refused ``action`` on ``incident_id`` until the operator says what happens to its open children:
        ask (non-blocking), then send the action again with the choice."""
        store = self._incidents.store
        if store is None:
            return
        self._incidents.run_db(_open_children, store, incident_id, on_error=self._incidents.failed,
                               on_done=lambda found: self._show_question(incident_id, action, params, *found))

    def _show_question(self, incident_id: int, action: str, params: dict[str, Any], name: str,
                       names: list[str]) -> None:
        if self.dialog is not None:
            self.dialog.close()
        dialog = CloseParentDialog(name, action, names, self._incidents.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_choice_made.connect(
            lambda choice: self._incidents.request_action(incident_id, action, {**params, "children": choice}))
        dialog.destroyed.connect(lambda: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.show()
