"""Start-up: process start to the window on screen, against the bare stack (Python + PySide6 + an empty
QMainWindow) measured the same way in the same run. Both print a line at their first event-loop turn after show()."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import BenchContext, metric

BARE_STACK = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.resize(1440, 900)
w.show()
QTimer.singleShot(0, lambda: (print("window-shown", flush=True), w.close()))
app.exec()
"""


def _time_to_line(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "window-shown":
                return time.perf_counter() - start
        raise RuntimeError(f"{argv[:3]} exited without showing a window (code {proc.wait()})")
    finally:
        proc.wait(timeout=60)


@metric("startup_to_window", goal_ratio=2.5, unit="s")
def startup_to_window(ctx: BenchContext) -> tuple[float, float]:
    """Median over runs, alternating ours and the baseline so machine noise hits both alike."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    runs = 3 if ctx.quick else 7
    ours, bare = [], []
    data = Path(ctx.workdir) / "startup-data"
    # One untimed run each: the first start pays for cold file caches and the store's creation.
    _time_to_line([sys.executable, "-m", "console", "--demo", "--exit-when-shown", "--data-dir", str(data)], env)
    _time_to_line([sys.executable, "-c", BARE_STACK], env)
    for _ in range(runs):
        ours.append(_time_to_line([sys.executable, "-m", "console", "--demo", "--exit-when-shown",
                                   "--data-dir", str(data)], env))
        bare.append(_time_to_line([sys.executable, "-c", BARE_STACK], env))
    return statistics.median(ours), statistics.median(bare)
