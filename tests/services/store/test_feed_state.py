"""Feed state: success, not-modified and failure semantics; rejections kept up to 200 per feed."""

from __future__ import annotations

from datetime import timedelta

from services.records import Rejection
from services.store import FeedState, IngestSummary, Store

from tests.services.store.conftest import T0


def test_unknown_feed_reads_as_empty(store: Store) -> None:
    assert store.get_feed_state("air4thai") == FeedState("air4thai")
    assert store.get_feed_states() == []


def test_success_failure_not_modified(store: Store) -> None:
    t1, t2, t3, t4 = (T0 + timedelta(minutes=m) for m in (1, 2, 3, 4))
    store.record_attempt("air4thai", T0)
    assert store.get_feed_state("air4thai").last_attempt_at == T0

    store.record_success(
        "air4thai", t1, etag='"abc"', last_modified="Sun, 01 Mar 2026 00:01:00 GMT", cursor="c1",
        accepted=IngestSummary(10, 7, 1, 2), rejected=[Rejection("stations[3]", "bad lat")],
    )
    s = store.get_feed_state("air4thai")
    assert (s.last_success_at, s.etag, s.cursor, s.records_total, s.records_last, s.rejected_last) == (
        t1, '"abc"', "c1", 7, 10, 1,
    )

    store.record_failure("air4thai", t2, "HTTP 503")
    store.record_failure("air4thai", t3, "timeout")
    s = store.get_feed_state("air4thai")
    assert (s.last_success_at, s.etag, s.last_error, s.last_error_at, s.consecutive_failures) == (
        t1, '"abc"', "timeout", t3, 2,
    )
    assert s.last_attempt_at == t3 and s.records_total == 7

    store.record_not_modified("air4thai", t4)
    s = store.get_feed_state("air4thai")
    assert (s.last_success_at, s.consecutive_failures, s.etag, s.records_last) == (t4, 0, '"abc"', 10)

    store.record_success("air4thai", t4, etag=None, last_modified=None, accepted=5, rejected=[])
    s = store.get_feed_state("air4thai")
    assert (s.records_total, s.records_last, s.rejected_last, s.cursor, s.etag) == (12, 5, 0, "c1", None)
    assert [f.feed for f in store.get_feed_states()] == ["air4thai"]


def test_rejections_capped_at_200_per_feed(store: Store) -> None:
    for batch in range(3):
        rejected = [Rejection(f"line {batch}-{i}", "bad") for i in range(90)]
        store.record_success("firms", T0, etag=None, last_modified=None, accepted=0, rejected=rejected)
    store.record_success("air4thai", T0, etag=None, last_modified=None, accepted=0, rejected=[Rejection("x", "y")])
    kept = store.recent_rejections("firms")
    assert len(kept) == 200
    assert kept[0].where == "line 2-89" and kept[-1].where == "line 0-70"
    assert [r.where for r in store.recent_rejections("air4thai")] == ["x"]
