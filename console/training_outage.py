"""Training: cut the simulator's network off and restore it, to rehearse an outage at a real workstation.

In demo mode the *Sync* menu gets a checkable "cut the network off" action. Checking it asks the simulator (embedded
or standalone) for a ``down`` fault on every feed and write — the console then sees exactly what a dead network looks
like — and unchecking removes that one fault (a trainer's other faults stay), then syncs at once.

The simulator's ``/_sim`` routes take only its supervisor token. The embedded simulator hands it over in memory; for
a standalone one it is the token entered for this session (Sync → Enter simulator tokens…) or else the one the
simulator left in the OS keyring, read on the network pool when the switch is used.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from console.task_runner import TaskRunner, first_imports
from services.errors import FeedHTTPError
from widgets.failure_text import describe_failure
from widgets.i18n import t

log = logging.getLogger(__name__)


class SupervisorTokenMissing(Exception):
    """No supervisor token is known for the standalone simulator: none entered, and none in the keyring (or no
    keyring at all: ``keyring_unavailable``)."""

    def __init__(self, *, keyring_unavailable: bool = False) -> None:
        super().__init__("no keyring" if keyring_unavailable else "no supervisor token")
        self.keyring_unavailable = keyring_unavailable


def set_network_cut(base_url: str, token: str | None, cut: bool, fault_id: int | None) -> int | None:
    """Network pool: cut the network off (returns the fault's id) or restore it (returns None). Without ``token``
    the supervisor's token is read from the keyring (raises KeyringUnavailableError when there is none)."""
    with first_imports():
        from services.simulator.control_client import cut_network, restore_network
    if token is None:  # only then: the embedded simulator's console never touches the keyring
        with first_imports():
            from services.credentials import CredentialStore, KeyringUnavailableError, simulator_token_name
        try:
            token = CredentialStore().read(simulator_token_name("supervisor"))
        except KeyringUnavailableError as exc:
            raise SupervisorTokenMissing(keyring_unavailable=True) from exc
        if not token:
            raise SupervisorTokenMissing()
    if cut:
        return cut_network(base_url, token)
    if fault_id is not None:
        restore_network(base_url, token, fault_id)
    return None


def failure_text(exc: BaseException) -> str:
    """What went wrong with the switch, in words for the operator."""
    if isinstance(exc, SupervisorTokenMissing) and exc.keyring_unavailable:
        return t("เครื่องนี้ไม่มีที่เก็บรหัสลับ (keyring): ใส่โทเค็นของระบบจำลองได้ที่ ซิงก์ → ใส่โทเค็นของระบบจำลอง…",
                 "This workstation has no OS keyring: enter the simulator's tokens in Sync → Enter simulator "
                 "tokens…")
    if isinstance(exc, SupervisorTokenMissing) or (isinstance(exc, FeedHTTPError) and exc.status in (401, 403)):
        return t("ระบบจำลองต้องใช้โทเค็นของหัวหน้าเวร: ใส่ได้ที่ ซิงก์ → ใส่โทเค็นของระบบจำลอง…",
                 "The simulator needs its supervisor token: enter it in Sync → Enter simulator tokens…")
    why = describe_failure(exc)
    return t(f"ควบคุมระบบจำลองไม่ได้: {why}", f"The simulator did not take the change: {why}")


class TrainingOutage(QObject):
    """Owns the menu action; ``sig_changed(cut)`` after the simulator has taken the change."""

    sig_changed = Signal(bool)
    """The simulator took the change: the network is now cut off (True) or restored (False)."""
    sig_failed = Signal(str)
    """The change did not happen; why, in words for the operator."""

    def __init__(self, runner: TaskRunner, action: QAction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._action = action
        self._base_url: str | None = None
        self._token: str | None = None
        self._fault_id: int | None = None
        self._busy = False
        action.toggled.connect(self._toggled)

    @property
    def cut(self) -> bool:
        return self._fault_id is not None

    def set_simulator(self, base_url: str | None, token: str | None = None) -> None:
        """The simulator to control (None in live mode: the action stays hidden) and its supervisor token (None: the
        one in the keyring, read when the switch is used)."""
        self._base_url = base_url
        self._token = token
        self._action.setVisible(base_url is not None)

    def set_token(self, token: str | None) -> None:
        """The supervisor token entered for this session (kept in memory only)."""
        self._token = token

    def _toggled(self, cut: bool) -> None:
        if self._base_url is None or self._busy or cut == self.cut:
            return
        self._busy = True
        self._action.setEnabled(False)
        self._runner.run_net(set_network_cut, self._base_url, self._token, cut, self._fault_id, lane="control",
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
        log.warning("training: the simulator did not take the change: %s", exc)
        self.sig_failed.emit(failure_text(exc))
