"""Failing and old data never look fresh: a feed's condition joins freshness and failure, the summary says the
problems first in the worst condition's colour, and a feed's error reaches the operator as words, reason first, in
their language, never as a URL cut off mid-way (the errors are the real ones, from the real HTTP client and parser
against the simulator)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from services.errors import FeedError
from services.feeds.air4thai import latest_url, parse_latest
from services.feeds.http_client import FeedHttpClient
from services.simulator.server import SimulatorServer
from widgets.failure_text import describe_feed_error
from widgets.feed_status_model import FeedStatusModel, condition, summary
from widgets.feed_status_panel import FeedStatusPanel
from widgets.i18n import set_language
from widgets.table_colours import FEED
from widgets.table_rows import FeedStatusRow

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def thai() -> Iterator[None]:
    set_language("th")
    yield
    set_language("th")


def feed(name: str, freshness: str = "fresh", failing: bool = False, error: str | None = None) -> FeedStatusRow:
    return FeedStatusRow(feed=name, source="src", title_en=name, title_th=name, cadence_s=600, last_attempt_at=T0,
                         last_success_at=T0, age_s=30.0, freshness=freshness, last_error=error,
                         last_error_at=T0 if error else None, records_total=1, records_last=1, rejected_last=0,
                         failing=failing)


def test_a_failing_feed_is_never_fresh_in_the_summary_or_its_row(qtbot) -> None:  # type: ignore[no-untyped-def]
    # Every poll failing a minute after the last success: the data is still "fresh" by age, the feeds are not fine.
    refused = "air4thai: GET http://127.0.0.1:8311/air4thai/services/getNewAQI_JSON.php: connection refused"
    rows = [feed(f"f{i}", failing=True, error=refused) for i in range(7)] + [feed("f7", failing=True, error="x")]
    text, state = summary(rows)
    assert state == "warning" and "ครบ" not in text
    assert text.startswith("! ดึงข้อมูลไม่สำเร็จ 8: เซิร์ฟเวอร์ไม่รับการเชื่อมต่อ")  # the commonest reason, in words
    set_language("en")
    text, state = summary(rows)
    assert text == "! 8 failing: the server refused the connection (of 8 feeds)" and state == "warning"
    assert summary([feed(f"f{i}") for i in range(8)]) == ("✓ All 8 feeds fresh", "ok")
    mixed = [feed("a"), feed("b", "late"), feed("c", "stale"), feed("d", "stale", failing=True, error="x")]
    assert summary(mixed) == ("✖ 1 failing: x · 1 stale · 1 late · 1 fresh (of 4 feeds)", "problem")
    assert [condition(r) for r in mixed] == ["ok", "warning", "problem", "problem"]

    model = FeedStatusModel()
    model.set_rows(rows)
    status = model.COLUMNS.index("status")
    assert model.index(0, status).data() == "! failing"
    assert model.index(0, status).data(Qt.ItemDataRole.BackgroundRole).color() == QColor(*FEED["warning"])
    assert model.index(0, model.COLUMNS.index("age")).data(Qt.ItemDataRole.BackgroundRole).color() == QColor(
        *FEED["warning"])


@pytest.mark.parametrize(("rows", "state"), [
    ([feed("a"), feed("b")], "ok"),
    ([feed("a"), feed("b", failing=True, error="x")], "warning"),
    ([feed("a"), feed("b", "stale")], "problem"),
])
def test_the_summary_is_painted_in_its_condition(qtbot, rows, state) -> None:  # type: ignore[no-untyped-def]
    panel = FeedStatusPanel()
    qtbot.addWidget(panel)
    panel.set_rows(rows)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.summary_condition == state
    image = panel.summary.grab().toImage()
    assert image.pixelColor(2, image.height() // 2) == QColor(*FEED[state])  # sampled, not read from a style


def failure(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(FeedError) as caught:
        call()
    return str(caught.value)


@pytest.fixture
def client() -> Iterator[FeedHttpClient]:
    c = FeedHttpClient("air4thai", retries=0, deadline=10.0, connect_timeout=3.0, read_timeout=5.0)
    yield c
    c.close()


def test_real_feed_errors_become_words_reason_first(simulator: SimulatorServer, client: FeedHttpClient) -> None:
    base = f"{simulator.url}/air4thai"
    host = simulator.url.split("://", 1)[1]
    cases: list[tuple[str, str, str]] = []

    simulator.faults.add("air4thai", "error", status=503, count=1)
    cases.append((failure(lambda: client.get(latest_url(base))), "เซิร์ฟเวอร์ขัดข้อง (HTTP 503)",
                  "the server is failing (HTTP 503)"))
    cases.append((failure(lambda: client.get(f"{base}/no/such/endpoint.php")), "เซิร์ฟเวอร์ไม่มีข้อมูลที่ขอ (HTTP 404)",
                  "the server does not have it (HTTP 404)"))
    simulator.faults.add("air4thai", "malformed", variant="html", count=1)
    body = client.get(latest_url(base)).content
    cases.append((failure(lambda: parse_latest(body)), "เซิร์ฟเวอร์ส่งหน้าเว็บมาแทนข้อมูล",
                  "the server sent a web page instead of data"))
    simulator.set_offline(True)
    try:
        cases.append((failure(lambda: client.get(latest_url(base))), "เซิร์ฟเวอร์ไม่รับการเชื่อมต่อ",
                      "the server refused the connection"))
    finally:
        simulator.set_offline(False)

    for message, thai, english in cases:
        for language, words in (("th", thai), ("en", english)):
            set_language(language)
            shown = describe_feed_error(message)
            assert shown.startswith(words), (message, shown)  # the reason first, in the UI language
            assert "://" not in shown and "getNewAQI" not in shown  # never the request's URL
            if "HTTP" in message or "GET" in message:
                assert shown.endswith(f"· {host}"), shown  # which server, whole


def test_unknown_text_keeps_its_words_and_loses_its_urls() -> None:
    long_url = "http://example.org/" + "a" * 300
    assert describe_feed_error(f"the store is full; see {long_url} for help") == (
        "the store is full; see example.org for help")
    assert describe_feed_error(None) == ""
