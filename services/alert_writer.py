"""Sends the outbox's alert entries (services.store.alert_outbox) to the backend's alerts extension, with the
incident writer's backend, HTTP client, role tokens and identity (network lane ``backend``, Qt-free).

The extension lives at the Open311 endpoint's base URL (services.simulator.alert_routes documents it):

- ``alert``       → ``POST {base}/alerts.json`` (the snapshot; the answer is the server's alert, whose ``uid`` may
  be another console's for the same episode);
- ``acknowledge`` → ``POST {base}/alerts/{uid}/acknowledgements.json``; 409 with the acknowledgement kept (another
  console's, first) is a ``conflict`` whose ``answer`` the store adopts;
- ``silence``     → ``POST {base}/alert_silences.json``;
- ``end_silence`` → ``POST {base}/alert_silences/{uid}/end.json``.

Every POST carries the entry's ``Idempotency-Key``. Outcomes are services.incident_writer.WriteOutcome's kinds, the
backend's JSON answer in ``answer``, and ``missing``: an acknowledgement or end of silence answered 404, for an alert
or silence the backend does not have (services.store.alert_outbox sends it again first). A backend without the
extension (404 on the alerts paths: a plain Open311 server) keeps alerts on this console: the entry is done as
``local``, the log says so once per backend, and the
backend is not asked again until the console starts again (later entries are done as ``local`` at once).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from services.errors import FeedError, FeedHTTPError, FeedUnavailable, MalformedPayload
from services.feeds import open311
from services.feeds.payload import load_json
from services.incident_writer import IncidentWriter, WriteOutcome

log = logging.getLogger(__name__)

NO_EXTENSION = "this backend has no alerts extension: alerts stay on this console"
_told: set[str] = set()  # backends already said to have no extension (logged once each)


def is_alert_entry(entry: Any) -> bool:
    from services.store.alert_outbox import AlertOutboxEntry

    return isinstance(entry, AlertOutboxEntry)


def _path(entry: Any) -> str | None:
    if entry.op == "alert":
        return "/alerts.json"
    if entry.uid is None:
        return None
    if entry.op == "acknowledge":
        return f"/alerts/{entry.uid}/acknowledgements.json"
    if entry.op == "silence":
        return "/alert_silences.json"
    if entry.op == "end_silence":
        return f"/alert_silences/{entry.uid}/end.json"
    return None


def _body(entry: Any) -> dict[str, Any]:
    body = dict(entry.fields)
    if entry.op in ("alert", "silence"):
        body["uid"] = entry.uid
    return body


def send(writer: IncidentWriter, entry: Any) -> WriteOutcome:
    """Send one alert entry; never raises for the backend's answers."""
    made_for = getattr(entry, "backend", None)
    if writer.backend_key is not None and made_for is not None and made_for != writer.backend_key:
        return WriteOutcome("retry", error="made for another backend: not sent")
    path = _path(entry)
    if path is None:
        return WriteOutcome("rejected", error=f"alert entry {entry.op!r} names nothing the backend knows")
    base = writer.base_url
    if base in _told:  # said once already: not asked again until the console starts again
        return WriteOutcome("local", error=NO_EXTENSION)
    deadline_at = time.monotonic() + writer.client.deadline
    try:
        result = writer.client.request("POST", base + path, json=_body(entry), headers=writer.headers_for(entry),
                                       deadline_at=deadline_at)
        answer = load_json(result.content, "alerts extension answer")
        if not isinstance(answer, dict) or "uid" not in answer:
            raise MalformedPayload("alerts extension answer: not the alert or silence the server keeps")
        return WriteOutcome("sent", answer=answer)
    except FeedUnavailable as exc:
        return WriteOutcome("retry", error=str(exc))
    except FeedHTTPError as exc:
        return _http_error(base, entry, exc)
    except (MalformedPayload, FeedError) as exc:
        return WriteOutcome("retry", error=str(exc))


def _http_error(base: str, entry: Any, exc: FeedHTTPError) -> WriteOutcome:
    described = "; ".join(str(d) for _c, d in open311.parse_error(exc.body or b"")) or str(exc)
    if exc.status == 404 and entry.op in ("alert", "silence"):
        if base not in _told:
            _told.add(base)
            log.warning("%s (%s answered 404)", NO_EXTENSION, base)
        return WriteOutcome("local", error=NO_EXTENSION)
    if exc.status == 404 and entry.op in ("acknowledge", "end_silence"):
        # The backend does not have the alert (or silence) the entry names: it is sent again first (the store's
        # record_outcome), then this entry.
        return WriteOutcome("missing", error=f"HTTP 404: {described}")
    if exc.status == 409:
        try:
            kept = load_json(exc.body or b"", "alerts extension conflict")
        except (MalformedPayload, FeedError):
            kept = None
        first = kept[0] if isinstance(kept, list) and kept else kept
        alert = first.get("alert") if isinstance(first, dict) else None
        return WriteOutcome("conflict", answer=alert, error=described)
    if exc.status in (401, 407, 408, 425, 429) or exc.status >= 500:
        return WriteOutcome("retry", error=f"HTTP {exc.status}: {described}")
    log.warning("alert outbox entry %s refused: HTTP %s %s", entry.idempotency_key, exc.status, described)
    return WriteOutcome("rejected", error=f"HTTP {exc.status}: {described}")
