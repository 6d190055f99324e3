"""Injected faults: a thread-safe board of what should go wrong, per feed, for the next requests.

Kinds (and their options):

- ``down``: the connection is dropped without any response (the client sees a reset / remote disconnect).
- ``reset_before``: the connection is reset before the request reaches the app, so nothing is processed or
  committed (a write "lost on the way").
- ``reset_after``: the app processes the request (a write is committed), then the connection is reset before any
  byte of the answer is sent: the "lost response" that idempotency keys exist for.
- ``hang`` (``seconds``, default an hour): the request is accepted and never answered, until ``seconds`` pass or the
  server stops; then the connection is dropped. Nothing is processed.
- ``slow`` (``seconds``): the answer is held back ``seconds`` before being sent.
- ``trickle`` (``interval``, ``chunk``): status and headers at once, then the body ``chunk`` bytes every ``interval``.
- ``error`` (``status`` 5xx or 429, default 503; ``retry_after`` seconds → ``Retry-After`` header).
- ``strip_header`` (``header``): the request reaches the app without that header, as behind a proxy that drops it
  (e.g. ``If-Match``, to see the backend's 428).
- ``malformed`` (``variant``): ``html`` (an nginx error page, ``status`` 200 by default or e.g. 502), ``truncated``
  (the real body cut in half), ``map_key`` (the text ``Invalid MAP_KEY.``), ``wrong_kind`` (a well-formed payload of
  another feed: FIRMS CSV for JSON feeds, Air4Thai JSON for FIRMS).

``feed`` is one of :data:`FEEDS` or ``"*"`` (every feed, never the ``/_sim`` control routes). ``count`` makes a fault
expire after that many requests; without it the fault stays until removed. ``methods`` (e.g. ``["POST", "PATCH"]``)
limits a fault to requests with those methods (others pass untouched and do not count); without it every method.

Options are checked, whether they come from Python or from the ``/_sim/faults`` route: numbers must be finite and
within :data:`LIMITS` (a ``seconds`` of 1e20 or NaN would wedge a request thread or break the wait), a ``header`` must
be a plain header name.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
from dataclasses import asdict, dataclass

FEEDS: tuple[str, ...] = ("air4thai", "firms", "thaiwater", "open311", "tiles")
KINDS: tuple[str, ...] = ("down", "reset_before", "reset_after", "hang", "slow", "trickle", "error", "malformed",
                          "strip_header")
HANG_DEFAULT_S = 3600.0
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
VARIANTS: tuple[str, ...] = ("html", "truncated", "map_key", "wrong_kind")
# option → (lowest, highest, whole number?)
LIMITS: dict[str, tuple[float, float, bool]] = {
    "seconds": (0.0, 86400.0, False),
    "interval": (0.0, 60.0, False),
    "chunk": (1, 1 << 20, True),
    "status": (100, 599, True),
    "retry_after": (0, 86400, True),
    "count": (1, 1_000_000, True),
}
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")


def _checked(name: str, value: object) -> float | None:
    """``value`` of option ``name`` within :data:`LIMITS` (None stays None); ``ValueError`` with the reason."""
    if value is None:
        return None
    low, high, whole = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number")
        if whole and not value.is_integer():
            raise ValueError(f"{name} must be a whole number")
    if not low <= value <= high:  # compared before any conversion: a huge integer cannot overflow a float here
        raise ValueError(f"{name} must be between {low:g} and {high:g}")
    return float(value)


def _whole(name: str, value: object) -> int | None:
    checked = _checked(name, value)
    return None if checked is None else int(checked)


@dataclass
class Fault:
    """One active fault. ``remaining`` is None for a fault that lasts until removed."""

    id: int
    feed: str
    kind: str
    seconds: float = 0.0
    interval: float = 0.2
    chunk: int = 1
    status: int | None = None
    retry_after: int | None = None
    variant: str | None = None
    header: str | None = None
    methods: tuple[str, ...] | None = None
    remaining: int | None = None

    def applies_to(self, feed: str, method: str | None) -> bool:
        """True when a request on ``feed`` with ``method`` (None: any) gets this fault."""
        if self.feed not in (feed, "*"):
            return False
        return self.methods is None or method is None or method.upper() in self.methods

    def to_json(self) -> dict:
        return asdict(self)


class FaultBoard:
    """Thread-safe set of active faults; the HTTP middleware consumes them with :meth:`take`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(
        self,
        feed: str,
        kind: str,
        *,
        seconds: float | None = None,
        interval: float | None = None,
        chunk: int | None = None,
        status: int | None = None,
        retry_after: int | None = None,
        variant: str | None = None,
        header: str | None = None,
        methods: list[str] | tuple[str, ...] | str | None = None,
        count: int | None = None,
    ) -> Fault:
        """Add a fault (see the module docstring for kinds and options). Raises ``ValueError`` on bad options."""
        if not isinstance(feed, str) or (feed != "*" and feed not in FEEDS):
            raise ValueError(f"unknown feed {feed!r}; expected one of {FEEDS} or '*'")
        if not isinstance(kind, str) or kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        seconds, interval = _checked("seconds", seconds), _checked("interval", interval)
        chunk, status, count = _whole("chunk", chunk), _whole("status", status), _whole("count", count)
        retry_after = _whole("retry_after", retry_after)
        if kind == "malformed" and (not isinstance(variant, str) or variant not in VARIANTS):
            raise ValueError(f"malformed needs variant in {VARIANTS}")
        if kind == "error" and status is not None and not (500 <= status <= 599 or status == 429):
            raise ValueError("error status must be 5xx or 429")
        if kind == "strip_header" and not (isinstance(header, str) and _HEADER_NAME.fullmatch(header)):
            raise ValueError("strip_header needs header: a header name")
        if isinstance(methods, str):
            methods = [methods]
        if methods is not None:
            if not isinstance(methods, (list, tuple)) or not all(isinstance(m, str) for m in methods):
                raise ValueError(f"methods must be a non-empty list of {sorted(_METHODS)}")
            methods = tuple(sorted({m.upper() for m in methods}))
            if not methods or set(methods) - _METHODS:
                raise ValueError(f"methods must be a non-empty list of {sorted(_METHODS)}")
        if kind == "slow" and seconds is None:
            raise ValueError("slow needs seconds")
        fault = Fault(
            id=next(self._ids),
            feed=feed,
            kind=kind,
            seconds=float(seconds or (HANG_DEFAULT_S if kind == "hang" else 0.0)),
            interval=float(0.2 if interval is None else interval),
            chunk=int(chunk or 1),
            status=None if status is None else int(status),
            retry_after=None if retry_after is None else int(retry_after),
            variant=variant if kind == "malformed" else None,
            header=header if kind == "strip_header" else None,
            methods=methods,
            remaining=None if count is None else int(count),
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def add_from_json(self, spec: dict) -> Fault:
        """:meth:`add` from a JSON object ``{"feed", "kind", ...options}`` (the ``/_sim/faults`` POST body)."""
        if not isinstance(spec, dict) or "feed" not in spec or "kind" not in spec:
            raise ValueError('expected {"feed": ..., "kind": ...}')
        allowed = {"seconds", "interval", "chunk", "status", "retry_after", "variant", "header", "methods", "count"}
        unknown = set(spec) - allowed - {"feed", "kind"}
        if unknown:
            raise ValueError(f"unknown fault options: {sorted(unknown)}")
        return self.add(spec["feed"], spec["kind"], **{k: v for k, v in spec.items() if k in allowed})

    def list(self) -> list[Fault]:
        """A snapshot of the active faults, oldest first."""
        with self._lock:
            return [Fault(**asdict(f)) for f in self._faults]

    def remove(self, fault_id: int) -> bool:
        """Remove one fault; False when it was not (or no longer) active."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self, feed: str | None = None) -> None:
        """Remove every fault, or only those registered for ``feed``."""
        with self._lock:
            self._faults = [] if feed is None else [f for f in self._faults if f.feed != feed]

    def take(self, feed: str, method: str | None = None) -> Fault | None:
        """The oldest fault that applies to a ``method`` request on ``feed``, counting it against its ``count``."""
        with self._lock:
            for fault in self._faults:
                if fault.applies_to(feed, method):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return Fault(**asdict(fault))
        return None
