"""How long a worker thread may keep Python's interpreter lock while the UI thread waits for it.

The UI thread takes the lock for every Python slot, every item-model ``data`` call and every pyqtgraph paint; PySide
lets it go around most Qt calls, so a frame takes it again hundreds of times. A worker running Python code (the
database worker's SQLAlchemy, the embedded simulator) keeps it until the interpreter's switch interval is up: 5 ms by
default, so a frame could wait 5 ms again and again while a sync drained an outbox (ui_stall_during_sync, measured
with perf: most of the longest stalls were the UI thread off the CPU in ``take_gil``). At 1 ms the longest stalls
came down from about 70 ms to about 40 ms; the workers lose nothing measurable (they wait on SQLite and sockets).
"""

from __future__ import annotations

import sys

UI_SWITCH_INTERVAL_S = 0.001


def favour_ui_thread() -> float:
    """Set the switch interval for a responsive UI thread; returns the one it replaces."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(UI_SWITCH_INTERVAL_S)
    return previous
