"""Per-feed bookkeeping: validators for conditional requests, cursors, outcome of the last attempts, rejections.

Semantics:
- ``record_success``: the attempt and the success are at ``at``; etag/last_modified replace the stored ones;
  ``cursor`` replaces the stored one only when given; ``consecutive_failures`` goes back to 0;
  ``records_last`` = records accepted by this fetch; ``records_total`` grows by the rows the fetch *inserted*
  (pass the :class:`IngestSummary`) or, given a plain int, by that many accepted records;
  ``rejected_last`` = len(rejected), and the rejections are kept (the newest 200 per feed).
  ``last_error``/``last_error_at`` are kept as history; ``consecutive_failures == 0`` says the feed is healthy.
- ``record_not_modified`` (HTTP 304): a successful check with nothing new. Counts of the last payload stay.
- ``record_failure``: keeps the last success, the validators and all data; only the error fields and the
  failure streak change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from services.records import Rejection
from services.store.database import write_transaction
from services.store.rows import IngestSummary, StoredRejection
from services.store.schema import feed_rejections, feed_state

#: Rejections kept per feed; older ones are dropped when a new fetch records more.
REJECTIONS_KEPT = 200


@dataclass(frozen=True, slots=True)
class FeedState:
    """Where one feed stands. A feed never fetched reads as the empty state (all None / 0)."""

    feed: str
    etag: str | None = None
    last_modified: str | None = None
    cursor: str | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    records_total: int = 0
    records_last: int = 0
    rejected_last: int = 0
    consecutive_failures: int = 0


_COLUMNS = [feed_state.c[f.name] for f in fields(FeedState)]


def get_feed_states(engine: Engine) -> list[FeedState]:
    """Every feed that has a state, ordered by name."""
    with engine.connect() as conn:
        return [FeedState(*row) for row in conn.execute(select(*_COLUMNS).order_by(feed_state.c.feed))]


def get_feed_state(engine: Engine, feed: str) -> FeedState:
    """The state of ``feed`` (the empty state when it was never recorded)."""
    with engine.connect() as conn:
        return _load(conn, feed)


def _load(conn: Connection, feed: str) -> FeedState:
    row = conn.execute(select(*_COLUMNS).where(feed_state.c.feed == feed)).first()
    return FeedState(*row) if row is not None else FeedState(feed)


def _ensure(conn: Connection, feed: str) -> None:
    conn.exec_driver_sql("INSERT INTO feed_state (feed) VALUES (?) ON CONFLICT (feed) DO NOTHING", (feed,))


def record_attempt(engine: Engine, feed: str, at: datetime) -> None:
    """A fetch of ``feed`` started at ``at``."""
    with write_transaction(engine) as conn:
        _ensure(conn, feed)
        conn.execute(update(feed_state).where(feed_state.c.feed == feed).values(last_attempt_at=at))


def record_success(
    engine: Engine,
    feed: str,
    at: datetime,
    *,
    etag: str | None,
    last_modified: str | None,
    cursor: str | None = None,
    accepted: int | IngestSummary,
    rejected: Sequence[Rejection],
) -> None:
    """A fetch of ``feed`` succeeded at ``at`` (see the module docstring for what each field becomes)."""
    if isinstance(accepted, IngestSummary):
        records_last, grown = accepted.accepted, accepted.inserted
    else:
        records_last, grown = int(accepted), int(accepted)
    values = {
        "etag": etag,
        "last_modified": last_modified,
        "last_attempt_at": at,
        "last_success_at": at,
        "records_total": feed_state.c.records_total + grown,
        "records_last": records_last,
        "rejected_last": len(rejected),
        "consecutive_failures": 0,
    }
    if cursor is not None:
        values["cursor"] = cursor
    with write_transaction(engine) as conn:
        _ensure(conn, feed)
        conn.execute(update(feed_state).where(feed_state.c.feed == feed).values(**values))
        _keep_rejections(conn, feed, at, rejected)


def record_not_modified(engine: Engine, feed: str, at: datetime) -> None:
    """The server answered 304 Not Modified at ``at``: a successful check with nothing new."""
    with write_transaction(engine) as conn:
        _ensure(conn, feed)
        conn.execute(
            update(feed_state)
            .where(feed_state.c.feed == feed)
            .values(last_attempt_at=at, last_success_at=at, consecutive_failures=0)
        )


def record_failure(engine: Engine, feed: str, at: datetime, error: str) -> None:
    """A fetch of ``feed`` failed at ``at``; the last success and the cached data stay."""
    with write_transaction(engine) as conn:
        _ensure(conn, feed)
        conn.execute(
            update(feed_state)
            .where(feed_state.c.feed == feed)
            .values(
                last_attempt_at=at,
                last_error=error,
                last_error_at=at,
                consecutive_failures=feed_state.c.consecutive_failures + 1,
            )
        )


def recent_rejections(engine: Engine, feed: str, limit: int = REJECTIONS_KEPT) -> list[StoredRejection]:
    """The newest kept rejections of ``feed``, newest first."""
    query = (
        select(feed_rejections.c.feed, feed_rejections.c.at, feed_rejections.c.where_, feed_rejections.c.reason)
        .where(feed_rejections.c.feed == feed)
        .order_by(feed_rejections.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [StoredRejection(*row) for row in conn.execute(query)]


def _keep_rejections(conn: Connection, feed: str, at: datetime, rejected: Sequence[Rejection]) -> None:
    if not rejected:
        return
    newest = list(rejected)[-REJECTIONS_KEPT:]
    conn.execute(insert(feed_rejections),
                 [{"feed": feed, "at": at, "where_": r.where, "reason": r.reason} for r in newest])
    # Drop everything older than the newest REJECTIONS_KEPT of this feed (an index seek on (feed, id)).
    cutoff = (
        select(feed_rejections.c.id)
        .where(feed_rejections.c.feed == feed)
        .order_by(feed_rejections.c.id.desc())
        .limit(1)
        .offset(REJECTIONS_KEPT - 1)
        .scalar_subquery()
    )
    conn.execute(delete(feed_rejections).where(feed_rejections.c.feed == feed, feed_rejections.c.id < cutoff))
