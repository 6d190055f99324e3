"""Sends one queued local edit (an outbox entry) to the Open311 backend through our workflow extension.

Every request carries the entry's ``Idempotency-Key``, so a retry after a lost response never makes a second record,
and updates carry ``If-Match`` with the version the edit was made on, so a stale write is refused (412) instead of
silently overwriting someone else's change. The outcome says what the outbox should do with the entry.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from typing import Any

from services.errors import FeedError, FeedHTTPError, FeedUnavailable, MalformedPayload
from services.feeds import open311
from services.feeds.http_client import FeedHttpClient
from services.feeds.payload import load_json
from services.records import ServiceRequest

log = logging.getLogger(__name__)

LOCAL_ONLY_OPS = frozenset({"attachment", "merge", "split"})
# Local incident columns the backend's PATCH takes (the rest, e.g. SLA bookkeeping, the server derives itself).
PATCH_FIELDS = ("workflow_state", "priority", "assignee", "description")
_ETAG_VERSION = re.compile(r'^(?:W/)?"[^"]*-v(\d+)"$')


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """``sent``: the server has it (``record`` is the server's copy). ``local``: nothing to send to this backend.
    ``conflict``: the server moved on or refused
    the transition (``record`` is the server's current copy when known). ``retry``: try again later (network,
    5xx, or a create that has not reached the server yet). ``rejected``: the server will never take it as it is."""

    kind: str
    record: ServiceRequest | None = None
    error: str | None = None


class IncidentWriter:
    """One backend, one bearer token (the acting user's), one HTTP client. Call from a network worker."""

    def __init__(self, base_url: str, token: str, client: FeedHttpClient | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._client = client or FeedHttpClient("open311_writes", deadline=30.0)

    def close(self) -> None:
        self._client.close()

    def send(self, entry: Any) -> WriteOutcome:
        """Send ``entry`` (an outbox entry: op, fields, server_id, base_version, idempotency_key)."""
        try:
            if entry.op == "create":
                return self._create(entry)
            if entry.server_id is None:
                return WriteOutcome("retry", error="waiting for the incident to be created on the server")
            if entry.op == "update":
                return self._update(entry)
            if entry.op == "comment":
                return self._comment(entry)
            if entry.op in LOCAL_ONLY_OPS:
                # The backend's extension has no endpoint for these yet: they stay in the local store (nothing is
                # lost) and the entry is done so the incident can take the server's updates again.
                return WriteOutcome("local")
            return WriteOutcome("rejected", error=f"unknown outbox operation {entry.op!r}")
        except FeedUnavailable as exc:
            return WriteOutcome("retry", error=str(exc))
        except FeedHTTPError as exc:
            return self._http_error(entry, exc)
        except (MalformedPayload, FeedError) as exc:
            return WriteOutcome("retry", error=str(exc))

    # --- operations --------------------------------------------------------------------------------------------

    def _headers(self, entry: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}", "Idempotency-Key": entry.idempotency_key}

    def _create(self, entry: Any) -> WriteOutcome:
        fields = dict(entry.fields)
        form = {"api_key": self._token, "lat": str(fields.get("lat")), "long": str(fields.get("lon"))}
        if fields.get("reporter_name"):
            form["first_name"] = str(fields["reporter_name"])
        contact = str(fields.get("reporter_contact") or "")
        if contact:
            form["email" if "@" in contact else "phone"] = contact
        if fields.get("address"):
            form["address_string"] = str(fields["address"])
        for name in ("service_code", "description", "priority", "source", "media_url"):
            if fields.get(name) not in (None, ""):
                form[name] = str(fields[name])
        result = self._client.request("POST", open311.requests_url(self._base), data=form, headers=self._headers(entry))
        server_id, _token, _notice = open311.parse_create_response(result.content)
        if not server_id:
            return WriteOutcome("retry", error="the server accepted the request but has not assigned an id yet")
        return self._fetched(server_id, written=result.etag)

    @staticmethod
    def patch_body(fields: dict[str, Any]) -> dict[str, Any]:
        """The PATCH body for a local change: the fields the backend takes, the operator's note as status notes."""
        body = {name: fields[name] for name in PATCH_FIELDS if name in fields}
        if fields.get("note"):
            body["status_notes"] = str(fields["note"])
        return body

    def _update(self, entry: Any) -> WriteOutcome:
        body = self.patch_body(dict(entry.fields))
        if not body:
            return WriteOutcome("local")  # bookkeeping only (e.g. the SLA clock): nothing the server takes
        headers = self._headers(entry)
        headers["If-Match"] = f'"{entry.server_id}-v{entry.base_version}"'
        result = self._client.request("PATCH", open311.request_url(self._base, entry.server_id),
                                      json=body, headers=headers)
        return WriteOutcome("sent", record=self._first(result.content))

    def _comment(self, entry: Any) -> WriteOutcome:
        url = open311.request_url(self._base, entry.server_id).removesuffix(".json") + "/comments.json"
        result = self._client.request("POST", url, json={"text": entry.fields.get("text", "")},
                                      headers=self._headers(entry))
        # Only the comment itself proves the server took it: a proxy's HTML page with 200, or a cut-off body, is
        # no proof, and marking the entry sent on it would lose the comment. A retry with the same key is safe.
        comment = load_json(result.content, "Open311 comment response")
        if not isinstance(comment, dict) or "text" not in comment:
            raise MalformedPayload("Open311 comment response: not the comment the server stores")
        return self._fetched(entry.server_id, written=result.etag)

    # --- helpers -----------------------------------------------------------------------------------------------

    def _fetched(self, server_id: str, written: str | None = None) -> WriteOutcome:
        """The server's record after our write. ``written`` is the ETag our write answered with: when someone else
        changed the record between our write and this read, the version reported is still the one our write made,
        so edits queued behind ours are rebased on it and meet the other change as a 412, not overwrite it."""
        result = self._client.get(open311.request_url(self._base, server_id))
        record = self._first(result.content)
        match = _ETAG_VERSION.match(written or "")
        if match and record.version is not None and record.version > int(match.group(1)):
            record = dataclasses.replace(record, version=int(match.group(1)))
        return WriteOutcome("sent", record=record)

    @staticmethod
    def _first(body: bytes) -> ServiceRequest:
        parsed = open311.parse_requests(body)
        if not parsed.records:
            raise MalformedPayload("the server answered without the request record")
        return parsed.records[0]

    def _http_error(self, entry: Any, exc: FeedHTTPError) -> WriteOutcome:
        described = "; ".join(str(d) for _c, d in open311.parse_error(exc.body)) or str(exc)
        if exc.status == 412:  # stale: someone changed it since our base version; the body is the current record
            try:
                current = self._first(exc.body)
            except MalformedPayload:
                current = None
            return WriteOutcome("conflict", record=current, error="changed on the server since this edit was made")
        if exc.status == 409:  # the transition is no longer allowed in the server's current state
            current = None
            if entry.server_id:
                try:
                    current = self._fetched(entry.server_id).record
                except FeedError:
                    pass
            return WriteOutcome("conflict", record=current, error=described)
        if exc.status in (408, 425):
            return WriteOutcome("retry", error=described)
        log.warning("outbox entry %s rejected: HTTP %s %s", entry.idempotency_key, exc.status, described)
        return WriteOutcome("rejected", error=f"HTTP {exc.status}: {described}")
