"""Canary for the PySide6 6.12 / CPython 3.11 refcount bug (none_dealloc after a few thousand void calls).

It runs in a child process so that an abort shows up as a failed test instead of killing the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from console.runtime_guard import UnsupportedRuntime, check_runtime

CANARY = r"""
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication
import pyqtgraph as pg

class Emitter(QObject):
    sig_plain = Signal()
    sig_value = Signal(object)

app = QApplication([])
e = Emitter()
hits = [0]
def on_plain():
    hits[0] += 1
e.sig_plain.connect(on_plain)
e.sig_value.connect(lambda v: None)
for i in range(100_000):
    e.sig_plain.emit()
    e.sig_value.emit(None if i % 2 else True)
plot = pg.PlotWidget()
curve = plot.plot()
x = np.arange(200, dtype=float)
for i in range(10_000):
    curve.setData(x, np.sin(x / 10 + i))
print("canary ok", hits[0], sys.getrefcount(None) > 0)
"""


def test_runtime_guard_refuses_the_broken_pair() -> None:
    with pytest.raises(UnsupportedRuntime, match="none_dealloc"):
        check_runtime(python=(3, 11), pyside="6.12.0")
    check_runtime(python=(3, 11), pyside="6.11.3")
    check_runtime(python=(3, 12), pyside="6.12.0")
    with pytest.raises(UnsupportedRuntime):
        check_runtime(python=(3, 10), pyside="6.11.3")


def test_installed_runtime_passes_the_guard() -> None:
    check_runtime()


def test_signal_and_setdata_canary() -> None:
    result = subprocess.run([sys.executable, "-c", CANARY], capture_output=True, text=True, timeout=600,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, f"canary crashed ({result.returncode}): {result.stderr[-2000:]}"
    assert "canary ok 100000 True" in result.stdout
