"""The simulator's clock: real time by default, shifted by an offset and optionally sped up or frozen.

Every generator in the simulator reads time only through a :class:`SimClock`, so a test can move the world forward
(``advance``) and predict what the feeds serve next.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class SimClock:
    """A thread-safe simulated clock.

    ``start`` pins the simulated time at construction (default: the real now); after that simulated time runs at
    ``speed`` × real time (``speed=0`` freezes it, which tests use to make values exactly predictable).
    ``advance(seconds)`` jumps forward (or back, with a negative value) at any time.
    """

    def __init__(self, start: datetime | None = None, *, speed: float = 1.0) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("SimClock start must be an aware datetime")
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._lock = threading.Lock()
        self._anchor_sim = (start or datetime.now(UTC)).astimezone(UTC)
        self._anchor_real = time.monotonic()
        self._speed = float(speed)
        self._offset = 0.0  # seconds added by advance()

    def now(self) -> datetime:
        """The simulated current time, aware, in UTC."""
        with self._lock:
            elapsed = (time.monotonic() - self._anchor_real) * self._speed
            return self._anchor_sim + timedelta(seconds=elapsed + self._offset)

    def advance(self, seconds: float) -> datetime:
        """Move simulated time by ``seconds`` and return the new now."""
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed

    @property
    def offset_seconds(self) -> float:
        """Total seconds added by :meth:`advance`."""
        with self._lock:
            return self._offset
