"""Sends one queued local edit (an outbox entry) to the Open311 backend through our workflow extension.

Every request carries the entry's ``Idempotency-Key``, so a retry after a lost response never makes a second record,
and updates carry ``If-Match`` with the version the edit was made on, so a stale write is refused (412) instead of
silently overwriting someone else's change. The outcome says what the outbox should do with the entry.

One ``send`` has one deadline (the client's): the write and the read-back after it share it, so a backend that
takes the write and then hangs on the read costs one deadline, not two.

Links (merge, split, relate, unrelate, promote, attach, detach) go to the extension's link endpoints
(``/requests/{id}/merge.json``, ``split.json``, ``links.json``) with the server id of every other incident named and
an ``If-Match`` listing each one's ETag; an entry naming an incident not yet created on the server waits for it. The
records the server changed besides the entry's own come back under ``LINKED_RECORDS_KEY``.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any

from services.errors import FeedError, FeedHTTPError, FeedUnavailable, MalformedPayload
from services.feeds import open311
from services.feeds.http_client import FeedHttpClient
from services.feeds.payload import load_json
from services.records import LINKED_RECORDS_KEY, UPLOADED_MEDIA_KEY, ServiceRequest, iso_utc
from services.workflow import role_of_actor

log = logging.getLogger(__name__)

# Link ops -> (the request's extension path, the "action" of links.json).
LINK_PATHS: dict[str, tuple[str, str | None]] = {
    "merge": ("merge.json", None), "split": ("split.json", None), "relate": ("links.json", "relate"),
    "unrelate": ("links.json", "unrelate"), "promote": ("links.json", "promote"), "attach": ("links.json", "attach"),
    "detach": ("links.json", "detach"),
}
# What an attachment is sent as when the store could not tell its type; the backend refuses it (415), by design.
UNKNOWN_MEDIA_TYPE = "application/octet-stream"
# Local incident columns the backend's PATCH takes (the rest, e.g. SLA bookkeeping, the server derives itself).
PATCH_FIELDS = ("workflow_state", "priority", "assignee", "description", "agency")
# Where a local column's name differs from the request field the backend keeps it in (GeoReport v2's own name).
PATCH_NAMES = {"agency": "agency_responsible"}
_ETAG_VERSION = re.compile(r'^(?:W/)?"[^"]*-v(\d+)"$')


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """``sent``: the server has it (``record`` is the server's copy; after an upload its ``extra`` holds the server's
    media object under ``UPLOADED_MEDIA_KEY``). ``local``: nothing to send to this backend.
    ``conflict``: the server moved on or refused
    the transition (``record`` is the server's current copy when known). ``retry``: try again later (network,
    5xx, or a create that has not reached the server yet). ``rejected``: the server will never take it as it is."""

    kind: str
    record: ServiceRequest | None = None
    error: str | None = None
    stale: bool = False  # a "conflict" because a request moved on since the edit's version (412), not a refusal
    answer: Any = None  # an alert entry's: the backend's alert or silence (services.alert_writer)


class IncidentWriter:
    """One backend, one bearer token (the acting user's), one HTTP client. Call from a network worker."""

    def __init__(self, base_url: str, token: str, client: FeedHttpClient | None = None, *,
                 role_tokens: Mapping[str, str] | None = None, backend_key: str | None = None) -> None:
        """``token`` is the acting user's; ``role_tokens`` (role → token, where one workstation holds several, as in
        training) sends each entry with the token of the role that made it (``entry.actor``), so a supervisor's
        offline close goes as the supervisor's even when an operator is acting when the network returns.
        ``backend_key`` is this backend's identity (services.backend_identity): an entry made for another backend is
        never sent by this writer, whatever the caller hands it."""
        self._backend_key = backend_key
        self._base = base_url.rstrip("/")
        self._token = token
        self._role_tokens = dict(role_tokens or {})
        self._client = client or FeedHttpClient("open311_writes", deadline=30.0)

    def close(self) -> None:
        self._client.close()

    # What services.alert_writer sends alert entries with: the same backend, client, tokens and identity.

    @property
    def base_url(self) -> str:
        return self._base

    @property
    def backend_key(self) -> str | None:
        return self._backend_key

    @property
    def client(self) -> FeedHttpClient:
        return self._client

    def headers_for(self, entry: Any) -> dict[str, str]:
        """The bearer token of the role that made ``entry`` and its ``Idempotency-Key``."""
        return self._headers(entry)

    def send(self, entry: Any) -> WriteOutcome:
        """Send ``entry`` (an outbox entry: op, fields, server_id, base_version, idempotency_key; ``data`` for an
        attachment). Every request it makes ends by one deadline, the client's, counted from now."""
        made_for = getattr(entry, "backend", None)
        if self._backend_key is not None and made_for is not None and made_for != self._backend_key:
            # The store's outbox never lists such an entry (services.store.outbox); this is the last line of defence.
            log.error("outbox entry %s was made for %s, not for this backend (%s); not sent", entry.id, made_for,
                      self._backend_key)
            return WriteOutcome("retry", error="made for another backend: not sent")
        deadline_at = time.monotonic() + self._client.deadline
        try:
            if entry.op == "create":
                return self._create(entry, deadline_at)
            if entry.server_id is None:
                return WriteOutcome("retry", error="waiting for the incident to be created on the server")
            if entry.op == "update":
                return self._update(entry, deadline_at)
            if entry.op == "comment":
                return self._comment(entry, deadline_at)
            if entry.op == "attachment":
                return self._attachment(entry, deadline_at)
            if entry.op in LINK_PATHS:
                return self._link(entry, deadline_at)
            return WriteOutcome("rejected", error=f"unknown outbox operation {entry.op!r}")
        except FeedUnavailable as exc:
            return WriteOutcome("retry", error=str(exc))
        except FeedHTTPError as exc:
            return self._http_error(entry, exc, deadline_at)
        except (MalformedPayload, FeedError) as exc:
            return WriteOutcome("retry", error=str(exc))

    # --- operations --------------------------------------------------------------------------------------------

    def _token_for(self, entry: Any) -> str:
        return self._role_tokens.get(role_of_actor(getattr(entry, "actor", None)) or "") or self._token

    def _headers(self, entry: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token_for(entry)}", "Idempotency-Key": entry.idempotency_key}

    def _create(self, entry: Any, deadline_at: float) -> WriteOutcome:
        fields = dict(entry.fields)
        form = {"api_key": self._token_for(entry), "lat": str(fields.get("lat")), "long": str(fields.get("lon"))}
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
        # The category's Open311 attributes: attribute[code]=key, attribute[code][]=key per key of a list.
        attributes = fields.get("attributes")
        data = [*form.items(), *open311.attribute_form(attributes if isinstance(attributes, dict) else {})]
        result = self._client.request("POST", open311.requests_url(self._base), data=data, headers=self._headers(entry),
                                      deadline_at=deadline_at)
        server_id, _token, _notice = open311.parse_create_response(result.content)
        if not server_id:
            return WriteOutcome("retry", error="the server accepted the request but has not assigned an id yet")
        return self._fetched(server_id, deadline_at, written=result.etag)

    @staticmethod
    def patch_body(fields: dict[str, Any]) -> dict[str, Any]:
        """The PATCH body for a local change: the fields the backend takes, the operator's note as status notes."""
        body = {PATCH_NAMES.get(name, name): fields[name] for name in PATCH_FIELDS if name in fields}
        if fields.get("note"):
            body["status_notes"] = str(fields["note"])
        if fields.get("children") and "workflow_state" in body:  # a major incident's close: its open children
            body["children"] = str(fields["children"])
        return body

    def _update(self, entry: Any, deadline_at: float) -> WriteOutcome:
        body = self.patch_body(dict(entry.fields))
        if not body:
            return WriteOutcome("local")  # bookkeeping only (e.g. the SLA clock): nothing the server takes
        created_at = getattr(entry, "created_at", None)
        if created_at is not None:  # made offline hours ago: the server's SLA clock counts from then
            body["occurred_at"] = iso_utc(created_at)
        headers = self._headers(entry)
        headers["If-Match"] = f'"{entry.server_id}-v{entry.base_version}"'
        result = self._client.request("PATCH", open311.request_url(self._base, entry.server_id),
                                      json=body, headers=headers, deadline_at=deadline_at)
        return WriteOutcome("sent", record=self._with_linked(result.content))

    def _link(self, entry: Any, deadline_at: float) -> WriteOutcome:
        """A link op on the entry's incident with the others it names (see the module text)."""
        others = tuple(getattr(entry, "others", ()) or ())
        if any(o.server_id is None for o in others):
            return WriteOutcome("retry", error="waiting for a linked incident to be created on the server")
        path, action = LINK_PATHS[entry.op]
        body: dict[str, Any] = {"request_ids": [o.server_id for o in others]}
        if action is not None:
            body["action"] = action
        if entry.fields.get("note"):
            body["status_notes"] = str(entry.fields["note"])
        created_at = getattr(entry, "created_at", None)
        if created_at is not None:
            body["occurred_at"] = iso_utc(created_at)
        tags = [(entry.server_id, entry.base_version), *((o.server_id, o.version) for o in others)]
        headers = self._headers(entry)
        headers["If-Match"] = ", ".join(f'"{sid}-v{version}"' if version is not None else "*" for sid, version in tags)
        url = open311.request_url(self._base, entry.server_id).removesuffix(".json") + "/" + path
        result = self._client.request("POST", url, json=body, headers=headers, deadline_at=deadline_at)
        return WriteOutcome("sent", record=self._with_linked(result.content))

    def _comment(self, entry: Any, deadline_at: float) -> WriteOutcome:
        url = open311.request_url(self._base, entry.server_id).removesuffix(".json") + "/comments.json"
        result = self._client.request("POST", url, json={"text": entry.fields.get("text", "")},
                                      headers=self._headers(entry), deadline_at=deadline_at)
        # Only the comment itself proves the server took it: a proxy's HTML page with 200, or a cut-off body, is
        # no proof, and marking the entry sent on it would lose the comment. A retry with the same key is safe.
        comment = load_json(result.content, "Open311 comment response")
        if not isinstance(comment, dict) or "text" not in comment:
            raise MalformedPayload("Open311 comment response: not the comment the server stores")
        return self._fetched(entry.server_id, deadline_at, written=result.etag)

    def _attachment(self, entry: Any, deadline_at: float) -> WriteOutcome:
        """Upload the file (multipart, field ``media``) to the request's media extension endpoint."""
        fields = dict(entry.fields)
        data = getattr(entry, "data", None)
        if data is None:
            return WriteOutcome("rejected", error=f"attachment {fields.get('attachment_id')} is no longer in the "
                                                  "local store; nothing to upload")
        filename = str(fields.get("filename") or "attachment")
        media_type = str(fields.get("media_type") or UNKNOWN_MEDIA_TYPE)
        url = open311.request_url(self._base, entry.server_id).removesuffix(".json") + "/media.json"
        result = self._client.request("POST", url, data={"kind": str(fields.get("kind") or "photo")},
                                      files={"media": (filename, data, media_type)}, headers=self._headers(entry),
                                      deadline_at=deadline_at)
        # As with comments: only the stored media object proves the upload, and its digest that the bytes arrived.
        media = load_json(result.content, "Open311 media response")
        if not isinstance(media, dict) or not media.get("media_id") or not media.get("url"):
            raise MalformedPayload("Open311 media response: not the media object the server stores")
        expected = fields.get("sha256")
        if expected and media.get("sha256") not in (None, expected):
            # The server holds other bytes under this key; a retry would only replay them. A person must look.
            return WriteOutcome("rejected", error=f"the server stored {filename} with a different SHA-256 "
                                                  f"({media.get('sha256')}, expected {expected})")
        sent = self._fetched(entry.server_id, deadline_at, written=result.etag)
        assert sent.record is not None
        record = dataclasses.replace(sent.record, extra={**sent.record.extra, UPLOADED_MEDIA_KEY: media})
        return WriteOutcome("sent", record=record)

    # --- helpers -----------------------------------------------------------------------------------------------

    def _fetched(self, server_id: str, deadline_at: float, written: str | None = None) -> WriteOutcome:
        """The server's record after our write. ``written`` is the ETag our write answered with: when someone else
        changed the record between our write and this read, the version reported is still the one our write made,
        so edits queued behind ours are rebased on it and meet the other change as a 412, not overwrite it."""
        result = self._client.get(open311.request_url(self._base, server_id), deadline_at=deadline_at)
        record = self._first(result.content)
        match = _ETAG_VERSION.match(written or "")
        if match and record.version is not None and record.version > int(match.group(1)):
            record = dataclasses.replace(record, version=int(match.group(1)))
        return WriteOutcome("sent", record=record)

    @classmethod
    def _with_linked(cls, body: bytes) -> ServiceRequest:
        """The first record of an answer, with the others it lists (the requests the write also changed) under
        ``LINKED_RECORDS_KEY``."""
        parsed = open311.parse_requests(body)
        if not parsed.records:
            raise MalformedPayload("the server answered without the request record")
        first, *rest = parsed.records
        if not rest:
            return first
        return dataclasses.replace(first, extra={**first.extra, LINKED_RECORDS_KEY: tuple(rest)})

    @staticmethod
    def _first(body: bytes) -> ServiceRequest:
        parsed = open311.parse_requests(body)
        if not parsed.records:
            raise MalformedPayload("the server answered without the request record")
        return parsed.records[0]

    def _http_error(self, entry: Any, exc: FeedHTTPError, deadline_at: float) -> WriteOutcome:
        described = "; ".join(str(d) for _c, d in open311.parse_error(exc.body)) or str(exc)
        if exc.status == 412:  # stale: someone changed it since our base version; the body is the current record
            try:
                current = self._with_linked(exc.body)  # a link op's 412 lists every request it names
            except MalformedPayload:
                current = None
            return WriteOutcome("conflict", record=current, error="changed on the server since this edit was made",
                                stale=True)
        if exc.status == 409:  # the transition is no longer allowed in the server's current state
            current = None
            if entry.server_id:
                try:
                    current = self._fetched(entry.server_id, deadline_at).record
                except FeedError:
                    pass
            return WriteOutcome("conflict", record=current, error=described)
        if exc.status in (408, 425):
            return WriteOutcome("retry", error=described)
        if exc.status in (401, 407):
            # The credentials, not the edit, were refused (expired or revoked token, proxy sign-in): the edit waits
            # for valid ones instead of being dropped.
            return WriteOutcome("retry", error=f"HTTP {exc.status}: the backend refused the credentials; the edit "
                                               f"waits until they are renewed ({described})")
        log.warning("outbox entry %s rejected: HTTP %s %s", entry.idempotency_key, exc.status, described)
        current = None
        if entry.server_id:
            # Refused for good: the incident follows the server again, so read what the server has.
            try:
                current = self._fetched(entry.server_id, deadline_at).record
            except FeedError:
                pass
        return WriteOutcome("rejected", record=current, error=f"HTTP {exc.status}: {described}")
