"""The simulated Open311 backend's authority: records, versions, updates, comments, idempotency and auth.

Workflow extension (on top of GeoReport v2; plain v2 clients keep working):

- Every request carries ``version`` (int, +1 on every change), ``workflow_state`` (one of
  :data:`services.workflow.STATES`; ``status_detail`` repeats it, ``status`` = ``OPEN311_STATUS[state]``, so
  resolved, closed and cancelled are "closed"), ``priority`` (P1–P4), ``assignee``, ``source`` (hotline, walk_in,
  citizen_app, sensor, patrol or null) and the SLA clock: ``sla_paused_s``, ``sla_paused_since``, ``resumed_state``
  (see :mod:`services.sla`). ``expected_datetime`` is the SLA target (category × priority, paused time included) as
  of the last change. ``reporter_name`` / ``reporter_contact`` are written only to callers with a bearer token.
- ``GET /requests/<id>.json`` and ``PATCH`` answer with ``ETag: "<id>-v<version>"``.
- ``PATCH /requests/<id>.json`` (JSON object of fields to change: ``workflow_state`` or its alias ``status_detail``,
  ``priority``, ``assignee``, ``status_notes``, ``description``) needs ``Authorization: Bearer <token>`` of an operator
  or supervisor (viewer → 403, missing/unknown → 401) and ``If-Match`` (missing → 428; stale → 412 whose body is the
  current record as ``[record]`` with its ETag, so the client can merge and retry). 200 → ``[record]``.
- ``POST /requests/<id>/comments.json`` (``{"text": ...}``, same auth) → 201 with the comment; ``GET`` lists them.
- ``Idempotency-Key`` on POST /requests.json, PATCH and comment POST: a repeat with the same key and the same body
  replays the first successful response (same status and body, header ``Idempotent-Replayed: true``) without a second
  change; the same key with a different body → 422.
- ``POST /requests/<id>/media.json`` (multipart, same auth and idempotency) stores a photo or document on the request
  (:mod:`services.simulator.media_routes`); the first image becomes the request's ``media_url`` if it has none.
- Every change appends a service request update (``GET /servicerequestupdates.json``) with who made it
  (``author``: the token's role, ``api`` for an API key, ``system`` for the backend's own changes) and the
  ``Idempotency-Key`` of the write that made it (``idempotency_key``, null without one).
- ``POST /requests.json`` accepts ``api_key`` = an operator/supervisor token or a configured API key (403 otherwise),
  and besides GeoReport v2's fields the reporter (``first_name``, ``last_name``, ``email``, ``phone``, or the extension
  fields ``reporter_name`` / ``reporter_contact``) and ``source``.
- Workflow rules (:mod:`services.workflow`) for the caller's role: a ``workflow_state`` change must be an action
  (:func:`~services.workflow.action_for`) the role may take now; an ``assignee`` change is "assign", a ``priority``
  change "set_priority" (after the state change; paused SLA time is kept), a ``description`` / ``status_notes``
  change "comment". Refused → 409 with the reason, or 403 when the role may never do it. A further
  ``TransitionValidator`` may be plugged in; it is called as ``validator(current_record, changes, role)`` and raises
  :class:`TransitionRejected` to refuse (HTTP 409 by default).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services import workflow
from services.simulator.clock import SimClock
from services.simulator.incident_fields import (
    CLOSED_STATES,
    MAX_DESCRIPTION,
    OPEN_STATES,
    PRIORITIES,
    IncidentError,
    occurred_at,
    to_public,
    validate_changes,
    view_of,
    workflow_steps,
)
from services.simulator.incident_links import LinkOperations, empty_links
from services.simulator.incident_seed import SEED_PATHS, Draft, IncidentGenerator, default_priority
from services.simulator.media_store import MediaStore
from services.simulator.seed import load_seed
from services.simulator.timefmt import w3c
from services.sla import SlaPolicy, sla_status

__all__ = [
    "CLOSED_STATES", "MAX_DESCRIPTION", "OPEN_STATES", "PRIORITIES", "ROLES", "IncidentError",
    "IncidentStore", "TransitionRejected", "TransitionValidator", "etag_of", "to_public",
]

ROLES: tuple[str, ...] = ("operator", "supervisor", "viewer")
WRITE_ROLES = workflow.WRITE_ROLES
_MAX_IDEMPOTENCY_KEYS = 2000
_MAX_CATCH_UP = timedelta(days=7)
#: The ``author`` of the changes the backend makes itself (seeded history, requests from its other channels).
BACKEND_AUTHOR = "system"


class TransitionRejected(Exception):
    """Raised by a transition validator to refuse a change (becomes HTTP ``status``, 409 by default)."""

    def __init__(self, description: str, status: int = 409) -> None:
        super().__init__(description)
        self.description = description
        self.status = status


TransitionValidator = Callable[[dict, dict, str], None]


@dataclass
class _Stored:
    fingerprint: str
    status: int
    body: Any
    headers: dict[str, str]


def etag_of(record: dict) -> str:
    """The ETag of a record's current version."""
    return f'"{record["service_request_id"]}-v{record["version"]}"'


