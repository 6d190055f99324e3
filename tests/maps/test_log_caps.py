"""The real ``pao://`` scheme handler logs a refused path capped: a 1.9 MB URL gave a 1.9 MB log line before."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from maps.map_view import MapView
from services.log_values import LOG_VALUE_LIMIT
from tests.maps.conftest import js

PATH_CHARS = 1_900_000  # under Chromium's 2 MiB URL limit, so the request reaches the handler


def test_a_huge_refused_path_is_logged_capped(map_view: MapView, qtbot: Any,
                                              caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="maps.scheme_handler"):
        js(qtbot, map_view, f"""
            const img = new Image();
            img.src = "pao://app/" + "a".repeat({PATH_CHARS}) + "\\r\\nforged.png";
            document.body.appendChild(img);
            return true;""")
        qtbot.waitUntil(lambda: any("missing or refused path" in r.getMessage() for r in caplog.records),
                        timeout=15_000)
    line = next(r.getMessage() for r in caplog.records if "missing or refused path" in r.getMessage())
    assert len(line) < LOG_VALUE_LIMIT + 100, len(line)
    assert line.endswith(" more)") and "a" * 100 in line
