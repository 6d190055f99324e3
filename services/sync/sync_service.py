"""Background polling of every feed, Qt-free.

A poll is split in two so the console can run each half on the right worker:
``fetch`` (network pool: HTTP + parsing, no database) and ``apply`` (the single database worker: ingest + feed state).
``run_feed`` does both in a row for the command line and tests. Scheduling is in-memory: each feed is due again one
cadence after a success, and sooner (backing off exponentially up to one cadence) after a failure. A feed whose list
the server does not have (``FeedSpec.absent_on_404``) is not asked again until the service is built anew, and does
not count as failing. A feed holding records back for another feed (``FeedSpec.hold``) is due again as soon as that
feed has stored something.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.errors import FeedError, FeedHTTPError, FeedNotConfigured, FeedUnavailable, MalformedPayload
from services.feeds.http_client import FeedHttpClient, redact
from services.records import Rejection
from services.settings import Settings
from services.store.feed_state import FeedState
from services.store.store import Store
from services.sync.feed_spec import FeedContext, FeedRequest, FeedSpec

log = logging.getLogger(__name__)

FIRST_RETRY_S = 15.0


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    """What one fetch produced; plain data so it can cross from the network pool to the database worker."""

    feed: str
    at: datetime
    records: Sequence[Any] = ()
    rejected: Sequence[Rejection] = ()
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    cursor: str | None = None
    error: str | None = None
    # "unavailable" | "malformed" | "http" | "config" | "internal" | "absent" (the server has no such list)
    error_kind: str | None = None
    # The payload came and is ingested, but some of the feed's follow-up requests failed (its ``expand`` step):
    # the feed's error says which, and the feed is polled again soon, as after a failure.
    partial_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class _Runtime:
    spec: FeedSpec
    next_due: float = 0.0
    in_flight: bool = False
    failures: int = 0
    etag: str | None = None
    last_modified: str | None = None
    cursor: str | None = None
    last_error_kind: str | None = None
    holding: bool = False  # records wait for the feed ``spec.waits_for`` (see FeedSpec.hold)
    reread: bool = False  # the next poll asks without cursor and validators (FeedSpec.reread_on_start)
    rereading: bool = False  # the poll in flight does (asked again after a failure)
    wake: bool = False  # that feed stored something while this one was polling: poll again at once


@dataclass(frozen=True, slots=True)
class SyncSnapshot:
    """Connectivity as the status bar shows it."""

    state: str  # "online" | "degraded" | "offline" | "unknown"
    failing: tuple[str, ...] = ()
    in_flight: tuple[str, ...] = ()


class SyncService:
    """Owns the feed clients and the schedule. Thread-safe: ``fetch`` runs on several network threads at once."""

    def __init__(
        self,
        specs: Sequence[FeedSpec],
        settings: Settings,
        secrets: dict[str, str] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        client_factory: Callable[[str], FeedHttpClient] | None = None,
    ) -> None:
        self._settings = settings
        self._secrets = dict(secrets or {})
        self._clock = clock
        self._lock = threading.Lock()
        self._cancelled = threading.Event()  # shutting down: polls still running make no further request
        self._feeds = {spec.name: _Runtime(spec, reread=spec.reread_on_start) for spec in specs}
        factory = client_factory or self._default_client
        self._clients = {spec.name: factory(spec.name) for spec in specs}

    def _default_client(self, name: str) -> FeedHttpClient:
        s = self._settings
        return FeedHttpClient(name, connect_timeout=s.connect_timeout_s, read_timeout=s.read_timeout_s,
                              deadline=s.call_deadline_s, ca_bundle=s.ca_bundle)

    # --- schedule (any thread) -------------------------------------------------------------------------------------

    @property
    def specs(self) -> list[FeedSpec]:
        return [rt.spec for rt in self._feeds.values()]

    def spec(self, feed: str) -> FeedSpec | None:
        """The spec of ``feed`` (None for a feed this service does not poll)."""
        rt = self._feeds.get(feed)
        return rt.spec if rt is not None else None

    def restore(self, states: Sequence[FeedState]) -> None:
        """Take validators and cursors from the stored feed state (called once after the store opens); a feed that
        re-reads on start (``FeedSpec.reread_on_start``) does without them for its first poll."""
        with self._lock:
            for state in states:
                rt = self._feeds.get(state.feed)
                if rt is not None:
                    rt.etag, rt.last_modified, rt.cursor = state.etag, state.last_modified, state.cursor

    def set_secret(self, name: str, value: str | None) -> None:
        """Replace (or, with None, drop) one secret the requests are built with, e.g. the staff token of the Open311
        reads once the operator has entered it (any thread; the next poll uses it). Never logged."""
        with self._lock:
            secrets = dict(self._secrets)
            if value:
                secrets[name] = value
            else:
                secrets.pop(name, None)
            if secrets == self._secrets:
                return
            self._secrets = secrets  # replaced, never changed in place: a poll under way keeps the one it took
            for rt in self._feeds.values():
                if rt.spec.reread_on_start:  # the backend may show more (or less) now: read the whole window again
                    rt.reread = True
                    if rt.last_error_kind != "absent":
                        rt.next_due = 0.0

    def take_due(self) -> list[str]:
        """Feeds whose time has come, marked in flight so a slow poll is never started twice."""
        now = self._clock()
        with self._lock:
            due = [name for name, rt in self._feeds.items() if not rt.in_flight and rt.next_due <= now]
            for name in due:
                self._feeds[name].in_flight = True
        return due

    def request_all(self) -> None:
        """"Sync now": every feed is due at once (feeds already polling finish first, then poll again: what they
        fetched was asked before the operator pressed; a list the server does not have stays unasked)."""
        with self._lock:
            for rt in self._feeds.values():
                if rt.last_error_kind != "absent":
                    rt.next_due = 0.0
                    rt.wake = rt.wake or rt.in_flight

    def release(self, feed: str, outcome: FetchOutcome | None) -> None:
        """End a poll: schedule the next one from how this one went. ``outcome`` None = failed before fetching."""
        now = self._clock()
        with self._lock:
            rt = self._feeds[feed]
            rt.in_flight = False
            if rt.rereading and not (outcome is not None and outcome.ok):
                rt.reread = True  # the re-read did not happen: the next poll tries it again
            rt.rereading = False
            if outcome is not None and outcome.error_kind == "absent":
                # Not a failure to retry: this server has no such list. Its status says so; asked again next start.
                rt.failures = 0
                rt.last_error_kind = "absent"
                rt.next_due = math.inf
            elif outcome is not None and outcome.ok and not outcome.partial_error:
                rt.failures = 0
                rt.last_error_kind = None
                rt.next_due = now if rt.wake else now + rt.spec.cadence_s
                rt.wake = False
            else:
                rt.failures += 1
                rt.last_error_kind = (outcome.error_kind or "partial") if outcome else "internal"
                rt.next_due = now + min(rt.spec.cadence_s, FIRST_RETRY_S * 2 ** (rt.failures - 1))

    def snapshot(self) -> SyncSnapshot:
        with self._lock:
            failing = tuple(n for n, rt in self._feeds.items() if rt.failures)
            unreachable = [n for n, rt in self._feeds.items() if rt.last_error_kind == "unavailable"]
            asked = [n for n, rt in self._feeds.items() if rt.last_error_kind != "absent"]
            flying = tuple(n for n, rt in self._feeds.items() if rt.in_flight)
            polled = any(rt.failures or rt.next_due for rt in self._feeds.values())
        if not polled:
            return SyncSnapshot("unknown", failing, flying)
        if asked and len(unreachable) == len(asked):
            return SyncSnapshot("offline", failing, flying)
        return SyncSnapshot("degraded" if failing else "online", failing, flying)

    # --- work (network thread) -------------------------------------------------------------------------------------

    def fetch(self, feed: str) -> FetchOutcome:
        """HTTP + parse for one feed; never raises for feed problems (they come back as an outcome with an error)."""
        with self._lock:
            rt = self._feeds[feed]
            spec, etag, last_modified, cursor = rt.spec, rt.etag, rt.last_modified, rt.cursor
            secrets = self._secrets
            if rt.holding:  # the same answer again must be read again: what it holds may have its incident now
                etag = last_modified = None
            if rt.reread:  # the whole window, as a first poll asks it (FeedSpec.reread_on_start)
                etag = last_modified = cursor = None
                rt.reread, rt.rereading = False, True
        at = datetime.now(UTC)
        client = self._clients[feed]
        # One deadline for the whole poll: the list and every follow-up request of the expand step.
        deadline_at = time.monotonic() + client.deadline
        try:
            context = FeedContext(self._settings, secrets, cursor)
            request = spec.build_request(context)
            result = client.get(request.url, params=request.params or None, headers=request.headers or None,
                                etag=etag, last_modified=last_modified, deadline_at=deadline_at)
            if result.not_modified:
                return FetchOutcome(feed, at, not_modified=True, etag=etag, last_modified=last_modified, cursor=cursor)
            parsed = spec.parse(result.content)
            records, rejected, partial = list(parsed.records), list(parsed.rejected), None
            if spec.expand is not None:
                def follow_up(req: FeedRequest) -> bytes:
                    if self._cancelled.is_set():
                        raise FeedUnavailable("the console is closing")
                    return client.get(req.url, params=req.params or None, headers=req.headers or None,
                                      deadline_at=deadline_at).content

                expansion = spec.expand(context, records, follow_up)
                records, rejected = expansion.records, rejected + expansion.rejected
                if expansion.failed:
                    failed = expansion.failed
                    partial = redact(f"{len(failed)} follow-up request(s) failed; what they brought before is kept: "
                                     + "; ".join(failed[:5]) + ("; …" if len(failed) > 5 else ""))
                    log.warning("feed %s: %s", feed, partial)
        except MalformedPayload as exc:
            return self._failed(feed, at, str(exc), "malformed")
        except FeedUnavailable as exc:
            return self._failed(feed, at, str(exc), "unavailable")
        except FeedNotConfigured as exc:
            return self._failed(feed, at, str(exc), "config")
        except FeedHTTPError as exc:
            if exc.status == 404 and spec.absent_on_404:
                return self._failed(feed, at, spec.absent_on_404, "absent")
            return self._failed(feed, at, str(exc), "http")
        except FeedError as exc:
            return self._failed(feed, at, str(exc), "http")
        except Exception as exc:  # a bug must not stop the schedule; it is logged with its traceback
            log.exception("feed %s: unexpected error while fetching", feed)
            return self._failed(feed, at, f"internal error: {redact(repr(exc))}", "internal")
        # Follow-ups that failed keep the cursor where it was: what they would have brought (a back-fill window) is
        # asked again by the next poll, which comes soon.
        new_cursor = spec.next_cursor(records, cursor) if spec.next_cursor and not partial else cursor
        if partial:
            # Without validators the next poll gets the whole payload again (not a 304), so the follow-ups that
            # failed are asked again.
            return FetchOutcome(feed, at, records, rejected, cursor=new_cursor, partial_error=partial)
        return FetchOutcome(feed, at, records, rejected, etag=result.etag, last_modified=result.last_modified,
                            cursor=new_cursor)

    @staticmethod
    def _failed(feed: str, at: datetime, message: str, kind: str) -> FetchOutcome:
        message = redact(message)
        log.warning("feed %s failed (%s): %s", feed, kind, message)
        return FetchOutcome(feed, at, error=message, error_kind=kind)

    # --- work (database thread) ------------------------------------------------------------------------------------

    def apply(self, store: Store, outcome: FetchOutcome) -> FeedState:
        """Ingest a fetch outcome and record the feed's state. A failure keeps the last good data untouched."""
        spec = self._feeds[outcome.feed].spec
        store.record_attempt(outcome.feed, outcome.at)
        if not outcome.ok:
            store.record_failure(outcome.feed, outcome.at, outcome.error or "failed")
        elif outcome.not_modified:
            store.record_not_modified(outcome.feed, outcome.at)
        else:
            cursor, rejected, holding = outcome.cursor, list(outcome.rejected), False
            ingested = getattr(store, spec.ingest)(list(outcome.records))
            if spec.hold is not None:
                summary, held_records = ingested
                waited = store.get_feed_state(spec.waits_for).cursor if spec.waits_for else None
                held = spec.hold(held_records, cursor, waited)
                cursor, rejected, holding = held.cursor, rejected + held.rejected, held.waiting > 0
            else:
                summary = ingested
            store.record_success(outcome.feed, outcome.at, etag=outcome.etag, last_modified=outcome.last_modified,
                                 cursor=cursor, accepted=summary.accepted, rejected=rejected)
            if outcome.partial_error:
                # The data is in; the error (and the failure streak) say that part of it could not be refreshed.
                store.record_failure(outcome.feed, outcome.at, outcome.partial_error)
            with self._lock:
                rt = self._feeds[outcome.feed]
                rt.etag, rt.last_modified, rt.cursor, rt.holding = outcome.etag, outcome.last_modified, cursor, holding
                if summary.inserted or summary.updated:
                    self._wake_waiting(outcome.feed)
        return store.get_feed_state(outcome.feed)

    def _wake_waiting(self, feed: str) -> None:
        """``feed`` stored something: feeds holding records back for it are due now (under the lock)."""
        for rt in self._feeds.values():
            if rt.spec.waits_for == feed and rt.holding:
                rt.next_due = 0.0
                rt.wake = rt.in_flight  # polling right now: it may have missed what just came, so again after it

    def run_feed(self, store: Store, feed: str) -> FeedState:
        """Fetch and apply one feed now, on the calling thread (command line, tests)."""
        outcome = self.fetch(feed)
        try:
            return self.apply(store, outcome)
        finally:
            self.release(feed, outcome)

    def cancel(self) -> None:
        """Shutting down: a poll still running makes no further request. Its request in progress is not retried, and
        a history feed does not ask for its next gauge: against a backend that is gone, each would wait out its
        retries, longer than the shutdown's grace for network calls."""
        self._cancelled.set()
        for client in self._clients.values():
            client.cancel()  # and a request failing now is not retried

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


@dataclass(slots=True)
class FeedHealth:
    """Freshness of one feed for the status table: computed, not stored."""

    state: FeedState
    spec: FeedSpec
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def age_s(self) -> float | None:
        if self.state.last_success_at is None:
            return None
        return max(0.0, (self.now - self.state.last_success_at).total_seconds())

    @property
    def freshness(self) -> str:
        """"fresh" within two cadences, "late" within six, else "stale"; "never" before the first success."""
        age = self.age_s
        if age is None:
            return "never"
        if age <= 2 * self.spec.cadence_s:
            return "fresh"
        return "late" if age <= 6 * self.spec.cadence_s else "stale"
