"""The fault matrix for the backend writes: every write path (create, update with If-Match, comment, attachment
upload) against every fault the simulator can inject, through the real ``IncidentWriter`` and ``FeedHttpClient`` on
loopback.

For each pair: ``send`` returns within the client's deadline (plus a margin), with the outcome the outbox needs
(retry for anything transient, conflict for 412, rejected for 428); what the server holds during the fault is what
the fault says (a lost request left nothing, a lost response left the change); and once the fault is cleared, the
same outbox entry (same ``Idempotency-Key``) sent again leaves exactly one record / change on the server, counted
with GET requests.json, servicerequestupdates.json, comments.json and media.json.

A send is one deadline in all, not one per request: a write whose read-back hangs still returns within it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from services.errors import DeadlineExceeded
from services.feeds.http_client import FeedHttpClient
from services.incident_writer import UPLOADED_MEDIA_KEY, IncidentWriter
from services.simulator.clock import SimClock
from services.simulator.server import SimulatorServer
from services.store.incident_rows import OutboxEntry

DEADLINE_S = 2.0
MARGIN_S = 1.5  # thread scheduling, the connection teardown, the read-back GET after a create or comment
WRITES = ["POST", "PATCH"]
_serial = itertools.count(1)


@dataclasses.dataclass(frozen=True)
class Case:
    """One fault: how to inject it, the outcome ``send`` must give, and whether the server has the change after it."""

    fault: dict[str, Any] | None
    outcome: str
    committed: bool


# The simulator's faults, applied to writes only (the read-back GET after a create or comment is not faulted here:
# a failed read-back is an ordinary retry). count=1: the first write meets the fault; clear() ends it anyway.
FAULTS: dict[str, Case] = {
    "503_retry_after": Case({"kind": "error", "status": 503, "retry_after": 1}, "retry", False),
    "429_retry_after": Case({"kind": "error", "status": 429, "retry_after": 1}, "retry", False),
    "reset_before_commit": Case({"kind": "reset_before"}, "retry", False),
    "reset_after_commit": Case({"kind": "reset_after"}, "retry", True),
    "hang": Case({"kind": "hang", "seconds": 30}, "retry", False),
    "trickle": Case({"kind": "trickle", "interval": 0.5, "chunk": 1}, "retry", True),
    "tls_failure": Case(None, "retry", False),  # an https URL to the plain-HTTP port
    "html_200": Case({"kind": "malformed", "variant": "html"}, "retry", False),
    "html_502": Case({"kind": "malformed", "variant": "html", "status": 502}, "retry", False),
    "truncated_body": Case({"kind": "malformed", "variant": "truncated"}, "retry", True),
}
# Preconditions exist only on PATCH: a stale If-Match (someone else changed the incident) and none at all (a proxy
# that strips it). Neither is retried as is; a 412 comes back with the server's record so the edit can be merged.
UPDATE_ONLY: dict[str, Case] = {
    "412_stale": Case(None, "conflict", False),
    "428_no_if_match": Case({"kind": "strip_header", "header": "If-Match"}, "rejected", False),
}
WRITE_PATHS = ("create", "update", "comment", "attachment")
MATRIX = [(path, name) for path in WRITE_PATHS for name in FAULTS] + [("update", name) for name in UPDATE_ONLY]
# A tiny PNG (1x1, grey): the upload's bytes; the marker rides in its file name.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55"
                    "0000000a49444154789c63680000008200815ca9d1c40000000049454e44ae426082")


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    """A simulator with a frozen clock: no new arrivals, so counts change only by what the test sends."""
    with SimulatorServer(seed=2026, clock=SimClock(datetime(2026, 3, 10, 5, 0, tzinfo=UTC), speed=0)) as server:
        yield server


def _writer(sim: SimulatorServer, base: str | None = None) -> IncidentWriter:
    client = FeedHttpClient("open311_writes", deadline=DEADLINE_S, connect_timeout=1.0)
    return IncidentWriter(base or sim.feed_base("open311"), sim.tokens["operator"], client)


def _get(sim: SimulatorServer, path: str, **params: str) -> Any:
    resp = requests.get(sim.feed_base("open311") + path, params=params, timeout=5,
                        headers={"Authorization": f"Bearer {sim.tokens['operator']}"})
    resp.raise_for_status()
    return resp


def _open_request(sim: SimulatorServer) -> dict:
    """A seeded request the operator may still change (not closed)."""
    rows = _get(sim, "/requests.json", status="open").json()
    return next(r for r in rows if r["workflow_state"] in ("new", "acknowledged", "dispatched"))


def _entry(sim: SimulatorServer, path: str) -> tuple[OutboxEntry, str, dict]:
    """An outbox entry for ``path`` with a unique marker text, and the server request it touches."""
    marker = f"fault-matrix marker {next(_serial)} ทดสอบ"
    key = f"fm-{time.monotonic_ns()}"
    if path == "create":
        fields = {"service_code": "road", "description": marker, "lat": 18.7883, "lon": 98.9853, "priority": "P2",
                  "source": "hotline", "reporter_name": "Somchai", "reporter_contact": "081-234-5678",
                  "address": "Tha Phae Gate"}
        return OutboxEntry(1, key, 1, None, "create", None, fields), marker, {}
    target = _open_request(sim)
    if path == "update":
        priority = "P1" if target["priority"] != "P1" else "P3"
        fields = {"priority": priority, "note": marker, "action": "set_priority"}
        return OutboxEntry(1, key, 1, target["service_request_id"], "update", target["version"], fields), marker, target
    if path == "attachment":
        marker = f"fault-matrix {next(_serial)} ภาพ.png"
        fields = {"attachment_id": 1, "kind": "photo", "filename": marker, "media_type": "image/png",
                  "sha256": hashlib.sha256(PNG).hexdigest(), "size": len(PNG)}
        return OutboxEntry(1, key, 1, target["service_request_id"], "attachment", target["version"], fields,
                           data=PNG), marker, target
    return OutboxEntry(1, key, 1, target["service_request_id"], "comment", target["version"], {"text": marker}), \
        marker, target


def _count(sim: SimulatorServer, path: str, marker: str, target: dict) -> int:
    """How many times the server holds the change carrying ``marker``."""
    if path == "create":
        return sum(r.get("description") == marker for r in _get(sim, "/requests.json").json())
    rid = target["service_request_id"]
    updates = _get(sim, "/servicerequestupdates.json", service_request_id=rid).json()
    if path == "update":
        return sum(u["description"] == marker for u in updates)
    if path == "attachment":
        media = _get(sim, f"/requests/{rid}/media.json").json()
        in_media = sum(m["filename"] == marker for m in media)
        in_updates = sum(u["description"] == f"media: {marker} (photo)" for u in updates)
        assert in_updates == in_media, "an upload must be in the updates feed exactly as often as in the media"
        return in_media
    comments = _get(sim, f"/requests/{rid}/comments.json").json()
    in_updates = sum(u["description"] == f"comment: {marker}" for u in updates)
    in_comments = sum(c["text"] == marker for c in comments)
    assert in_updates == in_comments, "a comment must be in the updates feed exactly as often as in the comments"
    return in_comments


def _inject(sim: SimulatorServer, path: str, name: str, case: Case, target: dict) -> None:
    if name == "412_stale":  # another console changes the incident first
        resp = requests.patch(f"{sim.feed_base('open311')}/requests/{target['service_request_id']}.json",
                              json={"assignee": "another console"}, timeout=5,
                              headers={"Authorization": f"Bearer {sim.tokens['supervisor']}",
                                       "If-Match": f'"{target["service_request_id"]}-v{target["version"]}"'})
        assert resp.status_code == 200
    elif case.fault is not None:
        sim.faults.add("open311", methods=WRITES, count=1, **case.fault)


@pytest.mark.parametrize(("path", "name"), MATRIX, ids=[f"{p}-{n}" for p, n in MATRIX])
def test_write_fault(sim: SimulatorServer, path: str, name: str) -> None:
    case = FAULTS.get(name) or UPDATE_ONLY[name]
    entry, marker, target = _entry(sim, path)
    faulty = _writer(sim, sim.feed_base("open311").replace("http://", "https://")) if name == "tls_failure" \
        else _writer(sim)
    writer = _writer(sim)
    try:
        _inject(sim, path, name, case, target)
        started = time.monotonic()
        outcome = faulty.send(entry)
        elapsed = time.monotonic() - started
        assert elapsed < DEADLINE_S + MARGIN_S, f"send took {elapsed:.2f} s with a {DEADLINE_S} s deadline"
        assert outcome.kind == case.outcome, outcome
        assert outcome.error, "a failed send must say why"
        assert _count(sim, path, marker, target) == (1 if case.committed else 0)

        sim.faults.clear()
        if name == "412_stale":
            assert outcome.record is not None and outcome.record.version == target["version"] + 1
            assert outcome.record.assignee == "another console"
            # The outbox rebases the edit on the server's version (after merging); the key stays the same.
            entry = dataclasses.replace(entry, base_version=outcome.record.version)
        again = writer.send(entry)
        assert again.kind == "sent", again
        assert _count(sim, path, marker, target) == 1
        assert writer.send(entry).kind == "sent"  # and once more: still one
        assert _count(sim, path, marker, target) == 1
        record = again.record
        assert record is not None
        if path == "create":
            assert record.description == marker and record.version == 1
        elif path == "update":
            assert record.priority == entry.fields["priority"] and record.id == target["service_request_id"]
        else:
            assert record.id == target["service_request_id"] and record.version > target["version"]
        if path == "attachment":  # what the outbox stores on the attachment row
            assert record.extra[UPLOADED_MEDIA_KEY]["filename"] == marker
    finally:
        faulty.close()
        writer.close()


def test_method_limited_faults_leave_reads_alone(sim: SimulatorServer) -> None:
    sim.faults.add("open311", "error", status=503, methods=["post", "PATCH"])
    assert _get(sim, "/services.json").status_code == 200
    resp = requests.post(sim.feed_base("open311") + "/requests.json", data={"api_key": "x"}, timeout=5)
    assert resp.status_code == 503
    assert [f.methods for f in sim.faults.list()] == [("PATCH", "POST")]
    for bad in ({"methods": []}, {"methods": ["BREW"]}):
        with pytest.raises(ValueError):
            sim.faults.add("open311", "down", **bad)
    with pytest.raises(ValueError):
        sim.faults.add("open311", "strip_header")


@pytest.mark.parametrize("path", ["create", "comment"])
def test_read_back_after_a_lost_response_keeps_our_version(sim: SimulatorServer, path: str) -> None:
    """The response to a create / comment is lost; someone else changes the incident; the retry replays our write.
    The outcome must carry the version OUR write made (from its ETag), not the later one the read-back sees:
    otherwise the edits queued behind ours would be rebased past the other change and silently overwrite it."""
    entry, marker, target = _entry(sim, path)
    writer = _writer(sim)
    try:
        sim.faults.add("open311", "reset_after", methods=["POST"], count=1)
        assert writer.send(entry).kind == "retry"
        rid = target.get("service_request_id") or next(
            r["service_request_id"] for r in _get(sim, "/requests.json").json() if r.get("description") == marker)
        ours = _get(sim, f"/requests/{rid}.json").json()[0]["version"]
        resp = requests.patch(f"{sim.feed_base('open311')}/requests/{rid}.json", json={"assignee": "someone else"},
                              timeout=5, headers={"Authorization": f"Bearer {sim.tokens['supervisor']}",
                                                  "If-Match": f'"{rid}-v{ours}"'})
        assert resp.status_code == 200
        outcome = writer.send(entry)
        assert outcome.kind == "sent" and outcome.record is not None
        assert outcome.record.version == ours and outcome.record.id == rid
        assert _count(sim, path, marker, target) == 1
        # The next queued edit, rebased on that version, meets the other change as a conflict.
        follow = OutboxEntry(2, f"fm-next-{rid}", 1, rid, "update", ours, {"priority": "P4", "note": "later edit"})
        assert writer.send(follow).kind == "conflict"
    finally:
        writer.close()


@pytest.mark.parametrize("path", ["create", "comment", "attachment"])
def test_write_and_hung_read_back_share_one_deadline(sim: SimulatorServer, path: str) -> None:
    """A slow write is committed, then the read-back GET hangs: ``send`` gives up at ONE deadline for both (a deadline
    per request would take the write's time plus a whole deadline more), and the retry with the same key still
    leaves exactly one change."""
    deadline, slow_write = 3.0, 2.0  # one deadline per request would end at 5 s; one per send ends at 3 s
    entry, marker, target = _entry(sim, path)
    client = FeedHttpClient("open311_writes", deadline=deadline, connect_timeout=1.0)
    writer = IncidentWriter(sim.feed_base("open311"), sim.tokens["operator"], client)
    try:
        sim.faults.add("open311", "slow", seconds=slow_write, methods=["POST"], count=1)
        sim.faults.add("open311", "hang", seconds=30, methods=["GET"])
        started = time.monotonic()
        outcome = writer.send(entry)
        elapsed = time.monotonic() - started
        assert outcome.kind == "retry" and "deadline" in (outcome.error or ""), outcome
        assert deadline - 0.2 < elapsed < deadline + 1.0 < slow_write + deadline, f"send took {elapsed:.2f} s"
        sim.faults.clear()
        assert _count(sim, path, marker, target) == 1  # the write itself went through
        again = writer.send(entry)
        assert again.kind == "sent", again
        assert _count(sim, path, marker, target) == 1
    finally:
        writer.close()


def test_deadline_at_bounds_one_request_and_spent_deadline_sends_nothing(sim: SimulatorServer) -> None:
    client = FeedHttpClient("open311_writes", deadline=30.0, connect_timeout=1.0)
    url = sim.feed_base("open311") + "/services.json"
    try:
        sim.faults.add("open311", "hang", seconds=30, methods=["GET"], count=1)
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="deadline"):
            client.get(url, deadline_at=started + 0.5)
        assert time.monotonic() - started < 0.5 + MARGIN_S
        # A request whose task has no time left is not sent at all: the fault waiting for it stays unused.
        sim.faults.add("open311", "error", status=503, methods=["POST"], count=1)
        with pytest.raises(DeadlineExceeded, match="had passed"):
            client.request("POST", sim.feed_base("open311") + "/requests.json", data={"api_key": "x"},
                           deadline_at=time.monotonic() - 1)
        assert [f.remaining for f in sim.faults.list()] == [1]
        assert client.get(url, deadline_at=time.monotonic() + 5).status == 200
    finally:
        client.close()
