"""Widget models: Qt's model tester, display text, colours, and hostile text shown as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.widgets.record_fakes import Air, River
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from widgets.display_format import format_age, format_datetime, plain_tooltip
from widgets.feed_status_model import FeedStatusModel
from widgets.i18n import set_language
from widgets.readings_models import AirQualityModel, RiverLevelModel
from widgets.table_colours import FEED, RIVER
from widgets.table_rows import FeedStatusRow

HOSTILE = '<img src=x onerror=alert(1)> "quote" ${x} `tick` </script> สถานี'
T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def thai() -> None:
    set_language("th")
    yield
    set_language("th")


def feed_row(**kw: object) -> FeedStatusRow:
    base = dict(feed="air4thai", source="Air4Thai (PCD)", title_en="Air quality", title_th="คุณภาพอากาศ",
                cadence_s=600, last_attempt_at=T0, last_success_at=T0, age_s=30.0, freshness="fresh",
                last_error=None, last_error_at=None, records_total=10, records_last=2, rejected_last=0)
    base.update(kw)
    return FeedStatusRow(**base)  # type: ignore[arg-type]






def test_feed_status_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = FeedStatusModel()
    model.set_rows([feed_row(), feed_row(feed="thaiwater", freshness="stale", failing=True,
                                         last_error=HOSTILE, last_error_at=T0)])
    qtmodeltester.check(model)
    status = model.COLUMNS.index("status")
    error = model.COLUMNS.index("last_error")
    assert model.index(0, status).data() == "✓ ข้อมูลสด"
    assert model.index(1, status).data() == "✖ ดึงข้อมูลไม่สำเร็จ · ข้อมูลเก่า"  # the reason first
    assert model.index(1, error).data() == HOSTILE  # shown as text, verbatim
    tooltip = model.index(1, error).data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tooltip and "&lt;img" in tooltip
    assert model.index(1, status).data(Qt.ItemDataRole.BackgroundRole).color() == QColor(*FEED["problem"])
    set_language("en")
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Feed"
    assert model.index(0, 0).data() == "Air quality"


def test_air_quality_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = AirQualityModel(clock=lambda: T0 + timedelta(minutes=50))
    model.set_rows([Air("35t", HOSTILE, "City Hall ", T0, 80.2, 203, 5), Air("36t", None, None, T0, None, None, None)])
    qtmodeltester.check(model)
    assert model.index(0, 0).data() == HOSTILE.strip()
    assert model.index(0, 1).data() == "80.2 µg/m³"  # PM2.5 carries its unit
    assert model.index(0, 2).data(Qt.ItemDataRole.BackgroundRole).color() == QColor(205, 0, 0)
    assert model.index(0, 3).data() == "มีผลกระทบต่อสุขภาพ"
    assert model.index(1, 0).data() == "36t" and model.index(1, 1).data() == "—"
    age = model.COLUMNS.index("age")
    assert model.index(0, age).data() == "50 นาที"  # its age
    assert "14:00" in model.index(0, age).data(Qt.ItemDataRole.ToolTipRole)  # the time, in Bangkok


def test_river_level_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RiverLevelModel(clock=lambda: T0)
    model.set_rows([River("P.1", "สะพานนวรัฐ", "Nawarat Bridge", T0, 3.85, 0.15, 5, 3.60,
                          {"bank_full_m": 3.70, "flood_m": 4.20})])
    qtmodeltester.check(model)
    column = model.COLUMNS.index
    assert model.index(0, column("to_bank")).data() == "+0.15"
    assert model.index(0, column("trend")).data() == "—"  # no 24-hour series: no rate (test_sparklines.py)
    assert model.index(0, column("band")).data() == "เต็มตลิ่ง"  # services.river_status: above bank-full
    assert model.index(0, column("band")).data(Qt.ItemDataRole.BackgroundRole).color() == QColor(
        *RIVER["bank_full"])


def test_formats() -> None:
    assert format_datetime(T0, "th") == "25 พ.ย. 2569 14:00"
    assert format_datetime(T0, "en") == "25 Nov 2026 14:00"
    assert format_age(59, "en") == "59 s" and format_age(3900, "en") == "1 h 5 min"
    assert plain_tooltip("<b>x</b>\ny") == '<qt><p style="white-space:pre-wrap">&lt;b&gt;x&lt;/b&gt;<br>y</p></qt>'


def test_overview_selects_a_station(qtbot) -> None:  # type: ignore[no-untyped-def]
    from widgets.overview_panel import OverviewPanel

    panel = OverviewPanel()
    qtbot.addWidget(panel)
    panel.set_air([Air("35t", "ศาลากลาง", "City Hall", T0, 20.0, 40, 2), Air("36t", None, "Yupparaj", T0, 30.0, 60, 3)])
    assert panel.select_station("air", "35t")
    assert panel.air_table.selectionModel().selectedRows()[0].row() == 1  # worst first: 36t is row 0
    assert not panel.select_station("air", "nope")


def test_attachment_viewer(qtbot) -> None:  # type: ignore[no-untyped-def]
    import io

    from PIL import Image

    from widgets.attachment_viewer import AttachmentViewer

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    viewer = AttachmentViewer("photo", buffer.getvalue())
    qtbot.addWidget(viewer)
    assert viewer.image.pixmap().width() == 64
    other = AttachmentViewer("file", b"%PDF-1.7 not an image <script>")
    qtbot.addWidget(other)
    assert other.image.pixmap().isNull() and "image" in other.image.text().lower() or "รูปภาพ" in other.image.text()
