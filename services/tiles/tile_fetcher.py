"""``TileFetcher``: polite HTTP for basemap tiles — one session, few connections, pauses when told to slow down.

Why it is not the feeds' ``FeedHttpClient``: a feed call may sleep through a ``Retry-After`` inside one request, but
tiles come many at a time, so a 429 (or a 503 with ``Retry-After``) must pause *every* request to that server, and an
unreachable server must make the next hundred tile requests fail at once instead of each waiting for a timeout. The
fetcher keeps that pause and raises :class:`TileSourcePaused` without sending anything until it is over.

A server that answers but cannot deliver a body (it trickles past the deadline, or the body breaks off) is treated
as unreachable: otherwise every tile request would pay the whole deadline again. Unreachable pauses back off:
``unreachable_pause_s``, doubling with each further failure up to ``max_unreachable_pause_s``, until a tile arrives.

Thread-safe: ``fetch`` may be called from many threads; a semaphore keeps at most ``max_concurrent`` requests in
flight (the connection pool is sized to match), and the pause is shared.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from services.tiles.tile_errors import TileFetchFailed, TileRateLimited, TileSourcePaused, TileSourceUnavailable
from services.tiles.tile_sources import DEFAULT_USER_AGENT

log = logging.getLogger("services.tiles")

_MAX_TILE_BYTES = 4 * 1024 * 1024  # real tiles are ~5-50 KB; anything this large is not a tile
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8")


@dataclass(frozen=True, slots=True)
class TileResponse:
    """A fetched tile: ``data`` (None when ``not_modified``), its ETag and the server's ``max-age`` if it sent one."""

    data: bytes | None
    etag: str | None
    not_modified: bool
    max_age_s: float | None


def _is_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


