"""One slow or failing service never stalls the rest, and its failure reaches the operator in words.

- A real console (ConsoleController + MainWindow, offscreen) against the simulator while the basemap server trickles
  every tile and the FIRMS server hangs: the map asks for tiles all along, and still every other feed polls and an
  edit goes out well within the tile deadline (30 s) and the hanging call's deadline (60 s).
- A store held locked by another program while a poll is saved: the feed's row says it is failing and what failed,
  and nothing of the SQL (statement, parameters, sqlalche.me link) reaches the status bar.
"""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt

from console.controller import ConsoleController
from services.simulator.server import SimulatorServer
from services.tile_cache import tile_of

START_MS = 60_000
# Both below the tile fetcher's 30 s body deadline and the feeds' 60 s call deadline: work that waited behind a
# trickling tile or the hanging FIRMS call could not finish in time.
ON_TIME_MS = 25_000
TILE_REQUESTS = 40
TRICKLE_BUDGET = 100_000  # the trickle fault's count, so the test can see how many tile requests reached the server
FIRMS_FEEDS = {"firms_viirs_snpp_nrt", "firms_viirs_noaa20_nrt", "firms_modis_nrt"}
SQL_TRACES = ("SQL", "sqlalche.me", "[parameters", "OperationalError", "UPDATE ", "INSERT ", "sqlite3.")






def _tiles_reached_server(simulator: SimulatorServer, fault_id: int) -> int:
    fault = next(f for f in simulator.faults.list() if f.id == fault_id)
    assert fault.remaining is not None
    return TRICKLE_BUDGET - fault.remaining


def test_trickling_tiles_and_a_hanging_feed_stall_nothing_else(  # type: ignore[no-untyped-def]
        qtbot, console_factory, simulator: SimulatorServer, simulator_tokens_in_keyring) -> None:
    tiles = simulator.faults.add("tiles", "trickle", interval=0.5, chunk=16, count=TRICKLE_BUDGET)
    simulator.faults.add("firms", "hang")
    controller: ConsoleController = console_factory(simulator_url=simulator.url)
    sync = controller.sync_controller
    qtbot.waitUntil(lambda: sync.sync is not None and controller.outbox._writer is not None
                    and controller.map._tile_source is not None, timeout=START_MS)
    others = {s.name for s in sync.sync.specs} - FIRMS_FEEDS
    assert {"air4thai", "thaiwater", "open311_requests", "open311_services"} <= others

    def settled() -> bool:
        """Every feed but FIRMS has finished its first poll (FIRMS hangs)."""
        done = {r.feed for r in controller.feed_rows() if r.last_success_at is not None and not r.polling}
        return others <= done

    qtbot.waitUntil(settled, timeout=START_MS)
    incident_id, server_id = next((r.id, r.server_id) for r in controller.store.incidents_page(limit=20)
                                  if r.server_id)

    # The map asks for tiles no one has cached, through the same provider its view uses; they all trickle.
    replies: list[bytes | None] = []
    z = 15
    x0, y0 = tile_of(98.99, 18.79, z)
    for i in range(TILE_REQUESTS):
        controller.map._provide_tile(z, x0 + i % 8, y0 + i // 8, replies.append)
    qtbot.waitUntil(lambda: _tiles_reached_server(simulator, tiles.id) >= 1, timeout=10_000)  # trickling now

    polled: set[str] = set()
    sync.sig_feed_polled.connect(lambda state: polled.add(state.feed) if not state.consecutive_failures else None)
    assert not set(sync.sync.snapshot().in_flight) - FIRMS_FEEDS  # so each poll that follows starts now
    sync.sync_now()
    text = "slow-services comment: sent while the basemap trickles and FIRMS hangs"
    controller.incidents.detail.sig_comment_requested.emit(incident_id, text)

    def polled_again() -> set[str]:
        return polled & others

    def comment_sent() -> bool:
        return text in [c["text"] for c in simulator.incidents.comments(server_id)]

    try:
        qtbot.waitUntil(lambda: others <= polled_again() and comment_sent(), timeout=ON_TIME_MS)
    except qtbot.TimeoutError:
        pytest.fail(f"not on time: feeds not polled again {sorted(others - polled_again())}, comment sent "
                    f"{comment_sent()}, polls in flight {sync.sync.snapshot().in_flight}, outbox running "
                    f"{controller.outbox.running}, status bar {controller.window.activity.text()!r}")
    # ... while FIRMS was still hanging, and the tiles were still trickling (none has come back yet).
    assert FIRMS_FEEDS <= set(sync.sync.snapshot().in_flight)
    assert len(replies) < TILE_REQUESTS

    # Let the hanging and trickling calls end (the simulator cuts its connections) before the console closes.
    sync.stop()
    simulator.stop()
    qtbot.waitUntil(lambda: not sync.sync.snapshot().in_flight and len(replies) == TILE_REQUESTS, timeout=60_000)


def test_a_store_locked_by_another_program_shows_as_a_failing_feed_in_words(  # type: ignore[no-untyped-def]
        qtbot, console_factory, simulator: SimulatorServer, english) -> None:
    controller: ConsoleController = console_factory(simulator_url=simulator.url)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=START_MS):
        pass
    said: list[str] = []
    controller.sync_controller.sig_poll_failed.connect(lambda _feed, message: said.append(message))
    controller.runner.sig_task_failed.connect(said.append)

    other_program = sqlite3.connect(controller.store.path, isolation_level=None, timeout=10)
    try:
        other_program.execute("BEGIN EXCLUSIVE")  # writers now wait out the store's busy timeout, then fail
        controller.sync_controller.sync_now()

        def failing_rows() -> list:
            return [r for r in controller.feed_rows() if r.failing and r.last_error
                    and "could not be saved" in r.last_error]

        qtbot.waitUntil(lambda: bool(failing_rows()), timeout=60_000)
        row = failing_rows()[0]
        assert "locked by another program" in row.last_error  # what failed, and why
        model = controller.window.feed_status.model  # what the Feed status dock shows, within one redraw
        qtbot.waitUntil(lambda: (model.row_for(row.feed) or row).failing and model.row_for(row.feed) is not None,
                        timeout=5_000)
        line = next(i for i in range(model.rowCount()) if model.index(i, 0).data(Qt.ItemDataRole.UserRole) == row.feed)
        assert "failing" in model.index(line, model.COLUMNS.index("status")).data()
        assert "could not be saved" in model.index(line, model.COLUMNS.index("last_error")).data()
        shown = next(m for m in controller.window.activity.recent() if row.feed in m)  # said, and kept
        assert "could not be saved" in shown
        for message in [shown, row.last_error, *said]:
            assert not any(trace in message for trace in SQL_TRACES), message
    finally:
        other_program.close()  # rolls the open transaction back

    # The other program let go: the next poll is saved and the row is healthy again.
    controller.sync_controller.sync_now()
    qtbot.waitUntil(lambda: not next(r for r in controller.feed_rows() if r.feed == row.feed).failing,
                    timeout=60_000)
