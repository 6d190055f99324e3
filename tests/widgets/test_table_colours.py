"""Text on coloured cells reads at 4.5:1 or better (WCAG 2 AA): computed over every background the tables use, and
over what the models actually paint, cell by cell, in every band and state. P1 and an SLA breach never look alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from services import river_status
from services.feeds.thai_aqi import BANDS
from tests.widgets.incident_fakes import Row
from tests.widgets.record_fakes import Air, River
from tests.widgets.test_models import feed_row
from widgets import table_colours
from widgets.feed_status_model import FeedStatusModel
from widgets.incident_queue_model import PRIORITY_COLOURS, PRIORITY_GLYPHS, SLA_COLOURS, SLA_GLYPHS, IncidentQueueModel
from widgets.readings_models import AirQualityModel, RiverLevelModel
from widgets.table_colours import BACKGROUNDS, MIN_CONTRAST, contrast_ratio, rgb_of, text_on

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def test_the_contrast_formula_matches_wcag() -> None:
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((255, 255, 255), (255, 255, 255)) == pytest.approx(1.0)
    assert contrast_ratio((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)  # WCAG's #767676


@pytest.mark.parametrize("background", BACKGROUNDS, ids=str)
def test_every_background_has_readable_text(background: tuple[int, int, int]) -> None:
    assert contrast_ratio(text_on(background), background) >= MIN_CONTRAST


def test_every_band_colour_is_listed() -> None:
    assert {band.rgb for band in BANDS} <= set(BACKGROUNDS)
    assert set(river_status.COLOURS.values()) <= set(BACKGROUNDS)
    assert {rgb_of(c) for c in (*SLA_COLOURS.values(), *PRIORITY_COLOURS.values())} <= set(BACKGROUNDS)


def test_out_of_date_text_reads_on_every_plain_background() -> None:
    for background in table_colours.PLAIN:
        assert contrast_ratio(table_colours.OUT_OF_DATE_TEXT, background) >= MIN_CONTRAST


def painted(model, columns: range | None = None) -> list[tuple[tuple[int, int, int], tuple[int, int, int]]]:  # type: ignore[no-untyped-def]
    """(text, background) of every coloured cell the model paints."""
    pairs = []
    for row in range(model.rowCount()):
        for column in columns or range(model.columnCount()):
            background = model.index(row, column).data(Qt.ItemDataRole.BackgroundRole)
            if background is None:
                continue
            text = model.index(row, column).data(Qt.ItemDataRole.ForegroundRole)
            assert text is not None, (row, column)  # a coloured cell always sets its text colour
            pairs.append((rgb_of(text.color()), rgb_of(background.color())))
    return pairs


def test_what_the_models_paint_reads_at_4_5_to_1(qtbot) -> None:  # type: ignore[no-untyped-def]
    air = AirQualityModel(clock=lambda: T0)
    air.set_rows([Air(f"s{n}", "ส", "S", T0, 10.0 * n, 40 * n, n) for n in range(1, 6)]
                 + [Air("old", "ส", "S", T0 - timedelta(hours=5), 90.0, 180, 4)])  # out of date: grey
    river = RiverLevelModel(clock=lambda: T0)
    limits = {"bank_full_m": 3.7, "flood_m": 4.2}
    river.set_rows([River("u", None, None, T0, None, None, None, None),
                    River("l", None, None, T0, 1.0, -3.0, 2, 1.0),
                    River("n", None, None, T0, 1.0, -3.0, 3, 1.0, limits),
                    River("h", None, None, T0, 3.5, -0.2, 4, 3.4, limits),
                    River("b", None, None, T0, 3.9, 0.2, 5, 3.8, limits),
                    River("f", None, None, T0, 4.4, 0.7, 5, 4.3, limits),
                    River("o", None, None, T0 - timedelta(hours=2), 4.4, 0.7, 5, 4.3, limits)])
    assert {river_status.status_of(r).band for r in river.rows()} == set(river_status.BANDS)
    rows = [Row(id=1, priority="P1", expected_at=T0 - timedelta(minutes=5)),
            Row(id=2, priority="P2", expected_at=T0 + timedelta(minutes=20)),
            Row(id=3, priority="P3", sla_paused_since=T0, sla_remaining_s=600, state="on_hold")]
    queue = IncidentQueueModel(lambda ids, done: done(rows), clock=lambda: T0)
    queue.set_ids([1, 2, 3], first_rows=rows)
    feeds = FeedStatusModel()
    feeds.set_rows([feed_row(feed="a"), feed_row(feed="b", freshness="late"), feed_row(feed="c", failing=True),
                    feed_row(feed="d", freshness="stale"), feed_row(feed="e", freshness="never")])
    pairs = painted(air) + painted(river) + painted(queue) + painted(feeds)
    backgrounds = {background for _, background in pairs}
    assert len(backgrounds) >= 15  # AQI 1-5, six river bands, grey, P1/P2, three SLA states, the feed states
    for text, background in pairs:
        assert contrast_ratio(text, background) >= MIN_CONTRAST, (text, background)


def test_p1_and_a_breached_sla_never_look_alike() -> None:
    p1, breached = rgb_of(PRIORITY_COLOURS["P1"]), rgb_of(SLA_COLOURS["breached"])
    # Saturated: a strong red, far from grey.
    assert max(p1) - min(p1) >= 120
    # Told apart without hue (red-green colour blindness): by lightness, and by their own glyphs.
    assert contrast_ratio(p1, breached) >= 2.0
    assert PRIORITY_GLYPHS["P1"] != SLA_GLYPHS["breached"]
