"""The feeds' state on screen: the Feed status dock, the map's layer badges and the status bar's connection state.

Feed results come in bursts (all feeds at start, "Sync now"): the table, the badges and the status bar are redrawn
once per burst, not once per feed start and finish, so the UI thread stays free for input. Ages move on with a
slow timer even when nothing is polled.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from console.main_window import MainWindow
from console.map_controller import MapController
from console.sync_controller import SyncController
from widgets.i18n import t
from widgets.staggered_timer import StaggeredTimer
from widgets.table_rows import FeedStatusRow

if TYPE_CHECKING:
    from services.store.feed_state import FeedState
    from services.sync.feed_catalog import FeedSpec

AGE_TICK_MS = 5000  # ages in the status table move on even when nothing is polled
FEED_ROWS_COALESCE_MS = 150  # one redraw of the feed rows per burst of feed results


def feed_rows(specs: Iterable[FeedSpec], states: dict[str, FeedState], in_flight: set[str]) -> list[FeedStatusRow]:
    """The feed status table's rows, ages taken now (pure computation, any thread)."""
    # Imported by the worker that built the sync service long before there are specs to show.
    from services.store.feed_state import FeedState
    from services.sync.sync_service import FeedHealth

    now = datetime.now(UTC)
    rows = []
    for spec in specs:
        state = states.get(spec.name) or FeedState(feed=spec.name)
        health = FeedHealth(state, spec, now)
        rows.append(FeedStatusRow(
            feed=spec.name, source=spec.source, title_en=spec.title_en, title_th=spec.title_th,
            cadence_s=spec.cadence_s, last_attempt_at=state.last_attempt_at,
            last_success_at=state.last_success_at, age_s=health.age_s, freshness=health.freshness,
            last_error=state.last_error, last_error_at=state.last_error_at,
            records_total=state.records_total or 0, records_last=state.records_last or 0,
            rejected_last=state.rejected_last or 0, polling=spec.name in in_flight,
            failing=(state.consecutive_failures or 0) > 0))
    return rows


class FeedStatusView(QObject):
    """Keeps each feed's latest state and draws it: the dock's table and summary, the map's badges, the status
    bar. ``notify`` puts a line in the status bar (a poll that could not finish)."""

    def __init__(self, window: MainWindow, sync_controller: SyncController, map_controller: MapController,
                 notify: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._sync_controller = sync_controller
        self._map = map_controller
        self._notify = notify
        self._states: dict[str, FeedState] = {}
        self._coalesce = QTimer(self, singleShot=True, interval=FEED_ROWS_COALESCE_MS)
        self._age_timer = StaggeredTimer(self, AGE_TICK_MS)

        self._coalesce.timeout.connect(self.render)
        self._age_timer.timeout.connect(self.render)
        sync_controller.sig_activity_changed.connect(self.schedule)
        sync_controller.sig_poll_failed.connect(self._on_poll_failed)

    def start(self) -> None:
        self._age_timer.start()

    def stop(self) -> None:
        self._age_timer.stop()
        self._coalesce.stop()

    def restore(self, states: Iterable[FeedState]) -> None:
        """The feed states stored before this start."""
        self._states.update({s.feed: s for s in states})

    def polled(self, state: FeedState) -> None:
        """A poll finished and its state is stored."""
        self._states[state.feed] = state
        self.schedule()

    def rows(self) -> list[FeedStatusRow]:
        sync = self._sync_controller.sync
        if sync is None:
            return []
        return feed_rows(sync.specs, self._states, set(sync.snapshot().in_flight))

    def schedule(self) -> None:
        """Redraw soon; a burst of results makes one redraw."""
        if not self._coalesce.isActive():
            self._coalesce.start()

    def render(self) -> None:
        rows = self.rows()
        panel = self._window.feed_status
        panel.set_rows(rows)  # the table and the summary, in the worst feed's colour (failing is never "fresh")
        self._map.update_meta(rows)
        sync = self._sync_controller.sync
        if sync is not None:
            snap = sync.snapshot()
            successes = [r.last_success_at for r in rows if r.last_success_at is not None]
            self._window.connection.set_state(snap.state, failing=snap.failing, syncing=len(snap.in_flight),
                                              last_success=max(successes) if successes else None)

    def _on_poll_failed(self, feed: str, message: str) -> None:
        # The store could not record this failure (it may be the store that failed), so the feed's row shows it from
        # memory: failing, with what failed, until a poll is stored again.
        from services.store.feed_state import FeedState  # imported long since, by the worker that opened the store

        state = self._states.get(feed) or FeedState(feed)
        self._states[feed] = dataclasses.replace(state, last_error=message, last_error_at=datetime.now(UTC),
                                                 consecutive_failures=(state.consecutive_failures or 0) + 1)
        self.schedule()
        self._notify(t(f"แหล่ง {feed}: {message}", f"Feed {feed}: {message}"))
