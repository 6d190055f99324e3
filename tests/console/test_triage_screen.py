"""The whole window at 1366x768 against the real simulator, as an operator meets it: the incident queue on top of
its dock, more than five rows, in triage order, with district names and SLA text that fits; every river gauge on
screen, worst first; and, with the backend gone, feeds that say they are failing, in words, never "fresh"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from console.controller import ConsoleController
from console.main_window import MainWindow
from services.paths import DataPaths
from services import river_status
from services.simulator.server import SimulatorServer
from widgets.feed_status_model import condition
from widgets.i18n import set_language

FIRST_SYNC_MS = 60_000


def _breached(row, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    return (row.expected_at is not None and row.expected_at < now and row.status == "open"
            and row.sla_paused_since is None and row.state not in ("resolved", "closed", "cancelled"))


@pytest.fixture
def shown_first(qtbot, data_paths: DataPaths) -> Iterator[ConsoleController]:  # type: ignore[no-untyped-def]
    """A console composed as ``pao-console`` composes it: the window is on screen first, then the controller
    builds its docks into it (console.app)."""
    window = MainWindow(None)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.restore_layout()
    window.show()
    qtbot.waitExposed(window)
    controller = ConsoleController(window, data_paths)
    controller.start()
    yield controller
    controller.shutdown(timeout=15)
    window.close()


def test_the_queue_is_on_top_in_triage_order_and_every_gauge_shows(qtbot, shown_first) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = shown_first
    window = controller.window
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.map.ready, timeout=60_000)
    queue = controller.incidents.queue
    model = queue.model
    qtbot.waitUntil(lambda: model.rowCount() > 10 and model.row_data(0) is not None, timeout=20_000)
    qtbot.waitUntil(lambda: window.overview.river_model.rowCount() == 7, timeout=20_000)
    qtbot.wait(200)  # the default dock sizes follow the map into the centre

    # The queue is the tab on top of the bottom dock, Feed status behind it.
    incidents, feeds = window.dock("incidents"), window.dock("feedStatus")
    assert feeds in window.tabifiedDockWidgets(incidents)
    assert not incidents.visibleRegion().isEmpty() and feeds.visibleRegion().isEmpty()

    # More than five rows on screen.
    table = queue.table
    assert table.viewport().height() // table.rowHeight(0) > 5

    # Triage order: past the SLA first, then priority, then oldest.
    now = datetime.now(UTC)
    shown = [model.row_data(r) for r in range(min(model.rowCount(), 40))]
    shown = [r for r in shown if r is not None]
    keys = [(not _breached(r, now), r.priority is None, r.priority or "", r.requested_at) for r in shown]
    assert keys == sorted(keys)
    assert any(_breached(r, now) for r in shown)  # the demo has breaches: they lead

    # District names, not codes; SLA text and priority glyphs that fit their columns.
    district, sla, priority = (model.COLUMNS.index(c) for c in ("district", "sla", "priority"))
    metrics = table.fontMetrics()
    for row in range(min(len(shown), 8)):
        name = model.index(row, district).data()
        assert name and not name.startswith("TH50") and name != shown[row].district_code
        for column in (sla, district):
            assert metrics.horizontalAdvance(model.index(row, column).data()) + 8 <= table.columnWidth(column)
        if shown[row].priority == "P1":
            assert model.index(row, priority).data() == "▲ P1"
    count = queue.count_label
    assert count.width() >= count.fontMetrics().horizontalAdvance(count.text())

    # Every gauge on screen, worst first on the one river scale.
    river = window.overview.river_table
    rows = window.overview.river_model.rows()
    assert rows == river_status.worst_first(rows)
    last = len(rows) - 1
    seen = river.viewport().visibleRegion().boundingRect()  # what of the rows is not clipped by the dock
    assert seen.top() <= 0 and seen.bottom() + 1 >= river.rowViewportPosition(last) + river.rowHeight(last)


def test_failing_feeds_say_so_in_words(qtbot, console_factory, simulator: SimulatorServer) -> None:  # type: ignore[no-untyped-def]
    controller: ConsoleController = console_factory(simulator_url=simulator.url)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    panel = controller.window.feed_status
    qtbot.waitUntil(lambda: panel.summary_condition == "ok", timeout=10_000)
    simulator.set_offline(True)
    controller.sync_controller.sync_now()
    qtbot.waitUntil(lambda: controller.window.connection.state == "offline", timeout=60_000)
    qtbot.waitUntil(lambda: all(r.failing for r in panel.model.rows()), timeout=10_000)
    # The data is a minute old, so each feed is still "fresh" by age: failing all the same, never on green.
    assert panel.summary_condition in ("warning", "problem")
    assert all(condition(r) in ("warning", "problem") for r in panel.model.rows())
    assert "ครบ" not in panel.summary.text() and "ดึงข้อมูลไม่สำเร็จ" in panel.summary.text()
    error = panel.model.COLUMNS.index("last_error")
    host = simulator.url.split("://", 1)[1]
    for row in range(panel.model.rowCount()):
        shown = panel.model.index(row, error).data()
        assert shown.startswith("เซิร์ฟเวอร์ไม่รับการเชื่อมต่อ") and shown.endswith(host), shown
        assert "://" not in shown
    set_language("en")
    try:
        panel.retranslate()
        assert panel.model.index(0, error).data().startswith("the server refused the connection")
        assert "failing" in panel.summary.text()
    finally:
        set_language("th")
        panel.retranslate()
    simulator.set_offline(False)
