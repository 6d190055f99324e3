"""Taking in a report: the intake dialog, its duplicate search and district, and the new incident it becomes (or the
one it is merged into, or a child of a major incident).

The dialog asks by its signals; each request runs the use case (services.incident_queries.duplicates,
services.incident_actions.create_incident) on the database worker. A refused create stays in the dialog with the
reason, so nothing the operator typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox

from console.task_runner import first_imports
from services.districts import nearest_district
from services.sla import SlaPolicy
from widgets.i18n import t
from widgets.incident_intake_dialog import IncidentIntakeDialog

if TYPE_CHECKING:
    from console.incident_controller import IncidentController
    from services.store.store import Store


# Database worker: the use cases load the store and the workflow, imported there the first time one runs.
def _intake_context(store: Store) -> list[Any]:
    with first_imports():
        from services.incident_queries import intake_context
    return intake_context(store)


def _duplicates(store: Store, category: str, lat: float, lon: float) -> Any:
    with first_imports():
        from services.incident_queries import duplicates
    return duplicates(store, category, lat, lon)


def _create_incident(store: Store, draft: Any, actor: str, policy: SlaPolicy, merge_into: int | None,
                     parent: int | None, role: str) -> int:
    with first_imports():
        from services.incident_actions import create_incident
    return create_incident(store, draft, actor, policy, merge_into, parent=parent, role=role)


class IntakeFlow(QObject):
    """The one intake dialog of a window and what its requests do."""

    def __init__(self, incidents: IncidentController) -> None:
        super().__init__(incidents)
        self._c = incidents
        self.dialog: IncidentIntakeDialog | None = None
        self._saved: Callable[[int], None] | None = None  # told the id the open intake's report became

    def open(self, lat: float | None = None, lon: float | None = None, *, prefill: dict[str, Any] | None = None,
             on_saved: Callable[[int], None] | None = None) -> None:
        """See IncidentController.open_intake."""
        store = self._c.store
        if store is None:
            return
        if self._c.role not in ("operator", "supervisor"):
            window = self._c.window
            QMessageBox.information(window, window.windowTitle(),
                                    t("บทบาทผู้ดูข้อมูลรับเรื่องใหม่ไม่ได้", "A viewer cannot take in incidents."))
            return
        self._c.run_db(_intake_context, store, on_done=lambda services: self._show(services, lat, lon, prefill,
                                                                                   on_saved))

    def show_error(self, message: str) -> None:
        """A create was refused: the dialog stays open and says why."""
        if self.dialog is not None:
            self.dialog.show_error(message)

    def close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()

    def _show(self, services: list[Any], lat: float | None, lon: float | None, prefill: dict[str, Any] | None,
              on_saved: Callable[[int], None] | None) -> None:
        self.close()
        district_code = district_name = None
        if lat is not None and lon is not None:
            d = nearest_district(lat, lon)
            district_code, district_name = d.code, t(d.name_th, d.name_en)
        dialog = IncidentIntakeDialog(services, self._c.window, lat=lat, lon=lon, district_code=district_code,
                                      district_name=district_name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if prefill:
            dialog.prefill(**prefill)
        self._saved = on_saved
        dialog.sig_duplicates_requested.connect(self._on_duplicates_requested)
        dialog.sig_district_requested.connect(self._on_district_requested)
        dialog.sig_create_requested.connect(lambda draft: self._create(draft, None))
        dialog.sig_merge_requested.connect(lambda existing, draft: self._create(draft, existing))
        dialog.sig_child_requested.connect(lambda existing, draft: self._create(draft, None, parent=existing))
        dialog.destroyed.connect(lambda: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.show()

    def _on_duplicates_requested(self, category: str, lat: float, lon: float) -> None:
        store = self._c.store
        if store is None:
            return
        self._c.run_db(_duplicates, store, category, lat, lon, key="intake-duplicates",
                       on_done=lambda rows: self.dialog is not None and self.dialog.set_duplicates(
                           rows, category=category, lat=lat, lon=lon))

    def _on_district_requested(self, lat: float, lon: float) -> None:
        d = nearest_district(lat, lon)
        if self.dialog is not None:
            self.dialog.set_district(d.code, t(d.name_th, d.name_en))

    def _create(self, draft: Any, merge_into: int | None, *, parent: int | None = None) -> None:
        store = self._c.store
        if store is None:
            return
        self._c.run_db(_create_incident, store, draft, self._c.actor(), self._c.policy, merge_into, parent,
                       self._c.role, on_done=lambda new_id: self._created(new_id, merge_into),
                       on_error=self._c.failed)

    def _created(self, new_id: int, merged_into: int | None) -> None:
        if self.dialog is not None:
            self.dialog.accept()
        saved, self._saved = self._saved, None
        if saved is not None:
            saved(merged_into if merged_into is not None else new_id)
        self._c.edited(new_id)
