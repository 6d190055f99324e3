"""Keeps the situation overview (air quality, river gauges, totals) in step with the store.

A feed names the parts of the overview its data changes (``FeedSpec.overview``); a burst of results (all feeds at
start, a drained outbox) makes one query on the database worker for the parts asked for meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from console.task_runner import TaskRunner
from services.overview import OVERVIEW_PARTS, OverviewSnapshot, load_overview
from widgets.overview_panel import OverviewPanel

if TYPE_CHECKING:
    from services.store.store import Store

OVERVIEW_REFRESH_MS = 500  # coalesce bursts of feed results into one overview query


class OverviewRefresh(QObject):
    """Loads the overview's parts on the database worker and shows them in the panel."""

    sig_refreshed = Signal()
    """The overview shows what the store held a moment ago."""

    def __init__(self, runner: TaskRunner, panel: OverviewPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._panel = panel
        self._store: Store | None = None
        self._dirty: set[str] = set()  # parts to load at the next refresh
        self._asked: set[str] = set()  # parts of the query on its way (its result not shown yet)
        self._closed = False
        self._timer = QTimer(self, singleShot=True, interval=OVERVIEW_REFRESH_MS)
        self._timer.timeout.connect(lambda: self.refresh(()))  # the parts asked for meanwhile

    def set_store(self, store: Store) -> None:
        self._store = store
        self.refresh()

    def schedule(self, parts: Iterable[str] | None = None) -> None:
        """Refresh ``parts`` (all when None) soon; what is asked within the coalescing interval makes one query."""
        self._dirty |= set(OVERVIEW_PARTS if parts is None else parts)
        if self._dirty and not self._timer.isActive():
            self._timer.start()

    def refresh(self, parts: Iterable[str] | None = None) -> None:
        """Reload ``parts`` (all when None) now, with whatever was scheduled."""
        self._dirty |= set(OVERVIEW_PARTS if parts is None else parts)
        if self._store is None or self._closed or not self._dirty:
            return
        self._timer.stop()
        # Latest wins: a newer query drops the result of one still on its way, so it asks for that one's parts too.
        self._asked |= self._dirty
        self._dirty = set()
        self._runner.run_db(load_overview, self._store, frozenset(self._asked), on_done=self._show, key="overview")

    def _show(self, snapshot: OverviewSnapshot) -> None:
        self._asked = set()
        if self._closed:
            return
        if snapshot.air is not None:
            self._panel.set_air(snapshot.air, snapshot.air_charts)
        if snapshot.river is not None:
            self._panel.set_river(snapshot.river, snapshot.river_charts)
        if snapshot.counts is not None:
            self._panel.set_counts(snapshot.counts)
        if snapshot.hotspots is not None:
            self._panel.set_hotspots(snapshot.hotspots)
        self.sig_refreshed.emit()

    def stop(self) -> None:
        self._closed = True
        self._timer.stop()