class TileFetcher:
    """Fetches ``url_template`` tiles (``{z}``/``{x}``/``{y}``, http or https) with TLS verification always on."""

    def __init__(
        self,
        url_template: str,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: tuple[float, float] = (5.0, 15.0),
        deadline_s: float = 30.0,
        max_concurrent: int = 4,
        retries: int = 2,
        backoff_factor: float = 0.3,
        default_rate_limit_s: float = 60.0,
        max_retry_after_s: float = 600.0,
        unreachable_pause_s: float = 5.0,
        max_unreachable_pause_s: float = 120.0,
        ca_bundle: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``timeout`` is (connect, read) per attempt; ``deadline_s`` bounds a whole fetch, slow bodies included.
        ``max_concurrent`` is capped at 8: public tile servers ask clients to keep to a couple of connections."""
        if not url_template.startswith(("http://", "https://")) or not all(
                key in url_template for key in ("{z}", "{x}", "{y}")):
            raise ValueError(f"tile URL template must be http(s) with {{z}}, {{x}} and {{y}}: {url_template!r}")
        if not user_agent or "python-requests" in user_agent.lower():
            raise ValueError("tile servers require a User-Agent that identifies the application")
        if not 1 <= max_concurrent <= 8:
            raise ValueError("max_concurrent must be between 1 and 8")
        self.url_template = url_template
        self.timeout = timeout
        self.deadline_s = deadline_s
        self.max_concurrent = max_concurrent
        self.default_rate_limit_s = default_rate_limit_s
        self.max_retry_after_s = max_retry_after_s
        self.unreachable_pause_s = unreachable_pause_s
        self.max_unreachable_pause_s = max(max_unreachable_pause_s, unreachable_pause_s)
        self._clock = clock
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._pause_lock = threading.Lock()
        self._paused_until = 0.0
        self._pause_reason = ""
        self._unreachable_streak = 0  # unreachable rounds since a tile last arrived; sets the backoff
        self._last_unreachable_at = float("-inf")
        self._session = requests.Session()
        self._session.verify = ca_bundle or True
        self._session.headers["User-Agent"] = user_agent
        # 500/502/504 are retried with a short backoff; 429 and 503 are not retried here: they pause every request.
        retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff_factor,
                      status_forcelist=(500, 502, 504), allowed_methods=("GET",), raise_on_status=False,
                      respect_retry_after_header=False)
        adapter = HTTPAdapter(max_retries=retry, pool_connections=1, pool_maxsize=max_concurrent)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def url(self, z: int, x: int, y: int) -> str:
        """The URL of one tile."""
        return self.url_template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))

    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when requests may be sent)."""
        with self._pause_lock:
            return max(0.0, self._paused_until - self._clock())

    def resume(self) -> None:
        """End the pause now (e.g. the operator pressed "retry" after the network came back)."""
        with self._pause_lock:
            self._paused_until = 0.0
            self._unreachable_streak = 0

    def _pause(self, seconds: float, reason: str) -> None:
        with self._pause_lock:
            until = self._clock() + seconds
            if until > self._paused_until:
                self._paused_until, self._pause_reason = until, reason
        log.warning("tile requests paused %.0f s: %s", seconds, reason)

    def _unreachable(self, sent_at: float, reason: str) -> None:
        """Pause after a request sent at ``sent_at`` found the server unreachable (or unable to deliver a body).
        Requests that were already on their way when an earlier one failed end the same round: only a request sent
        after that failure backs the pause off further."""
        with self._pause_lock:
            if sent_at >= self._last_unreachable_at:
                self._unreachable_streak += 1
            self._last_unreachable_at = self._clock()
            seconds = min(self.unreachable_pause_s * 2 ** (self._unreachable_streak - 1), self.max_unreachable_pause_s)
        self._pause(seconds, reason)

    def _arrived(self) -> None:
        with self._pause_lock:
            self._unreachable_streak = 0

    def _check_paused(self) -> None:
        left = self.paused_for()
        if left > 0:
            raise TileSourcePaused(f"tile requests paused {left:.0f} s more ({self._pause_reason})", left)

    def fetch(self, z: int, x: int, y: int, *, etag: str | None = None) -> TileResponse:
        """GET one tile, conditional when ``etag`` is given. Raises a :class:`TileFetchFailed` subclass on failure."""
        self._check_paused()
        url = self.url(z, x, y)
        headers = {"If-None-Match": etag} if etag else {}
        with self._slots:
            # Again once a connection slot is ours: the requests it was busy with may have found the server gone.
            self._check_paused()
            started, sent_at = time.monotonic(), self._clock()
            try:
                resp = self._session.get(url, headers=headers, timeout=self.timeout, stream=True)
            except requests.RequestException as exc:
                self._unreachable(sent_at, f"{url}: {type(exc).__name__}")
                raise TileSourceUnavailable(f"tile server unreachable: {url}: {type(exc).__name__}") from None
            try:
                response = self._finish(resp, url, started, sent_at)
            finally:
                resp.close()
            self._arrived()
            return response

    def _finish(self, resp: requests.Response, url: str, started: float, sent_at: float) -> TileResponse:
        status = resp.status_code
        if status in (429, 503):
            wait = self._retry_after(resp.headers.get("Retry-After"),
                                     self.default_rate_limit_s if status == 429 else self.unreachable_pause_s)
            self._pause(wait, f"HTTP {status} from {url}")
            raise TileRateLimited(f"tile server asked to slow down (HTTP {status}, wait {wait:.0f} s)", status, wait)
        max_age = _max_age(resp.headers.get("Cache-Control"))
        if status == 304:
            return TileResponse(None, resp.headers.get("ETag"), True, max_age)
        if status != 200:
            raise TileFetchFailed(f"HTTP {status} for {url}", status)
        data = self._read(resp, url, started, sent_at)
        if not _is_image(data):
            # A captive portal or an error page served as 200 must never be cached as a tile.
            raise TileFetchFailed(f"not an image ({resp.headers.get('Content-Type')}, {len(data)} bytes): {url}",
                                  status)
        return TileResponse(data, resp.headers.get("ETag"), False, max_age)

    def _read(self, resp: requests.Response, url: str, started: float, sent_at: float) -> bytes:
        # read1 returns whatever has arrived, so the deadline is checked even while a server trickles the body.
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                if time.monotonic() - started > self.deadline_s:
                    # The next tile would trickle the same way: pause as for an unreachable server.
                    self._unreachable(sent_at, f"{url}: body past the {self.deadline_s:g} s deadline")
                    raise TileSourceUnavailable(f"tile body still arriving after {self.deadline_s:g} s: {url}")
                chunk = resp.raw.read1(65536, decode_content=True)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
                size += len(chunk)
                if size > _MAX_TILE_BYTES:
                    raise TileFetchFailed(f"tile larger than {_MAX_TILE_BYTES} bytes: {url}")
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
            # A body that stalls past the read timeout or breaks off: the server cannot deliver tiles now.
            self._unreachable(sent_at, f"{url}: body failed ({type(exc).__name__})")
            raise TileSourceUnavailable(f"tile body failed ({type(exc).__name__}): {url}") from None

    def _retry_after(self, value: str | None, default: float) -> float:
        try:
            seconds = float(value) if value is not None else default
        except ValueError:
            seconds = default  # an HTTP-date Retry-After is rare for tiles; the default pause is as polite
        return min(max(seconds, 1.0), self.max_retry_after_s)

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()


def _max_age(cache_control: str | None) -> float | None:
    if not cache_control:
        return None
    match = _MAX_AGE.search(cache_control)
    return float(match.group(1)) if match else None
