"""Training: cut the simulator's network off and restore it, to rehearse an outage at a real workstation.

In demo mode the *Sync* menu gets a checkable "cut the network off" action. Checking it asks the simulator (embedded
or standalone) for a ``down`` fault on every feed and write — the console then sees exactly what a dead network looks
like — and unchecking removes that one fault (a trainer's other faults stay), then syncs at once.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from console.task_runner import TaskRunner
from console.worker_imports import load
from widgets.i18n import t

log = logging.getLogger(__name__)


def set_network_cut(base_url: str, cut: bool, fault_id: int | None) -> int | None:
    """Network pool: cut the network off (returns the fault's id) or restore it (returns None)."""
    control = load("services.simulator.control_client")
    if cut:
        return control.cut_network(base_url)
    if fault_id is not None:
        control.restore_network(base_url, fault_id)
    return None


class TrainingOutage(QObject):
    """Owns the menu action; ``sig_changed(cut)`` after the simulator has taken the change."""

    sig_changed = Signal(bool)
    sig_failed = Signal(str)

    def __init__(self, runner: TaskRunner, action: QAction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._action = action
        self._base_url: str | None = None
        self._fault_id: int | None = None
        self._busy = False
        action.toggled.connect(self._toggled)

    @property
    def cut(self) -> bool:
        return self._fault_id is not None

    def set_simulator(self, base_url: str | None) -> None:
        """The simulator to control (None in live mode: the action stays hidden)."""
        self._base_url = base_url
        self._action.setVisible(base_url is not None)

    def _toggled(self, cut: bool) -> None:
        if self._base_url is None or self._busy or cut == self.cut:
            return
        self._busy = True
        self._action.setEnabled(False)
        self._runner.run_net(set_network_cut, self._base_url, cut, self._fault_id,
                             on_done=lambda fault_id: self._done(cut, fault_id), on_error=self._failed)

    def _done(self, cut: bool, fault_id: int | None) -> None:
        self._busy = False
        self._fault_id = fault_id
        self._action.setEnabled(True)
        log.info("training: network %s", "cut off" if cut else "restored")
        self.sig_changed.emit(cut)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self._action.setEnabled(True)
        self._action.blockSignals(True)
        self._action.setChecked(self.cut)
        self._action.blockSignals(False)
        self.sig_failed.emit(t(f"ควบคุมระบบจำลองไม่ได้: {exc}", f"The simulator did not take the change: {exc}"))
