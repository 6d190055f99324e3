"""When start-up refuses the store because it belongs to another backend: the dialog, and its choices run on the
database worker. ``sig_retry`` asks the controller to start again (the store was set aside or adopted);
``sig_quit`` closes the console with the store untouched."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from console.task_runner import TaskRunner, first_imports
from widgets.backend_words import describe_backend, how_to_open
from widgets.i18n import t
from widgets.store_refusal_dialog import StoreRefusalDialog

if TYPE_CHECKING:
    from services.backend_identity import BackendIdentity
    from services.errors import StoreBindingError
    from services.paths import DataPaths

log = logging.getLogger(__name__)


# Database worker: services.startup is imported already (start-up raised the refusal from there).
def _export(paths: DataPaths, target: Path) -> int:
    with first_imports():
        from services import startup
    return startup.export_unsent_edits(paths, target)


def _set_aside(paths: DataPaths) -> Path:
    with first_imports():
        from services import startup
    return startup.set_store_aside(paths)


def _adopt(paths: DataPaths, identity: BackendIdentity) -> None:
    with first_imports():
        from services import startup
    startup.adopt_store(paths, identity)


class StoreRefusal(QObject):
    """Owns the dialog for one refusal."""

    sig_retry = Signal()
    """The store was set aside or adopted: start up again."""

    sig_quit = Signal()
    """The operator chose to close the console; the store is as it was."""

    def __init__(self, runner: TaskRunner, paths: DataPaths, error: StoreBindingError, parent_widget: QWidget,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        wanted: Any = error.wanted
        self._wanted = wanted
        self._paths = paths.with_mode(wanted.mode)
        stored: Any = error.stored
        self.dialog = StoreRefusalDialog(
            parent_widget, stored=None if stored is None else describe_backend(stored),
            wanted=describe_backend(wanted), unsent=error.unsent, incidents=error.incidents,
            store_path=str(self._paths.database), how_to_open_stored=how_to_open(stored))
        self.dialog.sig_export_requested.connect(self._export)
        self.dialog.sig_set_aside_requested.connect(self._set_aside)
        self.dialog.sig_adopt_requested.connect(self._adopt)
        self.dialog.sig_quit_requested.connect(self._quit)
        self._done = False

    def show(self) -> None:
        self.dialog.open()

    def _export(self, target: str) -> None:
        self.dialog.set_busy(True)
        self._runner.run_db(_export, self._paths, Path(target),
                            on_done=lambda n: self._answer(t(f"ส่งออกการแก้ไข {n} รายการไปที่ {target} แล้ว",
                                                             f"{n} edits exported to {target}")),
                            on_error=lambda exc: self._answer(t(f"ส่งออกไม่ได้: {exc}", f"Export failed: {exc}")))

    def _set_aside(self) -> None:
        self.dialog.set_busy(True)
        self._runner.run_db(_set_aside, self._paths, on_done=self._moved,
                            on_error=lambda exc: self._answer(t(f"ย้ายไม่ได้: {exc}", f"Could not set it aside: {exc}")))

    def _moved(self, where: Path) -> None:
        log.warning("store set aside as %s at the operator's request", where)
        self._finish(retry=True)

    def _adopt(self) -> None:
        self.dialog.set_busy(True)
        self._runner.run_db(_adopt, self._paths, self._wanted, on_done=lambda _r: self._finish(retry=True),
                            on_error=lambda exc: self._answer(t(f"ใช้คลังนี้ไม่ได้: {exc}", f"Not done: {exc}")))

    def _answer(self, text: str) -> None:
        self.dialog.set_busy(False)
        self.dialog.show_result(text)

    def _quit(self) -> None:
        self._finish(retry=False)

    def _finish(self, *, retry: bool) -> None:
        if self._done:
            return
        self._done = True
        self.dialog.blockSignals(True)  # closing it must not count as "quit" as well
        self.dialog.close()
        (self.sig_retry if retry else self.sig_quit).emit()
