"""The situation strip under the menus and the offline banner, both across the window.

The strip's counts come from one query pass (services.situation.load_situation) on the database worker, coalesced:
after a poll whose data they count (incidents, air quality, river levels), after a local edit or an outbox outcome,
and once a minute (an SLA runs out without any poll). The failing-feeds chip and the banner follow the feed states
the console already holds (no query). A click on a chip leads to the items behind its count:
- open P1 / past SLA: the incident queue, filtered to them, brought forward;
- gauges at bank-full / city flooding: the river table with those gauges selected, the map's river layer shown;
- PM2.5 above 75 µg/m³: the air-quality table with those stations selected;
- failing feeds: the Feed status dock with those feeds selected.
Other keys (the alert rules' own chips, later) are theirs to answer through ``SituationStrip.sig_chip_activated``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QObject, QTimer
from PySide6.QtWidgets import QTableView

from console.task_runner import first_imports
from services.river_status import LABELS as RIVER_LABELS
from widgets.i18n import t
from widgets.staggered_timer import StaggeredTimer

if TYPE_CHECKING:
    from console.controller import ConsoleController
    from services.situation import Situation
    from services.store.store import Store

log = logging.getLogger(__name__)

SITUATION_COALESCE_MS = 700  # a burst of polls or edits makes one query pass
SITUATION_TICK_MS = 60_000  # SLA targets pass without any poll: count again every minute
_COUNTED_LAYERS = frozenset({"incidents", "air", "river"})
CHIPS = ("p1", "breaches", "bank_full", "flooding", "pm25", "feeds")


def _load(store: Store) -> Situation:
    with first_imports():
        from services.situation import load_situation
    return load_situation(store)


def _feed_problems(rows: Sequence[Any]) -> tuple[str, ...]:
    # Only called once the database worker has imported services.situation (a first count has landed): then this is
    # a lookup in sys.modules, not an import on the UI thread.
    from services.situation import feed_problems

    return feed_problems(rows)


class SituationController(QObject):
    """Keeps the strip's chips and the offline banner of one window up to date and answers chip clicks."""

    def __init__(self, controller: ConsoleController) -> None:
        super().__init__(controller)
        self._c = controller
        self._window = controller.window
        self.strip = controller.window.situation_strip
        self.banner = controller.window.offline_banner
        self._store: Store | None = None
        self._situation: Situation | None = None
        self._failing: tuple[str, ...] = ()
        self._closed = False
        self._coalesce = QTimer(self, singleShot=True, interval=SITUATION_COALESCE_MS)
        self._tick = StaggeredTimer(self, SITUATION_TICK_MS)

        self._render()
        self._coalesce.timeout.connect(self.refresh)
        self._tick.timeout.connect(self._on_tick)
        self.strip.sig_chip_activated.connect(self.activate)
        controller.startup.sig_store_opened.connect(lambda startup: self.set_store(startup.store))
        controller.sync_controller.sig_feed_polled.connect(self._on_feed_polled)
        controller.sync_controller.sig_activity_changed.connect(self._update_feeds)
        controller.incidents.sig_local_edit_saved.connect(self.schedule)
        controller.outbox.sig_entry_done.connect(lambda kind: kind != "retry" and self.schedule())
        controller.window.sig_language_changed.connect(lambda _language: self._render())

    @property
    def situation(self) -> Situation | None:
        """The counts shown (None until the first pass)."""
        return self._situation

    def set_store(self, store: Store) -> None:
        self._store = store
        self._tick.start()
        self.refresh()

    def shutdown(self) -> None:
        self._closed = True
        self._coalesce.stop()
        self._tick.stop()

    # --- counting ----------------------------------------------------------------------------------------------

    def schedule(self) -> None:
        """Count again soon; what is asked within the coalescing interval makes one pass."""
        if not self._closed and not self._coalesce.isActive():
            self._coalesce.start()

    def refresh(self) -> None:
        """Count now, on the database worker (latest wins)."""
        if self._store is None or self._closed:
            return
        self._coalesce.stop()
        self._c.runner.run_db(_load, self._store, on_done=self._loaded, on_error=self._failed, key="situation")

    def _loaded(self, situation: Situation) -> None:
        if self._closed:
            return
        self._situation = situation
        self._render()
        self._update_feeds()

    @staticmethod
    def _failed(exc: BaseException) -> None:
        # The chips keep the last counts; the next poll or the minute tick counts again.
        log.warning("situation counts could not be read: %s", exc)

    def _on_tick(self) -> None:
        self.refresh()
        self._update_feeds()  # a feed turns stale with time alone

    def _on_feed_polled(self, state: Any) -> None:
        sync = self._c.sync_controller.sync
        spec = sync.spec(state.feed) if sync is not None else None
        if spec is not None and (_COUNTED_LAYERS & set(spec.map_layers) or spec.overview):
            self.schedule()
        self._update_feeds()

    def _update_feeds(self) -> None:
        """The failing-feeds chip and the offline banner, from the feed states the console holds."""
        if self._closed:
            return
        rows = self._c.feed_rows()
        if self._situation is not None:  # services.situation is imported (see _feed_problems)
            failing = _feed_problems(rows)
            if failing != self._failing or self.strip.chip("feeds").count is None:
                self._failing = failing
                self._render_feeds(bool(rows))
        sync = self._c.sync_controller.sync
        offline = sync is not None and sync.snapshot().state == "offline"
        successes = [r.last_success_at for r in rows if r.last_success_at is not None]
        data_from = max(successes) if successes else None
        if offline != self.banner.offline or (offline and data_from != self.banner.data_from):
            self.banner.set_offline(offline, data_from)

    # --- showing -----------------------------------------------------------------------------------------------

    def _render(self) -> None:
        s = self._situation
        chips = {
            "p1": (None if s is None else s.open_p1, "urgent", t("P1 ที่เปิดอยู่", "open P1"),
                   t("แสดงเหตุการณ์ P1 ที่ยังเปิดอยู่ในคิวเหตุการณ์", "Show the open P1 incidents in the queue")),
            "breaches": (None if s is None else s.sla_breached, "urgent", t("เกิน SLA", "past SLA"),
                         t("แสดงเหตุการณ์ที่เกินกำหนด SLA ในคิวเหตุการณ์",
                           "Show the open incidents past their SLA in the queue")),
            "bank_full": (None if s is None else len(s.bank_full), "watch",
                          t(f"สถานีน้ำ{RIVER_LABELS['bank_full'][0]}", f"gauges {RIVER_LABELS['bank_full'][1]}"),
                          t("สถานีวัดน้ำที่ระดับถึงหรือเกินตลิ่ง: เลือกในตารางระดับน้ำ",
                            "River gauges at or above bank-full: selected in the river table")),
            "flooding": (None if s is None else len(s.flooding), "urgent",
                         t(RIVER_LABELS["flooding"][0], RIVER_LABELS["flooding"][1]),
                         t("สถานีวัดน้ำที่ระดับถึงเกณฑ์น้ำท่วมในเมือง: เลือกในตารางระดับน้ำ",
                           "River gauges at or above the city-flooding level: selected in the river table")),
            "pm25": (None if s is None else len(s.pm25_high), "urgent",
                     t("สถานี PM2.5 > 75", "stations PM2.5 > 75"),  # the unit is in the tooltip: room
                     t("สถานีในจังหวัดเชียงใหม่ที่ค่าเฉลี่ย PM2.5 24 ชั่วโมงเกิน 75 มคก./ลบ.ม.: เลือกในตารางคุณภาพอากาศ",
                       "Stations in Chiang Mai whose 24-hour mean PM2.5 is above 75 µg/m³: selected in the air "
                       "quality table")),
        }
        for key, (count, level, words, tooltip) in chips.items():
            self.strip.set_chip(key, count, "unknown" if count is None else level if count else "calm", words,
                                tooltip)
        self._render_feeds(self.strip.chip("feeds") is not None and self.strip.chip("feeds").count is not None)

    def _render_feeds(self, known: bool) -> None:
        count = len(self._failing) if known else None
        names = ", ".join(self._failing)
        self.strip.set_chip(
            "feeds", count, "unknown" if count is None else "watch" if count else "calm",
            t("แหล่งข้อมูลขัดข้อง", "feeds failing"),
            t("แหล่งข้อมูลที่ดึงไม่สำเร็จหรือข้อมูลเก่าเกินไป: เลือกในสถานะแหล่งข้อมูล",
              "Feeds whose last poll failed or whose data is stale: selected in Feed status")
            + (f"\n{names}" if names else ""))

    # --- clicks ------------------------------------------------------------------------------------------------

    def activate(self, key: str) -> None:
        """Lead to the items behind chip ``key``."""
        s = self._situation
        if key in ("p1", "breaches"):
            self._c.incidents.queue.show_preset("p1" if key == "p1" else "breaching")
            self._raise("incidents")
        elif key in ("bank_full", "flooding", "pm25"):
            layer = "air" if key == "pm25" else "river"
            codes = () if s is None else {"bank_full": s.bank_full, "flooding": s.flooding, "pm25": s.pm25_high}[key]
            self._raise("overview")
            overview = self._window.overview
            if codes:
                overview.select_station(layer, codes[0])  # the panel brings the table's tab forward
            table, model = ((overview.air_table, overview.air_model) if layer == "air"
                            else (overview.river_table, overview.river_model))
            self._select(table, [i for i, r in enumerate(model.rows()) if r.code in codes])
            view = self._c.map.view
            if layer == "river" and view is not None and self._c.map.ready:
                view.set_layer_visible("river", True)
        elif key == "feeds":
            self._raise("feedStatus")
            failing = set(self._failing)
            # The table's rows are these rows, in this order (console.feed_status renders them).
            self._select(self._window.feed_status.table,
                         [i for i, r in enumerate(self._c.feed_rows()) if r.feed in failing])

    def _raise(self, dock_name: str) -> None:
        dock = self._window.dock(dock_name)
        dock.show()
        dock.raise_()

    @staticmethod
    def _select(table: QTableView, rows: list[int]) -> None:
        model, selection = table.model(), QItemSelection()
        last = model.columnCount() - 1
        for row in rows:
            selection.select(model.index(row, 0), model.index(row, last))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        table.selectionModel().select(selection, flags)
        if rows:
            table.scrollTo(model.index(rows[0], 0))
            table.setFocus()
