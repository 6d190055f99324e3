"""The map in the real console against the real simulator: the words of the codes reach the page from the console's
own labels, the river layer carries the one river scale's band, and when every feed fails the layer badges stop
saying "latest"."""

from __future__ import annotations

from typing import Any

import pytest

from services.river_status import BANDS
from services.simulator.server import SimulatorServer
from tests.maps.conftest import js
from widgets.incident_rows import state_label

pytestmark = pytest.mark.webengine

FIRST_SYNC_MS = 60_000


def _badges(qtbot: Any, view: Any) -> dict[str, str]:
    return js(qtbot, view, "const out = {}; for (const row of document.querySelectorAll('.console-layer')) "
                           "{ const b = row.querySelector('.console-badge'); if (b.textContent) "
                           "out[row.dataset.layer] = b.dataset.state; } return out;")


def test_words_bands_and_failing_badges_through_the_console(qtbot: Any, console_factory: Any,
                                                            simulator: SimulatorServer) -> None:
    controller = console_factory(simulator_url=simulator.url)
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    qtbot.waitUntil(lambda: controller.map.ready, timeout=60_000)
    view = controller.map.view
    qtbot.waitUntil(lambda: all(r.freshness == "fresh" for r in controller.feed_rows()), timeout=30_000)
    qtbot.waitUntil(lambda: list(_badges(qtbot, view).values()) == ["fresh"] * 4, timeout=20_000)

    # The console hands the page its own words for the workflow states (the queue's), in the UI language.
    strings = js(qtbot, view, "return ConsoleMap.app.strings;")
    assert strings["state.on_scene"] == state_label("on_scene") == "ถึงที่เกิดเหตุ"
    assert js(qtbot, view, "return ConsoleMap.app.word('state.on_scene');") == "ถึงที่เกิดเหตุ"
    def bands() -> list[str]:
        return js(qtbot, view, "return Array.from(ConsoleMap.app.layers.river.features.values())"
                               ".map(f => f.properties.band);")

    qtbot.waitUntil(lambda: len(bands()) == 7, timeout=20_000)
    assert set(bands()) <= set(BANDS) and "unknown" not in bands()

    # Every feed fails: its data is still recent, but no badge may say "latest" any more.
    simulator.faults.add("*", "malformed", variant="html")
    controller.sync_controller.sync_now()
    qtbot.waitUntil(lambda: all(r.failing for r in controller.feed_rows()), timeout=60_000)
    qtbot.waitUntil(lambda: set(_badges(qtbot, view).values()) <= {"failing", "stale"}, timeout=20_000)
    text = js(qtbot, view, "return Array.from(document.querySelectorAll('.console-badge'))"
                           ".map(b => b.textContent).join('\\n');")
    assert "ล่าสุด" not in text and "ดึงข้อมูลไม่สำเร็จ" in text
