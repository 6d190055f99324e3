"""The Bangkok time axis: ticks on whole Bangkok hours and days, Thai dates with Buddhist-Era years, the date on the
first tick of each day and the clock on the others, steps that leave room for the labels."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.widgets.charts.chart_data import HOUR, NOW
from widgets.charts.time_axis import DAY_S, BangkokAxis, format_date, format_instant, local_day
from widgets.display_format import BANGKOK
from widgets.i18n import set_language

THAI_FULL = re.compile(r"^\d{1,2} [ก-๙.]+ 25\d\d \d\d:\d\d$")  # 5 ธ.ค. 2569 14:00
ENGLISH_FULL = re.compile(r"^\d{1,2} [A-Z][a-z]{2} 20\d\d \d\d:\d\d$")
CLOCK = re.compile(r"^\d\d:\d\d$")


def _labels(axis: BangkokAxis, t0: float, t1: float, width: float) -> list[tuple[float, str]]:
    (spacing, values), *_minor = axis.tickValues(t0, t1, width)
    return list(zip(values, axis.tickStrings(values, 1.0, spacing), strict=True))


def test_format_helpers_say_bangkok_time_with_be_years() -> None:
    assert format_instant(NOW, "th") == "5 ธ.ค. 2569 14:00"
    assert format_instant(NOW, "en") == "5 Dec 2026 14:00"
    assert format_date(NOW, "th") == "5 ธ.ค. 2569" and format_date(NOW, "th", year=False) == "5 ธ.ค."
    # 17:30 UTC on the 4th is already the 5th in Bangkok.
    assert local_day(datetime(2026, 12, 4, 17, 30, tzinfo=UTC).timestamp()) == local_day(NOW)


def test_a_day_window_ticks_on_whole_bangkok_hours_with_the_date_at_day_starts(qtbot) -> None:  # type: ignore[no-untyped-def]
    axis = BangkokAxis()
    labels = _labels(axis, NOW - DAY_S, NOW, 800)
    assert len(labels) >= 4
    for value, text in labels:
        local = datetime.fromtimestamp(value, BANGKOK)
        assert local.minute == 0 and local.second == 0  # whole local hours, not whole UTC multiples of the step
        assert THAI_FULL.match(text) or CLOCK.match(text), text
        if local.hour == 0:
            assert text == f"{local.day} ธ.ค. 2569 00:00"  # a new day carries its date, BE year
    assert THAI_FULL.match(labels[0][1]) or THAI_FULL.match(labels[1][1])  # the date is on screen from the start
    dated = [text for _v, text in labels if THAI_FULL.match(text)]
    assert len(dated) <= 2  # and otherwise only the clock: the labels fit


def test_english_labels_use_common_era_years(qtbot) -> None:  # type: ignore[no-untyped-def]
    set_language("en")
    labels = _labels(BangkokAxis(), NOW - DAY_S, NOW, 800)
    assert any(ENGLISH_FULL.match(text) for _v, text in labels)
    assert all("2569" not in text for _v, text in labels)


@pytest.mark.parametrize(("span", "width", "day_steps"), [(6 * HOUR, 450, False), (DAY_S, 450, False),
                                                          (7 * DAY_S, 450, True), (30 * DAY_S, 450, True),
                                                          (30 * DAY_S, 1400, True)])
def test_steps_leave_room_for_the_labels(qtbot, span: float, width: int, day_steps: bool) -> None:  # type: ignore[no-untyped-def]
    axis = BangkokAxis()
    labels = _labels(axis, NOW - span, NOW, width)
    assert (axis.major_step_s >= DAY_S) == day_steps
    assert 2 <= len(labels) <= width / 50  # enough ticks to read the time, never a crowd
    if day_steps:
        for value, text in labels:
            local = datetime.fromtimestamp(value, BANGKOK)
            assert local.hour == 0 and local.minute == 0  # Bangkok midnights
            assert re.match(r"^\d{1,2} [ก-๙.]+( 25\d\d)?$", text), text
        # The year once, on the first date whose whole label fits inside the axis (the very first may not).
        with_year = [i for i, (_v, text) in enumerate(labels) if text.endswith(" 2569")]
        assert with_year and with_year[0] <= 1 and len(with_year) == 1
