"""Injected faults: a thread-safe board of what should go wrong, per feed, for the next requests.

Kinds (and their options):

- ``down``: the connection is dropped without any response (the client sees a reset / remote disconnect).
- ``slow`` (``seconds``): the answer is held back ``seconds`` before being sent.
- ``trickle`` (``interval``, ``chunk``): status and headers at once, then the body ``chunk`` bytes every ``interval``.
- ``error`` (``status`` 5xx, default 503; ``retry_after`` seconds → ``Retry-After`` header).
- ``malformed`` (``variant``): ``html`` (an nginx error page, ``status`` 200 by default or e.g. 502), ``truncated``
  (the real body cut in half), ``map_key`` (the text ``Invalid MAP_KEY.``), ``wrong_kind`` (a well-formed payload of
  another feed: FIRMS CSV for JSON feeds, Air4Thai JSON for FIRMS).

``feed`` is one of :data:`FEEDS` or ``"*"`` (every feed, never the ``/_sim`` control routes). ``count`` makes a fault
expire after that many requests; without it the fault stays until removed.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass

FEEDS: tuple[str, ...] = ("air4thai", "firms", "thaiwater", "open311", "tiles")
KINDS: tuple[str, ...] = ("down", "slow", "trickle", "error", "malformed")
VARIANTS: tuple[str, ...] = ("html", "truncated", "map_key", "wrong_kind")


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
    remaining: int | None = None

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
        count: int | None = None,
    ) -> Fault:
        """Add a fault (see the module docstring for kinds and options). Raises ``ValueError`` on bad options."""
        if feed != "*" and feed not in FEEDS:
            raise ValueError(f"unknown feed {feed!r}; expected one of {FEEDS} or '*'")
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        if kind == "malformed" and variant not in VARIANTS:
            raise ValueError(f"malformed needs variant in {VARIANTS}")
        if kind == "error" and status is not None and not 500 <= int(status) <= 599:
            raise ValueError("error status must be 5xx")
        if count is not None and int(count) < 1:
            raise ValueError("count must be >= 1")
        if kind == "slow" and seconds is None:
            raise ValueError("slow needs seconds")
        fault = Fault(
            id=next(self._ids),
            feed=feed,
            kind=kind,
            seconds=float(seconds or 0.0),
            interval=float(0.2 if interval is None else interval),
            chunk=max(1, int(chunk or 1)),
            status=None if status is None else int(status),
            retry_after=None if retry_after is None else int(retry_after),
            variant=variant if kind == "malformed" else None,
            remaining=None if count is None else int(count),
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def add_from_json(self, spec: dict) -> Fault:
        """:meth:`add` from a JSON object ``{"feed", "kind", ...options}`` (the ``/_sim/faults`` POST body)."""
        if not isinstance(spec, dict) or "feed" not in spec or "kind" not in spec:
            raise ValueError('expected {"feed": ..., "kind": ...}')
        allowed = {"seconds", "interval", "chunk", "status", "retry_after", "variant", "count"}
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

    def take(self, feed: str) -> Fault | None:
        """The oldest fault that applies to a request on ``feed``, counting the request against its ``count``."""
        with self._lock:
            for fault in self._faults:
                if fault.feed in (feed, "*"):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return Fault(**asdict(fault))
        return None
