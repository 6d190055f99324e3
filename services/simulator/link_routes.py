"""The workflow extension's link routes (JSON only), registered on the GeoReport v2 blueprint:

- ``POST /requests/{id}/merge.json``  ``{"request_ids": [...]}``: the requests named become duplicates of ``{id}``;
- ``POST /requests/{id}/split.json``  ``{"request_ids": [...]}``: duplicates of ``{id}`` come back on their own;
- ``POST /requests/{id}/links.json``  ``{"action": "relate" | "unrelate" | "promote" | "attach" | "detach",
  "request_ids": [...]}``: related peers, and a major incident (promote; ``request_ids`` optional there) with its
  children (attach, detach).

Each body may also carry ``status_notes`` (the operator's note, appended to the updates) and ``occurred_at``. The
rules, auth, ``If-Match`` and answers are those of :mod:`services.simulator.incident_links`; ``Idempotency-Key``
replays as on PATCH. Errors are Open311 error bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from services.simulator.incident_fields import MAX_DESCRIPTION, IncidentError
from services.simulator.incident_links import request_ids_of
from services.simulator.incidents import IncidentStore, etag_of

LINKS_ACTIONS = ("relate", "unrelate", "promote", "attach", "detach")
_BODY_KEYS = frozenset({"action", "request_ids", "status_notes", "occurred_at"})


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise IncidentError(400, "Body must be a JSON object with request_ids")
    unknown = set(body) - _BODY_KEYS
    if unknown:
        raise IncidentError(400, f"Unknown fields: {sorted(unknown)}; allowed: {sorted(_BODY_KEYS)}")
    notes = body.get("status_notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > MAX_DESCRIPTION):
        raise IncidentError(400, f"status_notes must be text of at most {MAX_DESCRIPTION} characters")
    return body


def register_link_routes(bp: Blueprint, store: IncidentStore, *, respond: Callable[..., Response],
                         fingerprint: Callable[[], str]) -> None:
    """Add the link routes to ``bp`` (the ``/v2`` blueprint); ``respond`` / ``fingerprint`` are the blueprint's."""

    def run(rid: str, action: str, body: dict[str, Any]) -> Response:
        role = store.writer_role(request.headers.get("Authorization"))
        ids = request_ids_of(body.get("request_ids", [] if action == "promote" else None))

        def apply() -> tuple[int, Any, dict[str, str]]:
            records = store.link(rid, action, ids, request.headers.get("If-Match"), role,
                                 note=body.get("status_notes") or None, stated_at=body.get("occurred_at"),
                                 key=request.headers.get("Idempotency-Key"))
            return 200, records, {"ETag": etag_of(records[0])}

        status, answer, headers = store.idempotent(request.headers.get("Idempotency-Key"), fingerprint(), apply)
        return respond(answer, status, headers)

    @bp.post("/requests/<rid>/merge.json")
    def merge_requests(rid: str) -> Response:
        body = _body()
        if "action" in body:
            raise IncidentError(400, "merge takes no action field")
        return run(rid, "merge", body)

    @bp.post("/requests/<rid>/split.json")
    def split_requests(rid: str) -> Response:
        body = _body()
        if "action" in body:
            raise IncidentError(400, "split takes no action field")
        return run(rid, "split", body)

    @bp.post("/requests/<rid>/links.json")
    def link_requests(rid: str) -> Response:
        body = _body()
        action = body.get("action")
        if action not in LINKS_ACTIONS:
            raise IncidentError(400, f"action must be one of {LINKS_ACTIONS}")
        return run(rid, str(action), body)
