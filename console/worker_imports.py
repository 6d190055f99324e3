"""Heavy modules are imported on worker threads (so the window appears first); this serialises those imports.

Why: two workers importing the same package for the first time at once can see it half-initialised — CPython raised
"cannot import name ... from partially initialized module 'pydantic._internal._validators'" here when the database
worker (settings) and the network pool (simulator) started together. One lock around the first import fixes it.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

_LOCK = threading.Lock()


def load(name: str) -> ModuleType:
    """``importlib.import_module(name)``, one thread at a time."""
    with _LOCK:
        return importlib.import_module(name)
