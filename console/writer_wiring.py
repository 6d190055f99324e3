"""The outbox's writer: built on the control lane for the acting role (services.writer_setup), rebuilt when the role
changes or the operator enters a standalone simulator's tokens, and handed to the outbox controller. Without
credentials the writer is None and edits wait on this workstation; the status bar says why and how to fix it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from console.incident_controller import IncidentController
from console.outbox_controller import OutboxController
from console.session_tokens import SessionTokens
from console.startup_flow import StartupFlow
from console.task_runner import TaskRunner, first_imports
from console.training_outage import TrainingOutage
from widgets.failure_text import describe_failure
from widgets.i18n import t

log = logging.getLogger(__name__)


def _build_writer(settings: Any, simulator: Any, role: str, simulator_url: str | None,
                  session_tokens: dict[str, str]) -> Any:
    with first_imports():
        from services.writer_setup import build_writer
    return build_writer(settings, simulator, role, simulator_url, session_tokens)


class WriterWiring(QObject):
    """Builds the writer for the acting role and gives it to the outbox (which starts draining with the first)."""

    def __init__(self, runner: TaskRunner, startup: StartupFlow, outbox: OutboxController,
                 incidents: IncidentController, session_tokens: SessionTokens, training_outage: TrainingOutage,
                 notify: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._startup = startup
        self._outbox = outbox
        self._incidents = incidents
        self._session_tokens = session_tokens
        self._training_outage = training_outage
        self._notify = notify
        self._outbox_started = False

        incidents.role_combo.currentIndexChanged.connect(lambda _i: self.rebuild())
        session_tokens.sig_tokens_changed.connect(self._on_session_tokens)

    def rebuild(self) -> None:
        """Build the writer for the acting role (latest wins); the outbox keeps the old one until then."""
        flow = self._startup
        if flow.settings is None or flow.store is None or flow.closed:
            return
        self._outbox.set_role(self._incidents.role)
        self._runner.run_net(_build_writer, flow.settings, flow.simulator, self._incidents.role, flow.simulator_url,
                             self._session_tokens.tokens, lane="control", on_done=self._built,
                             on_error=self._failed, key="outbox-writer")

    def _built(self, writer: Any) -> None:
        if self._startup.closed:
            if writer is not None:
                writer.close()
            return
        if writer is None:
            secret = f"simulator-token-{self._incidents.role}" if self._startup.simulator_url else "open311-token"
            self._notify(t(f"ยังไม่มีสิทธิ์ส่งข้อมูลเข้าระบบ (pao-console secret set {secret}): "
                           "การแก้ไขถูกเก็บไว้ในเครื่อง",
                           f"No backend credentials (pao-console secret set {secret}): edits are kept on this "
                           "workstation until there are"))
        self._use(writer)

    def _failed(self, exc: BaseException) -> None:
        # Loaded already by the worker that raised it: this import costs the UI thread nothing.
        from services.credentials import KeyringUnavailableError

        if self._startup.closed:
            return
        if not isinstance(exc, KeyringUnavailableError):
            log.error("the outbox writer could not be built: %s", exc)
            why = describe_failure(exc)
            self._notify(t(f"ส่งการแก้ไขไม่ได้: {why}", f"Edits cannot be sent: {why}"))
        elif self._startup.simulator_url:  # `pao-console secret set` cannot work here: offer the supported way
            self._notify(t("เครื่องนี้ไม่มีที่เก็บรหัสลับ (keyring): ใส่โทเค็นที่ระบบจำลองพิมพ์ไว้ "
                           "(ซิงก์ → ใส่โทเค็นของระบบจำลอง…) การแก้ไขถูกเก็บไว้ในเครื่องจนกว่าจะใส่",
                           "No OS keyring on this workstation: enter the tokens the simulator printed (Sync → Enter "
                           "simulator tokens…); edits are kept on this workstation until then"))
            self._session_tokens.offer()
        else:
            self._notify(t("เครื่องนี้ไม่มีที่เก็บรหัสลับ (keyring) จึงอ่านสิทธิ์ส่งข้อมูลไม่ได้: "
                           "การแก้ไขถูกเก็บไว้ในเครื่อง",
                           "No OS keyring on this workstation, so the backend token cannot be read: edits are kept "
                           "on this workstation"))
        self._use(None)

    def _on_session_tokens(self) -> None:
        self._training_outage.set_token(self._session_tokens.token("supervisor"))
        self.rebuild()

    def _use(self, writer: Any) -> None:
        if self._outbox_started:
            self._outbox.set_writer(writer)
        elif self._startup.store is not None:
            self._outbox_started = True
            self._outbox.start(self._startup.store, writer)
