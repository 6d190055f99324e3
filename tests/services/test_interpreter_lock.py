"""The console shortens the interpreter's switch interval for its UI thread, and gives the old one back."""

from __future__ import annotations

import sys

from services.interpreter_lock import UI_SWITCH_INTERVAL_S, favour_ui_thread


def test_favour_ui_thread_sets_the_short_interval_and_returns_the_old_one() -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        assert favour_ui_thread() == 0.005
        assert sys.getswitchinterval() == UI_SWITCH_INTERVAL_S < 0.005
    finally:
        sys.setswitchinterval(before)
