"""The incident queue as a table model that stays smooth at a million rows: an ID list plus an LRU cache of pages.

Why not a row list: the store returns ALL matching ids in SQL order (filter, sort, search are SQL); holding 1,000,000
full rows would cost seconds and hundreds of MB, while an ``array('q')`` of ids is 8 MB. Rows are fetched by page
only when the view paints them (``data()`` is called for visible rows only), through the ``fetch_rows(ids, done)``
callback the console runs on the DB worker; ``done(rows)`` must be called on the UI thread.

Rules: pages asked for in one event-loop turn go out as ONE fetch (the console's task runner may key it "latest
wins", so a newer request always carries every page still missing on screen); a page that arrives after a reset
(``set_ids``) is ignored; each arriving page emits ONE ``dataChanged``. Rows not loaded yet show the id and a
placeholder. The SLA and age columns tick once a second with one ``dataChanged`` over those two columns.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor

from widgets import table_colours
from widgets.column_model import ColumnTableModel, Index
from widgets.display_format import format_age, format_datetime, plain_tooltip
from widgets.i18n import current_language, t
from widgets.incident_rows import (
    category_label,
    link_glyph,
    sla_band,
    sla_remaining,
    sla_text,
    source_label,
    state_label,
)
from widgets.staggered_timer import StaggeredTimer

FetchRows = Callable[[list[int], Callable[[Sequence[Any]], None]], None]

# Triage colours (widgets.table_colours, text on them >= 4.5:1). P1 is a saturated red with its glyph; a breached
# SLA is near-black with its own glyph, so the two never read alike, in colour or without it.
SLA_COLOURS = {band: QColor(*rgb) for band, rgb in table_colours.SLA.items()}
PRIORITY_COLOURS = {priority: QColor(*rgb) for priority, rgb in table_colours.PRIORITY.items()}
PRIORITY_GLYPHS = {"P1": "▲"}  # P1 ▲ (urgent), shown before the priority
SLA_GLYPHS = {"breached": "⚠"}  # past the SLA target, shown before the time over
_GONE = object()  # an id whose row no longer exists (deleted or merged between the id query and the page fetch)
ID_ROLE = Qt.ItemDataRole.UserRole
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


def _as_id_array(ids: Iterable[int]) -> array:
    """ids as ``array('q')``: kept as is, copied from an int64 buffer (numpy) without a Python loop, or built."""
    if isinstance(ids, array) and ids.typecode == "q":
        return ids
    try:
        view = memoryview(ids)  # type: ignore[arg-type]
    except TypeError:
        return array("q", ids)
    if view.itemsize == 8 and view.format in ("q", "l", "<q", "<l", "=q", "=l") and view.c_contiguous:
        out = array("q")
        out.frombytes(view.cast("B"))
        return out
    return array("q", ids)


class IncidentQueueModel(ColumnTableModel):
    """Table of incidents over an id list; rows arrive by page through ``fetch_rows``."""

    COLUMNS = ("id", "category", "priority", "status", "district", "age", "sla", "assignee", "source")
    HEADERS = {
        "id": ("เลขที่", "ID"),
        "category": ("ประเภท", "Category"),
        "priority": ("ความด่วน", "Priority"),
        "status": ("สถานะ", "Status"),
        "district": ("อำเภอ", "District"),
        "age": ("อายุ", "Age"),
        "sla": ("SLA", "SLA"),
        "assignee": ("ผู้รับผิดชอบ", "Assignee"),
        "source": ("ช่องทาง", "Source"),
    }

    sig_page_loaded = Signal(int)
    """A page (its index) arrived and was shown."""

    def __init__(self, fetch_rows: FetchRows, parent: Any = None, *, page_size: int = 200, cache_pages: int = 64,
                 max_pages_per_fetch: int = 4, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self._fetch_rows = fetch_rows
        self._page_size = page_size
        self._cache_pages = cache_pages
        self._max_pages = max_pages_per_fetch
        self._clock = clock or (lambda: datetime.now(UTC))
        self._ids: array = array("q")
        self._pages: OrderedDict[int, list[Any]] = OrderedDict()  # LRU: most recently used last
        self._stale: set[int] = set()  # cached pages shown until their refreshed copy arrives
        self._wanted: dict[int, None] = {}  # pages missing on screen this turn (ordered: latest asked last)
        self._inflight: set[int] = set()  # pages of the latest fetch
        self._generation = 0  # bumped by set_ids: answers from an older generation are dropped
        self.fetch_count = 0  # fetches issued (for tests and benchmarks)
        self._district_names: dict[str, tuple[str, str]] = {}  # code -> (Thai, English)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush)
        self._tick = StaggeredTimer(self, 1000)
        self._tick.timeout.connect(self._on_tick)

    # --- feeding ---------------------------------------------------------------------------------------------------

    def set_ids(self, ids: Iterable[int], first_rows: Sequence[Any] = ()) -> None:
        """Replace the queue (one reset). ``first_rows``: rows of the first ids, if already known (first paint)."""
        self.beginResetModel()
        self._ids = _as_id_array(ids)
        self._generation += 1
        self._pages.clear()
        self._stale.clear()
        self._wanted.clear()
        self._inflight.clear()
        if first_rows:
            self._store_rows(list(first_rows), complete=False)
        self.endResetModel()
        if self._ids and not self._tick.isActive():
            self._tick.start()
        elif not self._ids:
            self._tick.stop()

    def refresh(self) -> None:
        """Re-fetch rows on screen (after edits or a sync) without a reset: cached rows stay shown until replaced."""
        self._stale = set(self._pages)
        self._generation += 1
        self._inflight.clear()
        if self._ids:
            self._emit_all_changed()

    def row_of_id(self, incident_id: int) -> int:
        """The row holding ``incident_id``, or -1. A C-speed scan of the id array (≈ms at 1M)."""
        try:
            return self._ids.index(incident_id)
        except ValueError:
            return -1

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_data(self, row: int) -> Any | None:
        """The loaded row object at ``row`` or None while loading."""
        if not 0 <= row < len(self._ids):
            return None
        page = self._pages.get(row // self._page_size)
        item = page[row % self._page_size] if page is not None else None
        return None if item is _GONE else item

    @property
    def ids(self) -> array:
        return self._ids

    def set_district_names(self, names: dict[str, tuple[str, str]]) -> None:
        """District code -> (Thai, English) name: the district column names the district, never its code."""
        self._district_names = dict(names)
        if self._ids:
            column = self.COLUMNS.index("district")
            self.dataChanged.emit(self.index(0, column), self.index(len(self._ids) - 1, column))

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)
        if self._ids:
            self._emit_all_changed()

    # --- paging ----------------------------------------------------------------------------------------------------

    def _row_or_want(self, row: int) -> Any | None:
        page_no = row // self._page_size
        page = self._pages.get(page_no)
        if page is not None:
            self._pages.move_to_end(page_no)
            if page_no in self._stale and page_no not in self._inflight:
                self._want(page_no)
            return page[row % self._page_size]
        self._want(page_no)  # even when in flight: the flush re-asks only if something on screen is not
        return None

    def _want(self, page_no: int) -> None:
        self._wanted.pop(page_no, None)
        self._wanted[page_no] = None
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        """One fetch for the pages wanted this turn (the latest ones first, at most ``max_pages_per_fetch``)."""
        pages = list(self._wanted)[-self._max_pages:]
        self._wanted.clear()
        if not pages or self._inflight.issuperset(pages):
            return
        # Pages still in flight and still wanted ride along, so a "latest wins" runner cancelling the older
        # request loses nothing that is on screen.
        self._inflight = set(pages)
        ids: list[int] = []
        for page_no in sorted(pages):
            start = page_no * self._page_size
            ids.extend(self._ids[start:start + self._page_size])
        generation = self._generation
        self.fetch_count += 1
        self._fetch_rows(ids, lambda rows: self._on_rows(generation, rows))

    def _on_rows(self, generation: int, rows: Sequence[Any]) -> None:
        if generation != self._generation:
            return  # answer to a queue that has been replaced or refreshed since
        for page_no in self._store_rows(list(rows)):
            self._inflight.discard(page_no)
            self._stale.discard(page_no)
            first = page_no * self._page_size
            last = min(first + self._page_size, len(self._ids)) - 1
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.COLUMNS) - 1))
            self.sig_page_loaded.emit(page_no)

    def _store_rows(self, rows: list[Any], *, complete: bool = True) -> list[int]:
        """File rows into their pages by id and return the pages touched.

        ``complete``: the rows answer a fetch of whole pages, so an id without a row is gone (merged/deleted);
        otherwise (the first-paint rows) it is still loading and its page stays wanted.
        """
        by_id = {int(r.id): r for r in rows}
        if not by_id:
            return []
        # Positions of the ids we expect (pages in flight, and page 0 for the first paint) without a full scan.
        positions: dict[int, int] = {}
        for page_no in {0, *self._inflight}:
            start = page_no * self._page_size
            positions.update(zip(self._ids[start:start + self._page_size], range(start, start + self._page_size)))
        touched: set[int] = set()
        for incident_id in by_id:
            row = positions.get(incident_id)
            if row is None:
                row = self.row_of_id(incident_id)  # a late page no longer in flight: rare, a C-speed scan
            if row < 0 or row // self._page_size in touched:
                continue
            page_no = row // self._page_size
            touched.add(page_no)
            start = page_no * self._page_size
            missing = _GONE if complete else None
            page = [by_id.get(i, missing) for i in self._ids[start:start + self._page_size]]
            self._pages[page_no] = page
            self._pages.move_to_end(page_no)
            if not complete and None in page:
                self._stale.add(page_no)
        while len(self._pages) > self._cache_pages:
            evicted, _ = self._pages.popitem(last=False)
            self._stale.discard(evicted)
        return sorted(touched)

    def _emit_all_changed(self) -> None:
        self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self.COLUMNS) - 1))

    def _on_tick(self) -> None:
        if self._ids:
            first, last = self.COLUMNS.index("age"), self.COLUMNS.index("sla")
            self.dataChanged.emit(self.index(0, first), self.index(len(self._ids) - 1, last),
                                  [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole,
                                   Qt.ItemDataRole.ForegroundRole])

    # --- Qt model API ----------------------------------------------------------------------------------------------

    def row_total(self) -> int:
        return len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        column = self.COLUMNS[index.column()]
        if role == ID_ROLE:
            return int(self._ids[index.row()])
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.ForegroundRole, ROW_ROLE):
            return None
        row = self._row_or_want(index.row())
        if role == ROW_ROLE:
            return None if row is _GONE else row
        if row is None or row is _GONE:
            if role == Qt.ItemDataRole.DisplayRole:
                if column == "id":
                    return str(self._ids[index.row()])
                if column == "category":
                    return t("กำลังโหลด…", "loading…") if row is None else t("(ถูกรวม/ลบ)", "(merged/removed)")
                return ""
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(128, 128, 128))
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            background = self._background(row, column)
            if background is None:
                return None
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(background)
            return table_colours.text_brush_on(table_colours.rgb_of(background))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "id" and link_glyph(row):
                return plain_tooltip(self._link_tooltip(row))
            if column == "category":
                return plain_tooltip(category_label(row.category, row.service_name))
            if column == "sla" and row.expected_at is not None:
                return plain_tooltip(t("กำหนด ", "target ") + format_datetime(row.expected_at, current_language()))
            if column == "status" and getattr(row, "pending", 0):
                return plain_tooltip(t("มีการแก้ไขที่ยังไม่ได้ส่ง", "local changes not sent yet"))
        return None

    @staticmethod
    def _link_tooltip(row: Any) -> str:
        if getattr(row, "major", False):
            n = int(getattr(row, "children", 0) or 0)
            return t(f"เหตุการณ์ใหญ่: เรื่องย่อย {n} เรื่อง", f"major incident with {n} child incident(s)")
        return t(f"ส่วนหนึ่งของเหตุการณ์ใหญ่ (เลขในเครื่อง {row.parent_id})",
                 f"part of a major incident (local id {row.parent_id})")

    def _sla(self, row: Any) -> tuple[float | None, bool]:
        paused = getattr(row, "sla_paused_since", None) is not None
        if row.state in ("resolved", "closed", "cancelled"):
            return None, False
        remaining = sla_remaining(row.expected_at, self._clock(), paused=paused,
                                  frozen_remaining_s=getattr(row, "sla_remaining_s", None))
        return remaining, paused

    def _sla_band(self, row: Any) -> str:
        if row.state in ("resolved", "closed", "cancelled"):
            return "none"
        remaining, paused = self._sla(row)
        return sla_band(remaining, paused=paused)

    def _background(self, row: Any, column: str) -> QColor | None:
        if column == "sla":
            return SLA_COLOURS.get(self._sla_band(row))
        if column == "priority":
            return PRIORITY_COLOURS.get(row.priority or "")
        return None

    def _display(self, row: Any, column: str) -> str:
        lang = current_language()
        if column == "id":
            glyph = link_glyph(row)  # ★n a major incident with n children, ↳ one of its children
            return (str(row.server_id or row.id) + (f" {glyph}" if glyph else "")
                    + (" ✎" if getattr(row, "pending", 0) else ""))
        if column == "category":
            return category_label(row.category, row.service_name)
        if column == "priority":
            glyph = PRIORITY_GLYPHS.get(row.priority or "")
            return f"{glyph} {row.priority}" if glyph else (row.priority or "")
        if column == "status":
            return state_label(row.state)
        if column == "district":
            names = self._district_names.get(row.district_code or "")
            if names is not None:
                return t(*names)
            return getattr(row, "district_name", None) or row.district_code or ""
        if column == "age":
            if row.requested_at is None:
                return "—"
            return format_age(max((self._clock() - row.requested_at).total_seconds(), 0), lang)
        if column == "sla":
            if row.state in ("resolved", "closed", "cancelled"):
                return "—"
            remaining, paused = self._sla(row)
            glyph = SLA_GLYPHS.get(sla_band(remaining, paused=paused))
            return f"{glyph} {sla_text(remaining, paused=paused)}" if glyph else sla_text(remaining, paused=paused)
        if column == "assignee":
            return row.assignee or ""
        if column == "source":
            return source_label(row.source)
        return ""
