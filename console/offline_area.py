""""Save area for offline": runs the offline-area dialog's estimate and download on the ``tiles`` network lane.

The dialog offers the province with the city and flood-prone districts in detail first; that area is read from the
district seed data on the lane once, before the dialog first opens. The download reports progress from its worker
thread; a signal of this object carries it to the UI thread.
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from console.task_runner import TaskRunner, first_imports
from widgets.i18n import t
from widgets.offline_area_dialog import OfflineAreaDialog

log = logging.getLogger(__name__)


def _detail_area() -> tuple[Any, ...]:
    with first_imports():
        from services.tiles.offline_areas import province_with_flood_districts
    return province_with_flood_districts()


def _prefetch_area(tiles: Any, area: tuple[Any, ...], **kwargs: Any) -> Any:
    return tiles.prefetch(tiles.plan_parts(area), **kwargs)


class OfflineAreaController(QObject):
    """One dialog at a time; estimate first, then a cancellable, resumable download into the tile cache."""

    sig_progress = Signal(int, int)
    """Tiles done and total of the running download (emitted from the worker, delivered on the UI thread)."""

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._tiles: Any = None  # services.tile_cache.TileService
        self._dialog: OfflineAreaDialog | None = None
        self._cancel = threading.Event()
        self._detail_area: tuple[Any, ...] | None = None  # services.tiles.offline_areas.AreaPart, once read
        self._closing = False

    def set_tile_service(self, tiles: Any) -> None:
        self._tiles = tiles
        if self._detail_area is None:  # read now, so the dialog opens at once when the operator asks
            self._runner.run_net(_detail_area, lane="tiles", on_done=self._keep_detail_area,
                                 on_error=lambda exc: log.warning("offline areas not read: %s", exc))

    def _keep_detail_area(self, area: tuple[Any, ...]) -> None:
        if self._detail_area is None:
            self._detail_area = tuple(area)

    @property
    def dialog(self) -> OfflineAreaDialog | None:
        return self._dialog

    def open(self, parent: QWidget, view_bbox: tuple[float, float, float, float] | None) -> None:
        """Show the dialog (raise it when it is open); the first time, once the detailed area has been read."""
        if self._dialog is not None:
            self._dialog.raise_()
            return
        if self._detail_area is None:
            self._runner.run_net(_detail_area, lane="tiles", key="offline-detail-area",
                                 on_done=lambda area: self._detail_area_read(area, parent, view_bbox),
                                 on_error=lambda exc: (log.warning("offline areas not read: %s", exc),
                                                       self._detail_area_read((), parent, view_bbox)))
            return
        self._show(parent, view_bbox)

    def _detail_area_read(self, area: tuple[Any, ...], parent: QWidget,
                          view_bbox: tuple[float, float, float, float] | None) -> None:
        self._detail_area = tuple(area)
        if self._dialog is None and not self._closing:
            self._show(parent, view_bbox)

    def _show(self, parent: QWidget, view_bbox: tuple[float, float, float, float] | None) -> OfflineAreaDialog:
        dialog = OfflineAreaDialog(view_bbox, detail_area=self._detail_area or (), parent=parent)
        dialog.sig_estimate_requested.connect(self._estimate)
        dialog.sig_prefetch_requested.connect(self._start)
        dialog.sig_cancel_requested.connect(self._cancel.set)
        dialog.finished.connect(self._closed)
        self.sig_progress.connect(dialog.set_progress)
        self._dialog = dialog
        dialog.show()
        dialog.request_estimate()
        return dialog

    def _closed(self, _result: int) -> None:
        self._cancel.set()
        if self._dialog is not None:
            self.sig_progress.disconnect(self._dialog.set_progress)
            self._dialog.deleteLater()
        self._dialog = None

    def _estimate(self, area: Any) -> None:
        if self._tiles is None:
            self._fail(t("แผนที่ฐานยังไม่พร้อม", "The basemap is not ready yet"))
            return
        self._runner.run_net(self._tiles.plan_parts, tuple(area), lane="tiles", on_done=self._estimated,
                             on_error=lambda exc: self._fail(str(exc)), key="offline-estimate")

    def _estimated(self, plan: Any) -> None:
        if self._dialog is not None:
            self._dialog.set_estimate(plan.tiles, plan.estimated_bytes, plan.already_cached)

    def _start(self, area: Any) -> None:
        if self._tiles is None:
            self._fail(t("แผนที่ฐานยังไม่พร้อม", "The basemap is not ready yet"))
            return
        self._cancel = threading.Event()
        job = partial(_prefetch_area, self._tiles, tuple(area), progress=self.sig_progress.emit,
                      cancelled=self._cancel.is_set)
        self._runner.run_net(job, lane="tiles", on_done=self._done, on_error=lambda exc: self._fail(str(exc)))

    def _done(self, result: Any) -> None:
        if self._dialog is None:
            return
        if result.error:
            self._dialog.set_failed(t(f"หยุดแล้ว: {result.error}", f"Stopped: {result.error}"))
        else:
            self._dialog.set_finished(result.fetched, result.failed, result.cancelled)

    def _fail(self, message: str) -> None:
        if self._dialog is not None:
            self._dialog.set_failed(message)

    def shutdown(self) -> None:
        """The console is closing: a running download stops at its next tile (a later run resumes it)."""
        self._closing = True
        self._cancel.set()
