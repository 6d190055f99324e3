"""The map's custom time window is written in Asia/Bangkok time, with the four-digit Buddhist-Era year in Thai (as
the console's tables write times), never in UTC or the Western year."""

from __future__ import annotations

from typing import Any

from maps.map_view import MapView
from tests.maps.conftest import ask


def test_custom_time_window_in_bangkok_time_and_buddhist_era(map_view: MapView, qtbot: Any) -> None:
    # 17:30 UTC on 9 Nov is 00:30 on 10 Nov in Bangkok: the day, the hour and the year all differ from UTC.
    map_view.set_time_window("2026-11-09T17:30:00Z", "2026-12-31T18:00:00Z")
    map_view.set_language("th", {})
    text = ask(qtbot, map_view, "dom_text")["controls"]
    assert "10 พ.ย. 2569 00:30" in text and "1 ม.ค. 2570 01:00" in text
    assert "2026-11-09" not in text and "17:30" not in text
    map_view.set_language("en", {})
    text = ask(qtbot, map_view, "dom_text")["controls"]
    assert "10 Nov 2026 00:30" in text and "1 Jan 2027 01:00" in text
