"""Each feed's spec says what its data refreshes (FeedSpec.map_layers / overview): a FIRMS source added in the settings
is not listed anywhere else, yet its polls refresh the hotspot layer, and the layer's badge and count follow it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from console.controller import ConsoleController
from services.paths import DataPaths
from services.settings import Settings
from services.simulator.fires import FireModel
from services.simulator.server import SimulatorServer

FIRST_SYNC_MS = 60_000
ADDED_SOURCE = "VIIRS_NOAA21_NRT"  # not among the default firms_sources


def _seed_with_hotspots(source: str) -> int:
    """A simulator seed whose ``source`` has detections in the console's request window now: the simulated FIRMS is
    random per seed and day (a quiet month can have none), and the map shows the last days by the wall clock."""
    now, box = datetime.now(UTC), tuple(Settings().firms_bbox)
    for seed in range(2026, 2226):
        if FireModel(seed).query(now, source, box, 2, None):
            return seed
    pytest.fail(f"no seed gives {source} hotspots now")


@pytest.fixture
def firms_simulator() -> Iterator[SimulatorServer]:
    server = SimulatorServer(port=0, seed=_seed_with_hotspots(ADDED_SOURCE)).start()
    try:
        yield server
    finally:
        server.stop()


def _page_state(qtbot, view, what: str) -> dict:  # type: ignore[no-untyped-def]
    answer: dict = {}
    view.query(what, answer.update)
    qtbot.waitUntil(lambda: bool(answer), timeout=10_000)
    return answer


def test_a_firms_source_added_in_settings_refreshes_the_hotspot_layer_and_its_badge(  # type: ignore[no-untyped-def]
        qtbot, console_factory, data_paths: DataPaths, firms_simulator: SimulatorServer) -> None:
    data_paths.settings_file.write_text(json.dumps({"firms_sources": [ADDED_SOURCE]}), encoding="utf-8")
    refused = firms_simulator.faults.add("firms", "malformed", variant="map_key")  # no hotspots at first
    controller: ConsoleController = console_factory(simulator_url=firms_simulator.url)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.map.ready, timeout=60_000)
    view = controller.map.view
    feed = f"firms_{ADDED_SOURCE.lower()}"
    assert [r.feed for r in controller.feed_rows() if r.source == "NASA FIRMS"] == [feed]
    # The badge reflects the feed, failing as it is: its source is named there (no other layer's is NASA FIRMS).
    qtbot.waitUntil(lambda: "NASA FIRMS" in str(_page_state(qtbot, view, "dom_text")["controls"]), timeout=10_000)
    assert _page_state(qtbot, view, "state")["layers"]["hotspots"]["count"] == 0

    firms_simulator.faults.remove(refused.id)
    controller.sync_controller.sync_now()  # its poll now brings hotspots; nothing else asks for the layer
    qtbot.waitUntil(lambda: next(r for r in controller.feed_rows() if r.feed == feed).records_total > 0,
                    timeout=30_000)
    qtbot.waitUntil(lambda: _page_state(qtbot, view, "state")["layers"]["hotspots"]["count"] > 0, timeout=20_000)
    row = next(r for r in controller.feed_rows() if r.feed == feed)
    assert row.freshness == "fresh" and not row.failing
