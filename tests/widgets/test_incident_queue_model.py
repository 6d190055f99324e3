"""The million-row incident queue model: Qt's model tester, paging, latest-wins, resets, SLA colours, first paint."""

from __future__ import annotations

import time
from array import array
from datetime import timedelta

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

from tests.widgets.incident_fakes import HOSTILE, T0, FakeFetcher, Row
from widgets.i18n import set_language
from widgets.incident_queue_model import ID_ROLE, SLA_COLOURS, IncidentQueueModel

MILLION = 1_000_000


@pytest.fixture(autouse=True)
def thai() -> None:
    set_language("th")
    yield
    set_language("th")


def column(model: IncidentQueueModel, name: str) -> int:
    return model.COLUMNS.index(name)


def test_model_tester_with_pages_loading_and_loaded(qtmodeltester, qtbot) -> None:  # type: ignore[no-untyped-def]
    fetcher = FakeFetcher()
    model = IncidentQueueModel(fetcher, page_size=10, clock=lambda: T0)
    model.set_ids(range(1, 51))
    qtmodeltester.check(model)  # every row still loading
    qtbot.waitUntil(lambda: len(fetcher.calls) > 0)
    fetcher.immediate = True
    for _ in range(6):  # answer whatever the tester's reads asked for, until all pages are in
        for ids, done in list(fetcher.calls):
            done([Row(id=i) for i in ids])
        fetcher.calls.clear()
        for r in range(0, 50, 10):
            model.index(r, 1).data()
        qtbot.wait(1)
    assert all(model.row_data(r) is not None for r in range(50))
    qtmodeltester.check(model)


def test_placeholder_then_one_data_changed_per_page(qtbot) -> None:  # type: ignore[no-untyped-def]
    fetcher = FakeFetcher()
    model = IncidentQueueModel(fetcher, page_size=10, clock=lambda: T0)
    model.set_ids(array("q", range(100, 130)))
    assert model.index(15, 0).data() == "115"  # the id is known before the row
    assert model.index(15, column(model, "category")).data() == "กำลังโหลด…"
    model.index(25, 0).data()
    qtbot.waitUntil(lambda: len(fetcher.calls) == 1)
    ids, _ = fetcher.calls[0]
    assert ids == list(range(110, 130))  # pages 1 and 2 in ONE fetch
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _roles=(): changed.append((a.row(), b.row())))
    fetcher.answer()
    assert changed == [(10, 19), (20, 29)]
    assert model.index(15, column(model, "category")).data() == "ถนนชำรุด"
    assert model.index(15, 0).data(ID_ROLE) == 115


def test_page_arriving_after_reset_is_ignored(qtbot) -> None:  # type: ignore[no-untyped-def]
    fetcher = FakeFetcher()
    model = IncidentQueueModel(fetcher, page_size=10)
    model.set_ids(range(1, 21))
    model.index(0, 0).data()
    qtbot.waitUntil(lambda: len(fetcher.calls) == 1)
    model.set_ids(range(1, 21))  # e.g. the filter changed while the page was on its way
    changed: list[int] = []
    model.dataChanged.connect(lambda *a: changed.append(1))
    fetcher.answer(0)
    assert changed == [] and model.row_data(0) is None


def test_latest_request_carries_every_page_still_missing(qtbot) -> None:  # type: ignore[no-untyped-def]
    fetcher = FakeFetcher()
    model = IncidentQueueModel(fetcher, page_size=10)
    model.set_ids(range(100))
    model.index(5, 0).data()
    qtbot.waitUntil(lambda: len(fetcher.calls) == 1)
    # A repaint asks for pages 0 (in flight) and 1: the new fetch repeats page 0 so a latest-wins runner that
    # cancels the first fetch loses nothing on screen.
    model.index(5, 0).data()
    model.index(15, 0).data()
    qtbot.waitUntil(lambda: len(fetcher.calls) == 2)
    assert fetcher.calls[1][0] == list(range(20))
    fetcher.answer(1)
    assert model.row_data(5) is not None and model.row_data(15) is not None


def test_gone_rows_lru_and_refresh(qtbot) -> None:  # type: ignore[no-untyped-def]
    fetcher = FakeFetcher()
    model = IncidentQueueModel(fetcher, page_size=10, cache_pages=2)
    model.set_ids(range(40))
    for page in range(3):
        model.index(page * 10, 0).data()
        qtbot.waitUntil(lambda p=page: len(fetcher.calls) == p + 1)
        fetcher.answer(drop={23})
    assert model.index(23, column(model, "category")).data() == "(ถูกรวม/ลบ)"  # merged away meanwhile
    assert model.row_data(0) is None  # page 0 evicted (LRU of 2 pages) ...
    assert model.row_data(25) is not None
    model.refresh()
    assert model.index(25, column(model, "category")).data() == "ถนนชำรุด"  # ... stale rows stay shown
    qtbot.waitUntil(lambda: len(fetcher.calls) == 4)
    assert fetcher.calls[-1][0] == list(range(20, 30))


