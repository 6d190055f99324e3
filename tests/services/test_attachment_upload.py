"""Attachments reach the backend: the media extension endpoint, and the outbox sending a stored file through it.

Everything is real: a store in a temporary directory, the simulator on loopback, ``IncidentWriter`` with its
``FeedHttpClient``, and the console's own ``record_outcome`` between them. The server is counted with its media list,
and the bytes it serves are compared with the stored ones by SHA-256.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from alembic import command
from PIL import Image

from services.feeds.http_client import FeedHttpClient
from services.incident_writer import IncidentWriter
from services.outbox_drain import record_outcome  # the drain's own bookkeeping: record as the console does
from services.simulator.media_store import MAX_MEDIA_BYTES
from services.simulator.server import SimulatorServer
from services.store import outbox
from services.store.database import alembic_config, make_engine, open_store
from services.store.incident_rows import IncidentDraft
from services.store.store import Store

NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)


def _png(colour: str = "green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def writer(simulator: SimulatorServer) -> Iterator[IncidentWriter]:
    client = FeedHttpClient("open311_writes", deadline=10.0, connect_timeout=1.0, backoff_factor=0.01)
    w = IncidentWriter(simulator.feed_base("open311"), simulator.tokens["operator"], client)
    try:
        yield w
    finally:
        w.close()


def _new_incident(store: Store, text: str = "ถนนชำรุด / Broken road, Tha Phae Gate") -> int:
    draft = IncidentDraft(category="road", priority="P3", description=text, lat=18.7877, lon=98.9933,
                          source="hotline", reporter_name="Somchai", reporter_contact="081-234-5678")
    return store.create_incident_local(draft, "operator", NOW)


def _drain(store: Store, writer: IncidentWriter) -> list[tuple[str, str]]:
    """Send in order as the outbox controller does, until empty or a retry: [(op, recorded kind)]."""
    done: list[tuple[str, str]] = []
    while entries := store.outbox_pending(1):
        entry = entries[0]
        kind = record_outcome(store, entry, writer.send(entry), "operator")
        done.append((entry.op, kind))
        if kind in ("retry", "rejected"):
            break
    return done


def _server_id(store: Store, incident_id: int) -> str:
    return store.incident_detail(incident_id).row.server_id  # type: ignore[return-value]


def _media(sim: SimulatorServer, server_id: str) -> list[dict]:
    resp = requests.get(f"{sim.feed_base('open311')}/requests/{server_id}/media.json", timeout=5)
    resp.raise_for_status()
    return resp.json()


def _row(store: Store, attachment_id: int) -> dict:
    with store.edit_engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT server_media_id, server_url, sent_at, synced, sha256 FROM attachments "
                                   "WHERE id = ?", (attachment_id,)).mappings().one()
    return dict(row)


def _outbox_row(store: Store, op: str) -> tuple[str, str | None]:
    with store.edit_engine.connect() as conn:
        return tuple(conn.exec_driver_sql(  # type: ignore[return-value]
            "SELECT state, last_error FROM outbox WHERE op = ? ORDER BY id DESC LIMIT 1", (op,)).one())


def _sent_incident(store: Store, writer: IncidentWriter) -> tuple[int, str]:
    incident_id = _new_incident(store)
    assert _drain(store, writer) == [("create", "sent")]
    return incident_id, _server_id(store, incident_id)


# --- through the outbox ------------------------------------------------------------------------------------------


def test_after_photo_is_uploaded_and_the_store_row_gets_the_server_media(
        simulator: SimulatorServer, store: Store, writer: IncidentWriter) -> None:
    incident_id, server_id = _sent_incident(store, writer)
    photo = _png()
    attachment_id = store.add_attachment_local(incident_id, "after_photo", "หลังซ่อม after.png", photo, "op", NOW)
    [entry] = store.outbox_pending()
    assert entry.op == "attachment" and entry.data == photo and "data" not in repr(entry)

    assert _drain(store, writer) == [("attachment", "sent")]
    [media] = _media(simulator, server_id)
    assert (media["filename"], media["kind"], media["content_type"], media["size"]) == \
        ("หลังซ่อม after.png", "after_photo", "image/png", len(photo))
    served = requests.get(media["url"], timeout=5)
    assert served.headers["Content-Type"] == "image/png"
    assert hashlib.sha256(served.content).hexdigest() == media["sha256"] == hashlib.sha256(photo).hexdigest()

    row = _row(store, attachment_id)
    assert (row["server_media_id"], row["server_url"], row["synced"]) == (media["media_id"], media["url"], 1)
    assert row["sent_at"] is not None and row["sha256"] == media["sha256"]
    assert store.incident_detail(incident_id).attachments[0].server_url == media["url"]
    # The first photo became the request's media_url, and the incident took it with the server's version.
    record = requests.get(f"{simulator.feed_base('open311')}/requests/{server_id}.json", timeout=5).json()[0]
    detail = store.incident_detail(incident_id)
    assert record["media_url"] == media["url"] == detail.media_url
    assert detail.version == record["version"] and detail.local_changes == 0


def test_attachment_on_an_offline_created_incident_waits_for_the_create(
        simulator: SimulatorServer, store: Store, writer: IncidentWriter) -> None:
    simulator.set_offline(True)
    incident_id = _new_incident(store, "ไฟดับ / Street lights out, Nimman")
    photo = _png("navy")
    attachment_id = store.add_attachment_local(incident_id, "photo", "lights.png", photo, "op", NOW)
    create, upload = store.outbox_pending()
    assert (create.op, upload.op, upload.server_id) == ("create", "attachment", None)

    # Out of order, the upload waits for the incident's server id, and sends nothing.
    waiting = writer.send(upload)
    assert waiting.kind == "retry" and "created on the server" in (waiting.error or "")
    assert _drain(store, writer) == [("create", "retry")]  # the backend is unreachable: everything stays queued
    assert [e.op for e in store.outbox_pending()] == ["create", "attachment"]

    simulator.set_offline(False)
    assert _drain(store, writer) == [("create", "sent"), ("attachment", "sent")]
    server_id = _server_id(store, incident_id)
    [media] = _media(simulator, server_id)
    assert media["sha256"] == hashlib.sha256(photo).hexdigest()
    assert _row(store, attachment_id)["server_media_id"] == media["media_id"]


@pytest.mark.parametrize(("fault", "committed"), [
    ({"kind": "reset_after"}, True),  # the lost response: the server has it, the retry must not add a second
    ({"kind": "reset_before"}, False),  # the lost request
    ({"kind": "error", "status": 503}, False),
], ids=["reset_after", "reset_before", "503"])
def test_upload_retried_after_a_fault_is_on_the_server_once(
        simulator: SimulatorServer, store: Store, writer: IncidentWriter, fault: dict, committed: bool) -> None:
    incident_id, server_id = _sent_incident(store, writer)
    photo = _png("orange")
    attachment_id = store.add_attachment_local(incident_id, "photo", "scene.png", photo, "op", NOW)
    simulator.faults.add("open311", methods=["POST"], count=1, **fault)
    assert _drain(store, writer) == [("attachment", "retry")]
    assert len(_media(simulator, server_id)) == (1 if committed else 0)
    state, error = _outbox_row(store, "attachment")
    assert state == "pending" and error
    assert _row(store, attachment_id)["synced"] == 0

    assert _drain(store, writer) == [("attachment", "sent")]
    [media] = _media(simulator, server_id)
    assert media["sha256"] == hashlib.sha256(photo).hexdigest()
    assert _row(store, attachment_id)["server_media_id"] == media["media_id"]


def test_too_large_upload_is_rejected_and_the_file_stays_local(
        simulator: SimulatorServer, store: Store, writer: IncidentWriter) -> None:
    incident_id, server_id = _sent_incident(store, writer)
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_MEDIA_BYTES  # one photo just past the backend's limit
    attachment_id = store.add_attachment_local(incident_id, "photo", "huge.png", big, "op", NOW)
    assert _drain(store, writer) == [("attachment", "rejected")]
    state, error = _outbox_row(store, "attachment")
    assert state == "failed" and "HTTP 413" in (error or "") and str(MAX_MEDIA_BYTES) in (error or "")
    assert store.attachment_data(attachment_id) == big  # nothing local is lost
    assert _row(store, attachment_id)["synced"] == 0 and _media(simulator, server_id) == []
    assert store.outbox_pending() == []  # the drain goes past it
    # Refused for good: the incident follows the server again, and the timeline says what was refused and why.
    detail = store.incident_detail(incident_id)
    assert detail.local_changes == 0
    refused = [e for e in detail.events if e.kind == "sync_refused"]
    assert len(refused) == 1 and refused[0].after["op"] == "attachment" and "413" in refused[0].after["reason"]
    assert refused[0].after["refused"]["attachment_id"] == attachment_id


def test_unaccepted_type_is_rejected_with_415(simulator: SimulatorServer, store: Store,
                                              writer: IncidentWriter) -> None:
    incident_id, server_id = _sent_incident(store, writer)
    store.add_attachment_local(incident_id, "file", "notes.txt", b"plain text notes", "op", NOW)
    assert _drain(store, writer) == [("attachment", "rejected")]
    assert "HTTP 415" in (_outbox_row(store, "attachment")[1] or "")
    assert _media(simulator, server_id) == []


def test_pending_attachments_are_loaded_within_a_byte_budget(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    incident_id = _new_incident(store)
    for colour in ("red", "green", "blue"):
        store.add_attachment_local(incident_id, "photo", f"{colour}.png", _png(colour), "op", NOW)
    sizes = [len(e.data or b"") for e in store.outbox_pending() if e.op == "attachment"]
    assert len(sizes) == 3 and all(sizes)
    monkeypatch.setattr(outbox, "MAX_PENDING_BYTES", sizes[0] + sizes[1])
    # The list stops before the attachment that would pass the budget; the next call continues from there.
    assert [e.op for e in store.outbox_pending()] == ["create", "attachment", "attachment"]
    monkeypatch.setattr(outbox, "MAX_PENDING_BYTES", 1)
    assert [e.op for e in store.outbox_pending()] == ["create"]
    assert [e.op for e in store.outbox_pending(1)] == ["create"]


# --- the endpoint -------------------------------------------------------------------------------------------------


def _upload(sim: SimulatorServer, rid: str, data: bytes, *, name: str = "a.png", ctype: str = "image/png",
            kind: str | None = "photo", role: str | None = "operator", key: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {sim.tokens[role]}"} if role else {}
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(f"{sim.feed_base('open311')}/requests/{rid}/media.json", timeout=10, headers=headers,
                         files={"media": (name, data, ctype)}, data={"kind": kind} if kind else {})


def test_media_endpoint_rules(simulator: SimulatorServer) -> None:
    base = simulator.feed_base("open311")
    rid = requests.get(f"{base}/requests.json", timeout=5).json()[0]["service_request_id"]
    before = requests.get(f"{base}/requests/{rid}.json", timeout=5).json()[0]
    photo = _png()

    first = _upload(simulator, rid, photo, key="k-1")
    assert first.status_code == 201 and first.headers["ETag"] == f'"{rid}-v{before["version"] + 1}"'
    replay = _upload(simulator, rid, photo, key="k-1")
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert _upload(simulator, rid, _png("red"), key="k-1").status_code == 422  # same key, another file
    assert _upload(simulator, rid, photo, key="k-1", kind="after_photo").status_code == 422
    assert len(_media(simulator, rid)) == 1

    refusals = {
        "no token": (_upload(simulator, rid, photo, role=None), 401),
        "viewer": (_upload(simulator, rid, photo, role="viewer"), 403),
        "unknown request": (_upload(simulator, "no-such", photo), 404),
        "empty": (_upload(simulator, rid, b""), 400),
        "kind": (_upload(simulator, rid, photo, kind="selfie"), 400),
        "type": (_upload(simulator, rid, b"<html>", name="x.html", ctype="text/html"), 415),
        "no file": (requests.post(f"{base}/requests/{rid}/media.json", data={"kind": "photo"}, timeout=5,
                                  headers={"Authorization": f"Bearer {simulator.tokens['operator']}"}), 400),
    }
    for what, (resp, status) in refusals.items():
        assert resp.status_code == status, what
        [error] = resp.json()
        assert error["code"] == status and error["description"], what
    assert len(_media(simulator, rid)) == 1

    pdf = _upload(simulator, rid, b"%PDF-1.4 report", name="../../etc/report.pdf", ctype="application/pdf",
                  kind="file").json()
    assert pdf["filename"] == "report.pdf" and pdf["media_id"] == f"{rid}-m2"
    listed = _media(simulator, rid)
    assert [m["media_id"] for m in listed] == [first.json()["media_id"], pdf["media_id"]]
    assert set(listed[0]) == {"media_id", "service_request_id", "filename", "content_type", "size", "sha256", "kind",
                              "uploaded_at", "url"}
    served = requests.get(pdf["url"], timeout=5)
    assert served.content == b"%PDF-1.4 report" and served.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(f"{base}/media/{rid}-m99", timeout=5).status_code == 404
    after = requests.get(f"{base}/requests/{rid}.json", timeout=5).json()[0]
    assert after["version"] == before["version"] + 2  # each upload is one change; the replay none
    assert after["media_url"] == (before["media_url"] or first.json()["url"])  # the first image, not the PDF
    updates = requests.get(f"{base}/servicerequestupdates.json", params={"service_request_id": rid},
                           timeout=5).json()
    assert [u["description"] for u in updates[-2:]] == ["media: a.png (photo)", "media: report.pdf (file)"]


# --- the migration ------------------------------------------------------------------------------------------------


def test_upgrade_from_0005_keeps_attachments_and_downgrade_drops_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    engine = make_engine(path, synchronous="FULL")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0005_incident_workflow")
        conn.exec_driver_sql("INSERT INTO incidents (id, status, updated_at) VALUES (1, 'open', 0)")
        conn.exec_driver_sql(
            "INSERT INTO attachments (id, incident_id, kind, filename, sha256, size, data, created_at) "
            "VALUES (7, 1, 'photo', 'old.png', 'abc', 3, x'010203', 0)")
    engine.dispose()

    with open_store(path) as store:
        assert store.attachment_data(7) == b"\x01\x02\x03"
        assert _row(store, 7) == {"server_media_id": None, "server_url": None, "sent_at": None, "synced": 0,
                                  "sha256": "abc"}
        with store.edit_engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0005_incident_workflow")
            columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(attachments)")]
            assert "server_media_id" not in columns and "sent_at" not in columns and "server_url" in columns
            assert conn.exec_driver_sql("SELECT data FROM attachments WHERE id = 7").scalar() == b"\x01\x02\x03"


def test_outbox_fields_of_an_attachment_are_what_the_writer_reads(store: Store) -> None:
    """The writer builds the upload from the entry alone: file name, type, kind and digest in the fields."""
    incident_id = _new_incident(store)
    store.add_attachment_local(incident_id, "after_photo", "done.jpg", b"\xff\xd8\xff not really a jpeg", "op", NOW)
    entry = store.outbox_pending()[-1]
    assert {k: entry.fields[k] for k in ("kind", "filename", "media_type")} == \
        {"kind": "after_photo", "filename": "done.jpg", "media_type": "image/jpeg"}
    assert entry.fields["sha256"] == hashlib.sha256(entry.data or b"").hexdigest()
