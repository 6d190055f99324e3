"""``--screenshot``: wait for the first sync, the overview it produces and the charts drawn from it, then save the whole
window as PNG."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from console.controller import ConsoleController
from console.main_window import MainWindow

log = logging.getLogger(__name__)

SETTLE_MS = 1500
CHART_POLL_MS = 100  # then, until the charts have drawn what the store holds
CHART_PAINT_MS = 100


class ScreenshotJob(QObject):
    """Grabs the window once the data is in (or when ``wait_s`` runs out, saying so on stderr)."""

    sig_done = Signal(bool)
    """The PNG was written (True) or could not be (False)."""

    def __init__(self, window: MainWindow, controller: ConsoleController, path: Path, wait_s: float,
                 panels: Sequence[str] = ()) -> None:
        """``panels``: dock names to bring to the front of their tabs before the grab."""
        super().__init__(window)
        self._panels = tuple(panels)
        self._window = window
        self._controller = controller
        self._path = path
        self._synced = False
        self._taken = False
        self._deadline = QTimer(self, singleShot=True)
        self._deadline.setInterval(int(max(wait_s, 0.5) * 1000))
        self._deadline.timeout.connect(self._timed_out)
        self._overview_after_sync = False
        controller.sync_controller.sig_first_sync_finished.connect(self._on_first_sync)
        controller.sig_overview_refreshed.connect(self._on_overview)
        controller.map.sig_map_ready.connect(self._check)

    def start(self) -> None:
        self._deadline.start()

    def _on_first_sync(self) -> None:
        self._synced = True
        self._controller.refresh_overview()  # the grab follows the overview that includes the last feed

    def _on_overview(self) -> None:
        if self._synced:
            self._overview_after_sync = True
            self._check()

    def _check(self) -> None:
        """Grab once the data is in the tables and the map has its layers; the map's tiles and canvas need a
        moment to paint what they were just sent (no signal says "painted"), hence the settle delay."""
        if self._overview_after_sync and self._controller.map.ready and not self._taken:
            self._raise_panels()  # before the settle delay: the panels paint what they show meanwhile
            self._controller.map.refresh()  # layers as of the first sync, not of the page's first moment
            QTimer.singleShot(SETTLE_MS, self._take_when_charts_drawn)

    def _take_when_charts_drawn(self) -> None:
        """The charts load on their own rate after the feeds land and draw one at a time: a chart caught between its
        load and its draw would show the store as it was before the history came (thresholds, but no lines)."""
        if self._taken:
            return
        if self._controller.charts.settled():
            QTimer.singleShot(CHART_PAINT_MS, self._take)  # the last drawn chart paints in the next frame
        else:
            QTimer.singleShot(CHART_POLL_MS, self._take_when_charts_drawn)

    def _raise_panels(self) -> None:
        for name in self._panels:
            self._window.dock(name).show()
            self._window.dock(name).raise_()

    def _timed_out(self) -> None:
        print(f"pao-console: first sync not finished after {self._deadline.interval() / 1000:.0f} s; "
              "taking the screenshot anyway", file=sys.stderr)
        self._take()

    def _take(self) -> None:
        if self._taken:
            return
        self._taken = True
        self._deadline.stop()
        self._raise_panels()
        self._path.parent.mkdir(parents=True, exist_ok=True)
        ok = self._window.grab().save(str(self._path), "PNG")
        if ok:
            log.info("screenshot written to %s", self._path)
        else:
            print(f"pao-console: could not write screenshot {self._path}", file=sys.stderr)
        self.sig_done.emit(ok)