class IncidentStore(LinkOperations):
    """Thread-safe incident records behind the Open311 routes (links: :mod:`services.simulator.incident_links`)."""

    def __init__(
        self,
        seed: int,
        clock: SimClock,
        *,
        tokens: dict[str, str],
        api_keys: frozenset[str] = frozenset(),
        validator: TransitionValidator | None = None,
        policy: SlaPolicy | None = None,
        extra_drafts: Iterable[Draft] = (),
    ) -> None:
        """``tokens`` maps role → bearer token; ``api_keys`` are extra keys accepted by POST /requests.json;
        ``extra_drafts`` are a scenario's reports, seeded with the others in the order they were made."""
        self._lock = threading.RLock()
        self.clock = clock
        self.validator = validator
        self.policy = policy or SlaPolicy()
        self._roles = {token: role for role, token in tokens.items()}
        self._api_keys = frozenset(api_keys)
        self._services = {s["service_code"]: s for s in load_seed("open311_services")}
        self._gen = IncidentGenerator(seed)
        self._records: dict[str, dict] = {}
        self._updates: list[dict] = []
        self._comments: dict[str, list[dict]] = {}
        self._workflow_at: dict[str, datetime] = {}  # when each request's workflow last moved (see patch)
        self._idem: OrderedDict[str, _Stored] = OrderedDict()
        self.media = MediaStore()
        self._next_id = 1001
        now = clock.now()
        for draft in sorted([*self._gen.seed_drafts(now), *extra_drafts], key=lambda d: d.requested_at):
            self._insert(draft, now)
        self._arrived_until = now

    # --- services ---------------------------------------------------------------------------------------------

    def services(self) -> list[dict]:
        """GET /services.json entries."""
        return [
            {"service_code": s["service_code"], "service_name": f"{s['name_th']} ({s['name_en']})",
             "service_name_th": s["name_th"], "service_name_en": s["name_en"], "description": s["description"],
             "metadata": bool(s["attributes"]), "type": s["type"], "keywords": s["keywords"], "group": s["group"]}
            for s in self._services.values()
        ]

    def service_definition(self, code: str) -> dict:
        """GET /services/<code>.json (404 for an unknown code)."""
        if code not in self._services:
            raise IncidentError(404, f"Unknown service_code {code!r}")
        return {"service_code": code, "attributes": self._services[code]["attributes"]}

    # --- auth -------------------------------------------------------------------------------------------------

    def role_of(self, authorization: str | None) -> str:
        """The role of a ``Bearer`` token (401 when missing or unknown)."""
        scheme, _, token = (authorization or "").partition(" ")
        role = self._roles.get(token.strip()) if scheme.lower() == "bearer" else None
        if role is None:
            raise IncidentError(401, "Missing or unknown bearer token", headers={"WWW-Authenticate": "Bearer"})
        return role

    def is_staff(self, authorization: str | None) -> bool:
        """True for a valid bearer token of any role (reads then include the reporter fields)."""
        try:
            self.role_of(authorization)
        except IncidentError:
            return False
        return True

    def writer_role(self, authorization: str | None) -> str:
        """Like :meth:`role_of` but only for roles that may write (403 for viewers)."""
        role = self.role_of(authorization)
        if role not in WRITE_ROLES:
            raise IncidentError(403, f"Role {role!r} may not change requests")
        return role

    def api_key_role(self, api_key: str | None, authorization: str | None) -> str:
        """Who may POST /requests.json: a configured API key, or an operator/supervisor token (403 otherwise)."""
        if api_key and api_key in self._api_keys:
            return "api"
        role = self._roles.get(api_key or "")
        if role is None and authorization:
            scheme, _, token = authorization.partition(" ")
            role = self._roles.get(token.strip()) if scheme.lower() == "bearer" else None
        if role not in WRITE_ROLES:
            raise IncidentError(403, "Invalid api_key")
        return role

    # --- records ----------------------------------------------------------------------------------------------

    def _insert(self, draft: Draft, now: datetime, *, media_url: str | None = None,
                address_id: str | None = None, author: str = BACKEND_AUTHOR, key: str | None = None) -> dict:
        rid = str(self._next_id)
        self._next_id += 1
        svc = self._services[draft.service_code]
        record = {
            "service_request_id": rid,
            "status": "open",
            "status_notes": None,
            "service_name": svc["name_en"],
            "service_code": draft.service_code,
            "description": draft.description,
            "agency_responsible": svc["agency"],
            "service_notice": None,
            "requested_datetime": draft.requested_at,
            "updated_datetime": draft.requested_at,
            "expected_datetime": None,
            "address": draft.address,
            "address_id": address_id,
            "zipcode": draft.zipcode,
            "lat": draft.lat,
            "long": draft.lon,
            "media_url": media_url,
            "version": 1,
            "workflow_state": "new",
            "priority": draft.priority,
            "assignee": None,
            "source": draft.source,
            "reporter_name": draft.reporter_name,
            "reporter_contact": draft.reporter_contact,
            "sla_paused_s": 0,
            "sla_paused_since": None,
            "resumed_state": None,
            "attributes": dict(draft.attributes),
            **empty_links(),
        }
        self._refresh_sla(record, draft.requested_at)
        self._records[rid] = record
        self._comments[rid] = []
        self._append_update(record, "Request received / ได้รับเรื่องแล้ว", draft.requested_at, author, key)
        # Seeded requests got to their state through the real rules, step by step, never in the future.
        at = draft.requested_at
        for action, minutes in zip(SEED_PATHS[draft.workflow_state], draft.step_minutes, strict=True):
            at = min(at + timedelta(minutes=minutes), now)
            before = record["workflow_state"]
            self._apply(record, workflow.transition(view_of(record), action, "supervisor", at, self.policy), at)
            if action == "dispatch":
                record["assignee"] = draft.assignee
            if action == "resolve":
                record["status_notes"] = "Resolved by the responsible agency"
            record["version"] += 1
            record["updated_datetime"] = at
            self._append_update(record, f"workflow_state: {before} → {record['workflow_state']}", at)
        return record

    def _apply(self, record: dict, result: workflow.Transition, now: datetime) -> None:
        """Store a workflow transition's state, priority and SLA clock fields, and the SLA target that follows."""
        record["workflow_state"] = result.state_after
        record["priority"] = result.priority
        record["sla_paused_s"] = result.sla_paused_s
        record["sla_paused_since"] = result.sla_paused_since
        record["resumed_state"] = result.resumed_state
        record["status"] = workflow.OPEN311_STATUS[result.state_after]
        self._refresh_sla(record, now)

    def _refresh_sla(self, record: dict, now: datetime) -> None:
        # The target as of this change: while the clock is stopped it is the deadline if work resumed right now.
        record["expected_datetime"] = sla_status(view_of(record), now, self.policy).target_at

    def _append_update(self, record: dict, description: str, at: datetime, author: str = BACKEND_AUTHOR,
                       key: str | None = None) -> None:
        """``author``: who made the change (a token's role, "api" for an API key, "system" for the backend's own);
        ``key``: the ``Idempotency-Key`` of the write that made it, so its client can tell its own changes."""
        state = record["workflow_state"]
        self._updates.append({
            "update_id": str(len(self._updates) + 1),
            "service_request_id": record["service_request_id"],
            "status": workflow.OPEN311_STATUS[state],
            "workflow_state": state,
            "version": record["version"],
            "description": description,
            "updated_datetime": at,
            "author": author,
            "idempotency_key": key,
        })

    def catch_up(self) -> None:
        """Materialise the requests that arrived since the last call (simulated time may have jumped)."""
        with self._lock:
            now = self.clock.now()
            if now <= self._arrived_until:
                return
            after = max(self._arrived_until, now - _MAX_CATCH_UP)
            for draft in self._gen.arrivals(after, now):
                self._insert(draft, now)
            self._arrived_until = now

    def get(self, rid: str, *, staff: bool = False) -> dict:
        """The public JSON of one request (404 when unknown); reporter fields when ``staff``."""
        with self._lock:
            self.catch_up()
            if rid not in self._records:
                raise IncidentError(404, f"Unknown service_request_id {rid!r}")
            return to_public(self._records[rid], staff=staff)

    def query(
        self,
        *,
        service_codes: list[str] | None = None,
        statuses: list[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        updated_after: datetime | None = None,
        staff: bool = False,
    ) -> list[dict]:
        """Matching requests: newest requested first, or by (updated, id) ascending when ``updated_after`` is set.

        Without any date filter only the last 90 days are listed, as GeoReport v2 prescribes.
        """
        with self._lock:
            self.catch_up()
            if start is None and end is None and updated_after is None:
                start = self.clock.now() - timedelta(days=90)
            rows = [
                r for r in self._records.values()
                if (not service_codes or r["service_code"] in service_codes)
                and (not statuses or r["status"] in statuses)
                and (start is None or r["requested_datetime"] >= start)
                and (end is None or r["requested_datetime"] <= end)
                and (updated_after is None or r["updated_datetime"] > updated_after)
            ]
            if updated_after is not None:
                rows.sort(key=lambda r: (r["updated_datetime"], int(r["service_request_id"])))
            else:
                rows.sort(key=lambda r: (r["requested_datetime"], int(r["service_request_id"])), reverse=True)
            return [to_public(r, staff=staff) for r in rows]

    def updates(self, *, start: datetime | None = None, after_id: int | None = None,
                request_id: str | None = None) -> list[dict]:
        """Service request updates, oldest first."""
        with self._lock:
            self.catch_up()
            return [
                {**u, "updated_datetime": w3c(u["updated_datetime"])} for u in self._updates
                if (start is None or u["updated_datetime"] >= start)
                and (after_id is None or int(u["update_id"]) > after_id)
                and (request_id is None or u["service_request_id"] == request_id)
            ]

    def create(self, *, service_code: str, lat: float | None, lon: float | None, address: str | None,
               address_id: str | None, description: str | None, media_url: str | None,
               attributes: dict[str, str], source: str | None = None, reporter_name: str | None = None,
               reporter_contact: str | None = None, priority: str | None = None, author: str = BACKEND_AUTHOR,
               key: str | None = None) -> dict:
        """A new request from POST /requests.json (arguments already parsed); returns its public (staff) JSON.
        ``priority`` (extension) is the intake's; without it the category's default applies. ``author`` and ``key``
        go on its first service request update (see :meth:`_append_update`)."""
        if service_code not in self._services:
            raise IncidentError(404, f"Unknown service_code {service_code!r}")
        for attr in self._services[service_code]["attributes"]:
            value = attributes.get(attr["code"])
            if attr["required"] and not value:
                raise IncidentError(400, f"attribute[{attr['code']}] is required")
            if value and attr["datatype"] == "singlevaluelist" and value not in {v["key"] for v in attr["values"]}:
                raise IncidentError(400, f"attribute[{attr['code']}] must be one of the listed keys")
        with self._lock:
            self.catch_up()
            now = self.clock.now().replace(microsecond=0)
            draft = Draft(service_code, description or "", lat if lat is not None else 0.0,
                          lon if lon is not None else 0.0, address or "", "", now,
                          priority or default_priority(service_code),
                          "new", None, attributes, source=source, reporter_name=reporter_name,
                          reporter_contact=reporter_contact)
            record = self._insert(draft, now, media_url=media_url, address_id=address_id, author=author, key=key)
            if lat is None:
                record["lat"] = record["long"] = None
            record["zipcode"] = None
            record["service_notice"] = f"Expected response by {w3c(record['expected_datetime'])}"
            return to_public(record, staff=True)

    def patch(self, rid: str, changes: dict, if_match: str | None, role: str, key: str | None = None) -> dict:
        """Apply a PATCH (see the module docstring for the rules); returns the new public JSON."""
        return self.patch_all(rid, changes, if_match, role, key)[0]

    def patch_all(self, rid: str, changes: dict, if_match: str | None, role: str,
                  key: str | None = None) -> list[dict]:
        """Apply a PATCH; returns ``[record, children closed with it…]`` as public JSON. ``children`` ("close" or
        "leave") says what happens to a major incident's open children when the PATCH closes it."""
        stated = changes.pop("occurred_at", None) if isinstance(changes, dict) else None
        choice = changes.pop("children", None) if isinstance(changes, dict) else None
        changes = validate_changes(changes)
        with self._lock:
            self.catch_up()
            record = self._records.get(rid)
            if record is None:
                raise IncidentError(404, f"Unknown service_request_id {rid!r}")
            if not if_match:
                raise IncidentError(428, "If-Match header required")
            current = etag_of(record)
            tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
            if "*" not in tags and current not in tags:
                raise IncidentError(412, "Version mismatch: the request changed since you read it",
                                    body=[to_public(record)], headers={"ETag": current})
            if record["merged_into"] is not None and any(
                    f in changes and changes[f] != record.get(f)
                    for f in ("workflow_state", "priority", "assignee", "agency_responsible")):
                raise IncidentError(409, f"This request is merged into {record['merged_into']}: act on that one")
            received = self.clock.now().replace(microsecond=0)
            # The workflow and the SLA clock run at the time the operator acted; updated_datetime stays the time
            # the server took the change, so clients polling with updated_after never miss it.
            earliest = self._workflow_at.get(rid) or record.get("requested_datetime") or received
            now = occurred_at(stated, earliest, received)
            results = workflow_steps(record, changes, role, now, self.policy,
                                     [m.kind for m in self.media.on_request(rid)])
            moved = next((r for r in results if r.state_after != r.state_before), None)
            action = workflow.action_for(moved.state_before, moved.state_after) if moved is not None else None
            children = self.children_to_close(record, action, role, choice, now)
            if self.validator is not None:
                try:
                    self.validator(to_public(record, staff=True), dict(changes), role)
                except TransitionRejected as exc:
                    raise IncidentError(exc.status, exc.description) from None
            summary = []
            for field, value in changes.items():
                if record.get(field) != value:
                    summary.append(f"{field}: {record.get(field) or '-'} → {value if value is not None else '-'}")
            for field in ("assignee", "status_notes", "description", "agency_responsible"):
                if field in changes:
                    record[field] = changes[field]
            for result in results:
                self._apply(record, result, now)
            if results:
                self._workflow_at[rid] = now
            if action in workflow.CLOSING_ACTIONS and record["child_request_ids"] and choice in ("close", "leave"):
                summary.append(f"open children: {choice}")
            self._touch(record, changes.get("status_notes") or "; ".join(summary) or "no change", role, key)
            self.close_with_parent(record, children, now, role, key)
            return [to_public(record, staff=True), *(to_public(c, staff=True) for c in children)]

    def _touch(self, record: dict, description: str, author: str = BACKEND_AUTHOR, key: str | None = None) -> None:
        record["version"] += 1
        record["updated_datetime"] = self.clock.now().replace(microsecond=0)
        self._append_update(record, description, record["updated_datetime"], author, key)

    def add_comment(self, rid: str, text: str, role: str, key: str | None = None) -> dict:
        """Append a comment (it bumps the version and appears in the updates feed)."""
        text = (text or "").strip()
        if not text or len(text) > MAX_DESCRIPTION:
            raise IncidentError(400, f"text must be 1–{MAX_DESCRIPTION} characters")
        with self._lock:
            record = self._records.get(rid)
            if record is None:
                raise IncidentError(404, f"Unknown service_request_id {rid!r}")
            self._touch(record, f"comment: {text}", role, key)
            comment = {"comment_id": f"{rid}-c{len(self._comments[rid]) + 1}", "service_request_id": rid,
                       "text": text, "role": role, "created_datetime": w3c(record["updated_datetime"])}
            self._comments[rid].append(comment)
            return comment

    def add_media(self, rid: str, *, filename: str, content_type: str, kind: str, data: bytes, url_base: str,
                  author: str = BACKEND_AUTHOR, key: str | None = None) -> dict:
        """Keep an upload (already checked) on request ``rid``: it bumps the version and appears in the updates feed,
        and the first image becomes the request's ``media_url`` when it has none. Returns the media's JSON."""
        with self._lock:
            record = self._records.get(rid)
            if record is None:
                raise IncidentError(404, f"Unknown service_request_id {rid!r}")
            stored = self.media.add(rid, filename=filename, content_type=content_type, kind=kind, data=data,
                                    at=self.clock.now().replace(microsecond=0), url_base=url_base)
            if not record["media_url"] and content_type.startswith("image/"):
                record["media_url"] = stored.url
            self._touch(record, f"media: {filename} ({kind})", author, key)
            return stored.to_json()

    def comments(self, rid: str) -> list[dict]:
        """Comments on one request, oldest first."""
        with self._lock:
            if rid not in self._comments:
                raise IncidentError(404, f"Unknown service_request_id {rid!r}")
            return list(self._comments[rid])

    # --- idempotency ------------------------------------------------------------------------------------------

    def idempotent(self, key: str | None, fingerprint: str,
                   action: Callable[[], tuple[int, Any, dict[str, str]]]) -> tuple[int, Any, dict[str, str]]:
        """Run ``action`` once per ``key``: a repeat with the same fingerprint replays the stored success."""
        if not key:
            return action()
        with self._lock:
            stored = self._idem.get(key)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise IncidentError(422, "Idempotency-Key reused with a different request")
                return stored.status, stored.body, {**stored.headers, "Idempotent-Replayed": "true"}
            status, body, headers = action()
            if 200 <= status < 300:
                self._idem[key] = _Stored(fingerprint, status, body, dict(headers))
                while len(self._idem) > _MAX_IDEMPOTENCY_KEYS:
                    self._idem.popitem(last=False)
            return status, body, headers