def test_first_rows_fill_without_fetch_and_numpy_ids(qtbot) -> None:  # type: ignore[no-untyped-def]
    fetcher = FakeFetcher()
    model = IncidentQueueModel(fetcher, page_size=10)
    ids = np.arange(500, 0, -1, dtype=np.int64)
    model.set_ids(ids, first_rows=[Row(id=i) for i in range(500, 490, -1)])
    assert model.rowCount() == 500 and model.id_at(0) == 500 and model.row_of_id(1) == 499
    assert model.index(9, 1).data() == "ถนนชำรุด"
    qtbot.wait(5)
    assert fetcher.calls == []


def test_display_sla_colours_and_plain_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    rows = {
        1: Row(id=1, server_id="CM-1", expected_at=T0 - timedelta(minutes=40), assignee=HOSTILE, pending=1),
        2: Row(id=2, expected_at=T0 + timedelta(minutes=30), priority="P1"),
        3: Row(id=3, sla_paused_since=T0, sla_remaining_s=7200, state="on_hold"),
        4: Row(id=4, state="closed", expected_at=T0 - timedelta(days=1)),
    }
    model = IncidentQueueModel(lambda ids, done: done([rows[i] for i in ids]), clock=lambda: T0)
    model.set_ids([1, 2, 3, 4], first_rows=list(rows.values()))
    sla, bg = column(model, "sla"), Qt.ItemDataRole.BackgroundRole
    assert model.index(0, 0).data() == "CM-1 ✎"
    assert model.index(0, sla).data() == "⚠ เกิน 40 นาที"  # the breach glyph, not only its colour
    assert model.index(0, sla).data(bg).color() == SLA_COLOURS["breached"]
    assert model.index(1, sla).data(bg).color() == SLA_COLOURS["warning"]
    assert model.index(2, sla).data() == "หยุดนับ (เหลือ 2 ชม.)"
    assert model.index(2, sla).data(bg).color() == SLA_COLOURS["paused"]
    assert model.index(3, sla).data() == "—" and model.index(3, sla).data(bg) is None
    assert model.index(0, column(model, "assignee")).data() == HOSTILE  # verbatim; the view shows it as text
    assert model.index(0, column(model, "age")).data() == "1 ชม."
    assert model.index(2, column(model, "status")).data() == "พักเรื่อง"
    set_language("en")
    assert model.index(0, sla).data() == "⚠ over by 40 min"
    assert model.headerData(column(model, "district"), Qt.Orientation.Horizontal) == "District"


def test_tick_updates_sla_columns_once_per_second(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = IncidentQueueModel(lambda ids, done: None)
    model.set_ids(range(10))
    with qtbot.waitSignal(model.dataChanged, timeout=2500) as blocker:
        pass
    first, last = blocker.args[0], blocker.args[1]
    assert (first.row(), first.column()) == (0, column(model, "age"))
    assert (last.row(), last.column()) == (9, column(model, "sla"))


def test_million_rows_first_paint_and_far_scroll(qtbot) -> None:  # type: ignore[no-untyped-def]
    fetcher = FakeFetcher()
    model = IncidentQueueModel(fetcher, clock=lambda: T0)
    view = QTableView()
    qtbot.addWidget(view)
    view.verticalHeader().setDefaultSectionSize(22)
    view.resize(900, 600)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    ids = array("q", range(1, MILLION + 1))
    started = time.perf_counter()
    model.set_ids(ids, first_rows=[Row(id=i) for i in range(1, 201)])
    view.grab()  # a full paint of the first screen
    first_paint_s = time.perf_counter() - started
    print(f"\nincident queue 1M first paint: {first_paint_s * 1000:.1f} ms")
    assert first_paint_s < 0.15
    assert model.rowCount() == MILLION and fetcher.calls == []

    target = 900_123
    view.scrollTo(model.index(target, 0), QAbstractItemView.ScrollHint.PositionAtTop)
    view.grab()
    qtbot.waitUntil(lambda: len(fetcher.calls) == 1)
    requested = fetcher.calls[0][0]
    top, bottom = view.rowAt(0), view.rowAt(view.viewport().height() - 1)
    assert top <= target <= bottom
    pages = {(i - 1) // 200 for i in requested}
    assert pages <= {top // 200, bottom // 200} and len(requested) <= 400
    changed: list[int] = []
    model.dataChanged.connect(lambda *a: changed.append(1))
    fetcher.answer()
    assert len(changed) == len(pages)
    assert model.index(target, 1).data() == "ถนนชำรุด"
    view.grab()
    qtbot.wait(5)
    assert len(fetcher.calls) == 1  # nothing else asked for
