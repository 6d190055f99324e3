"""The HTTP client every feed uses: one ``requests.Session`` per feed, retries with backoff, an overall deadline.

Why the pieces are here:
- urllib3's ``Retry`` does the backoff and honours ``Retry-After``; the subclass caps that wait and refuses to sleep
  past the call's deadline. The deadline travels on the Retry object (``Retry.new()`` copies it) and on a ``Timeout``
  whose per-attempt copies shrink to the time left, so neither a retry nor a late attempt can outlive the call.
- The body is read in a loop (``read1``) that checks the clock, so a server trickling one byte a second still fails
  at the deadline instead of hanging for as long as it likes.
- A caller making several requests for one task (a write and its read-back) passes ``deadline_at``: every request of
  the task then ends by that one monotonic instant, instead of each getting the client's whole deadline again.
- TLS verification is always on; ``ca_bundle`` only chooses which roots to trust.
- Secrets ride in URLs (the FIRMS MAP_KEY in the path, Open311 ``api_key`` in the query): every message and log line
  goes through ``redact``, and urllib3's own debug lines are redacted by a logging filter.
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry
from urllib3.util.timeout import Timeout

from services.errors import DeadlineExceeded, FeedHTTPError, FeedUnavailable, MalformedPayload
from services.feeds.payload import excerpt
from services.log_values import capped

log = logging.getLogger("services.feeds")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CHUNK = 65536
_MAX_BODY_BYTES = 64 * 1024 * 1024  # no feed payload comes near this; a runaway body is an error, not a memory hog
_MIN_ATTEMPT_S = 0.05  # an attempt started with less time left than this fails at once as "timed out"

_SECRET_PATH = re.compile(r"(/csv/)[^/?#\s'\"]+", re.IGNORECASE)
_SECRET_QUERY = re.compile(r"([?&;](?:api_key|apikey|map_key|key|token|access_token)=)[^&#\s'\"]*", re.IGNORECASE)


def redact(url: str) -> str:
    """``url`` (or any text holding URLs) with secrets replaced by ``***``.

    Covers the FIRMS MAP_KEY (the path segment after ``/csv/``) and ``api_key=`` / ``key=`` / ``token=`` query values.
    """
    return _SECRET_QUERY.sub(r"\1***", _SECRET_PATH.sub(r"\1***", url))


class _RedactingFilter(logging.Filter):
    """Redacts secrets from records of loggers we do not own (urllib3 logs full request paths at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = _RedactingFilter()


def _install_log_redaction() -> None:
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection", "urllib3.response"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One finished HTTP exchange. ``url`` is the final URL with secrets redacted."""

    status: int
    content: bytes
    not_modified: bool
    etag: str | None
    last_modified: str | None
    content_type: str | None
    url: str
    elapsed_s: float


class DeadlineRetry(Retry):
    """``Retry`` that caps ``Retry-After`` at ``max_retry_after``, never sleeps past ``deadline`` (monotonic s) and
    tries no more once ``cancelled`` is set (the console is closing)."""

    def __init__(self, *args: Any, deadline: float | None = None, max_retry_after: float = 30.0,
                 cancelled: threading.Event | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.deadline = deadline
        self.max_retry_after = max_retry_after
        self.cancelled = cancelled

    def new(self, **kw: Any) -> DeadlineRetry:
        kw.setdefault("deadline", self.deadline)
        kw.setdefault("max_retry_after", self.max_retry_after)
        kw.setdefault("cancelled", self.cancelled)
        return super().new(**kw)

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.max_retry_after)

    def _planned_wait(self, response: Any) -> float:
        if self.respect_retry_after_header and response is not None:
            after = self.get_retry_after(response)
            if after:
                return after
        return self.get_backoff_time()

    def sleep(self, response: Any = None) -> None:
        if self.cancelled is not None and self.cancelled.is_set():
            raise DeadlineExceeded("not retried: the console is closing")
        wait = self._planned_wait(response)
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if wait >= left:
                what = f"HTTP {response.status}" if response is not None else "the failed attempt"
                raise DeadlineExceeded(
                    f"deadline reached while retrying after {what} "
                    f"(next attempt due in {wait:.1f} s, {max(left, 0):.1f} s left)"
                )
        if wait > 0:
            time.sleep(wait)


class _DeadlineTimeout(Timeout):
    """A ``Timeout`` whose per-attempt copies (urllib3 clones it for each retry) never run past the deadline."""

    def __init__(self, connect: float, read: float, deadline: float) -> None:
        super().__init__(connect=connect, read=read)
        self._deadline = deadline

    def clone(self) -> Timeout:
        left = max(self._deadline - time.monotonic(), _MIN_ATTEMPT_S)
        return Timeout(connect=min(self._connect, left), read=min(self._read, left))  # type: ignore[type-var]


# The deadline of the call running in this thread (or task); the adapter hands it to a fresh Retry per call.
_current_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("feed_deadline", default=None)


class _DeadlineAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose ``max_retries`` carries the deadline of the call in progress."""

    @property  # type: ignore[override]
    def max_retries(self) -> Retry:
        deadline = _current_deadline.get()
        template = self._template_retry
        if deadline is None or not isinstance(template, DeadlineRetry):
            return template
        return template.new(deadline=deadline)

    @max_retries.setter
    def max_retries(self, value: Retry) -> None:
        self._template_retry = value


class FeedHttpClient:
    """HTTP access for one feed: conditional GETs with retries, writes without automatic retry, one overall deadline.

    One client per feed (the session keeps that feed's connections). Errors map to ``services.errors``:
    ``FeedUnavailable`` (connection refused, timeouts, 5xx or 429 after the retries, TLS failures),
    ``DeadlineExceeded`` (the whole call ran out of time), ``FeedHTTPError`` (other 4xx).
    """

    def __init__(
        self,
        feed_name: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        deadline: float = 60.0,
        retries: int = 3,
        backoff_factor: float = 0.5,
        max_retry_after: float = 30.0,
        ca_bundle: str | None = None,
        user_agent: str = "ChiangMaiPAO-Console/0.1 (+ops)",
    ) -> None:
        if ca_bundle is not None and (not isinstance(ca_bundle, str) or not ca_bundle):
            raise ValueError("ca_bundle must be a path to a CA bundle or None; TLS verification cannot be disabled")
        self.feed_name = feed_name
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.deadline = deadline
        self.retries = retries
        self._verify: str | bool = ca_bundle or True
        self._cancelled = threading.Event()
        self._session = requests.Session()
        self._session.verify = self._verify
        self._session.headers["User-Agent"] = user_agent
        retry = DeadlineRetry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff_factor,
            status_forcelist=RETRY_STATUSES,
            respect_retry_after_header=True,
            raise_on_status=False,  # hand back the last 5xx so the message can name its status
            max_retry_after=max_retry_after,
            cancelled=self._cancelled,
        )
        adapter = _DeadlineAdapter(max_retries=retry)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        _install_log_redaction()

    @property
    def verify(self) -> str | bool:
        """What TLS verification uses: ``True`` (system roots) or the CA bundle path. Never ``False``."""
        return self._verify

    def cancel(self) -> None:
        """The console is closing: a call in progress is not retried again (it ends with ``DeadlineExceeded``)."""
        self._cancelled.set()

    def close(self) -> None:
        """Close the session's pooled connections."""
        self._session.close()

    def __enter__(self) -> FeedHttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        deadline_at: float | None = None,
    ) -> FetchResult:
        """GET ``url``; with ``etag`` / ``last_modified`` it is conditional and a 304 gives ``not_modified=True``.

        ``deadline_at`` (``time.monotonic()`` seconds) ends the call earlier than the client's own deadline would."""
        sent = dict(headers or {})
        if etag:
            sent["If-None-Match"] = etag
        if last_modified:
            sent["If-Modified-Since"] = last_modified
        return self._call("GET", url, deadline_at, params=params, headers=sent)

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        deadline_at: float | None = None,
    ) -> FetchResult:
        """Any method (writes included). POST and PATCH are not retried automatically: they may not be idempotent.

        ``files`` makes a ``multipart/form-data`` body as ``requests`` does (``{"field": (filename, bytes,
        content_type)}``, with ``data`` as the other form fields). ``deadline_at`` as for :meth:`get`."""
        return self._call(method.upper(), url, deadline_at, json=json, data=data, files=files,
                          headers=dict(headers or {}))

    # --- internals -------------------------------------------------------------------------------------------------

    def _fail(self, exc_type: type[Exception], method: str, url: str, reason: str) -> Exception:
        message = f"{self.feed_name}: {method} {redact(url)}: {redact(reason)}"
        log.warning("%s", capped(message, 600))
        return exc_type(message)

    def _call(self, method: str, url: str, deadline_at: float | None, **kw: Any) -> FetchResult:
        started = time.monotonic()
        deadline = started + self.deadline
        if deadline_at is not None and deadline_at < deadline:
            deadline = deadline_at
            if deadline - started < _MIN_ATTEMPT_S:
                # Nothing is sent: a write started with no time left could commit after the caller gave up on it.
                raise self._fail(DeadlineExceeded, method, url, "the task's deadline had passed before this request")
        budget = deadline - started
        timeout = _DeadlineTimeout(self.connect_timeout, self.read_timeout, deadline)
        token = _current_deadline.set(deadline)
        try:
            try:
                resp = self._session.request(
                    method, url, timeout=timeout, verify=self._verify, stream=True, allow_redirects=True, **kw
                )
            except DeadlineExceeded as exc:
                raise self._fail(DeadlineExceeded, method, url, str(exc)) from None
            except requests.RequestException as exc:
                raise self._map_request_error(exc, method, url, deadline, budget) from None
        finally:
            _current_deadline.reset(token)
        try:
            return self._finish(resp, method, url, started, deadline, budget)
        finally:
            resp.close()

    def _map_request_error(
        self, exc: requests.RequestException, method: str, url: str, deadline: float, budget: float
    ) -> Exception:
        if time.monotonic() >= deadline and isinstance(exc, requests.Timeout | requests.ConnectionError):
            return self._fail(DeadlineExceeded, method, url, f"no answer within the {round(budget, 1):g} s deadline")
        reason = exc.args[0] if exc.args else exc
        reason = getattr(reason, "reason", reason)  # MaxRetryError → the last underlying error
        # MaxRetryError means urllib3 used up every retry; a bare error means it was not retried (a POST read error).
        exhausted = isinstance(exc.args[0] if exc.args else None, urllib3.exceptions.MaxRetryError)
        retried = f" after {self.retries} retries" if exhausted and self.retries else ""
        if isinstance(exc, requests.exceptions.SSLError):
            return self._fail(FeedUnavailable, method, url, f"TLS error: {excerpt(str(reason), 160)}")
        if isinstance(exc, requests.ConnectTimeout):
            return self._fail(FeedUnavailable, method, url, f"timed out connecting{retried}")
        if isinstance(exc, requests.ReadTimeout) or isinstance(reason, urllib3.exceptions.ReadTimeoutError):
            return self._fail(FeedUnavailable, method, url, f"timed out waiting for the response{retried}")
        if isinstance(exc, requests.ConnectionError):
            return self._fail(FeedUnavailable, method, url, _describe_connection_error(reason) + retried)
        return self._fail(FeedUnavailable, method, url, f"request failed: {type(exc).__name__}")

    def _finish(
        self, resp: requests.Response, method: str, url: str, started: float, deadline: float, budget: float
    ) -> FetchResult:
        status = resp.status_code
        final_url = redact(resp.url or url)
        shown_url = capped(final_url, 300)  # for messages and the log: after redirects, the server chose its length
        if status == 304:
            content = b""
        elif status in RETRY_STATUSES:
            history = getattr(getattr(resp.raw, "retries", None), "history", ())
            tries = f" after {len(history)} retries" if history else ""
            label = "rate limited (HTTP 429)" if status == 429 else f"HTTP {status}"
            raise self._fail(FeedUnavailable, method, url, f"{label}{tries}")
        else:
            content = self._read_body(resp, method, url, deadline, budget)
            if status >= 400:
                text = excerpt(redact(content[:2000].decode("utf-8", "replace")), 200)
                message = f"{self.feed_name}: {method} {shown_url}: {text or resp.reason or 'no body'}"
                log.warning("HTTP %s %s", status, message)
                raise FeedHTTPError(status, message, body=content, etag=resp.headers.get("ETag"))
        elapsed = time.monotonic() - started
        log.info("%s %s %s → %s (%d bytes, %.2f s)", self.feed_name, method, shown_url, status, len(content), elapsed)
        return FetchResult(
            status=status,
            content=content,
            not_modified=status == 304,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            content_type=resp.headers.get("Content-Type"),
            url=final_url,
            elapsed_s=elapsed,
        )

    def _read_body(self, resp: requests.Response, method: str, url: str, deadline: float, budget: float) -> bytes:
        raw = resp.raw
        chunks: list[bytes] = []
        size = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                reason = f"body still arriving at the {round(budget, 1):g} s deadline ({size} bytes)"
                raise self._fail(DeadlineExceeded, method, url, reason)
            _set_socket_timeout(raw, min(self.read_timeout, left))
            try:
                # decode_content=True: requests asked urllib3 for raw bytes; gzip/deflate are undone here.
                chunk = raw.read1(_CHUNK, decode_content=True)
            except urllib3.exceptions.ReadTimeoutError:
                if time.monotonic() >= deadline:
                    raise self._fail(
                        DeadlineExceeded, method, url, f"body still arriving at the {round(budget, 1):g} s deadline"
                    ) from None
                raise self._fail(FeedUnavailable, method, url, "timed out reading the body") from None
            except urllib3.exceptions.DecodeError:
                raise self._fail(MalformedPayload, method, url, "compressed body could not be decoded") from None
            except (urllib3.exceptions.ProtocolError, OSError) as exc:
                raise self._fail(
                    FeedUnavailable, method, url, f"connection dropped mid-body ({type(exc).__name__})"
                ) from None
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            if size > _MAX_BODY_BYTES:
                raise self._fail(MalformedPayload, method, url, f"body larger than {_MAX_BODY_BYTES} bytes")


def _set_socket_timeout(raw: Any, seconds: float) -> None:
    # Bound the next blocking read by the time left; urllib3 keeps the connection on the response while streaming.
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is not None:
        try:
            sock.settimeout(max(seconds, _MIN_ATTEMPT_S))
        except OSError:
            pass


def _describe_connection_error(reason: Any) -> str:
    text = str(reason)
    cause: BaseException | None = reason if isinstance(reason, BaseException) else None
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        if isinstance(cause, urllib3.exceptions.NameResolutionError):
            return "host name not resolved"
        cause = cause.__cause__ or cause.__context__
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if "RemoteDisconnected" in text or "closed connection" in text:
        return "server closed the connection"
    return f"connection failed: {excerpt(text, 160)}"
