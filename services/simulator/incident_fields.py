"""Field rules of the simulated Open311 records: workflow fields, PATCH validation, reporter fields, public JSON.

Workflow states, priorities and sources are those of :mod:`services.workflow`, so the simulator and the console speak
the same language. Reporter name and contact are personal data: they are written only for staff (a valid bearer
token), never to anonymous GeoReport v2 clients, which is also how GeoReport v2 treats ``first_name``/``email``/….
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from services.simulator.timefmt import w3c
from services import workflow
from services.sla import SlaPolicy
from services.workflow import OPEN311_STATUS, PRIORITIES, SOURCES, STATES, WorkflowError, WorkflowView

CLOSED_STATES: tuple[str, ...] = tuple(s for s in STATES if OPEN311_STATUS[s] == "closed")
OPEN_STATES: tuple[str, ...] = tuple(s for s in STATES if OPEN311_STATUS[s] == "open")
MAX_DESCRIPTION = 4000
MAX_REPORTER = 200
PATCH_FIELDS = frozenset({"workflow_state", "status_detail", "priority", "assignee", "status_notes", "description",
                          "agency_responsible"})
STAFF_ONLY_FIELDS = ("reporter_name", "reporter_contact")
_TIME_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime", "sla_paused_since")
# WorkflowError code → HTTP status: a role that may never do it is forbidden; the rest conflict with the record.
HTTP_STATUS = {"role": 403, "state": 409, "supervisor": 409, "evidence": 409, "children": 409, "value": 400}

__all__ = [
    "CLOSED_STATES", "HTTP_STATUS", "MAX_DESCRIPTION", "MAX_REPORTER", "OPEN_STATES", "PATCH_FIELDS", "PRIORITIES",
    "SOURCES", "STAFF_ONLY_FIELDS", "IncidentError", "reporter_from_form", "to_public", "validate_changes",
    "view_of", "workflow_refusal", "workflow_steps",
]


class IncidentError(Exception):
    """An Open311 error: HTTP ``status`` and a description; ``body`` overrides the default error list."""

    def __init__(self, status: int, description: str, body: Any = None, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.body = body if body is not None else [{"code": status, "description": description}]
        self.headers = headers or {}


def workflow_refusal(exc: WorkflowError) -> IncidentError:
    """The HTTP error for a refused workflow action (403 / 409 / 400, see :data:`HTTP_STATUS`)."""
    return IncidentError(HTTP_STATUS.get(exc.code, 409), exc.message)


def occurred_at(value: Any, earliest: datetime, now: datetime) -> datetime:
    """When a change was made, from a PATCH's optional ``occurred_at`` (ISO 8601 with an offset; None: now). A console
    that was offline sends it so the workflow and the SLA clock run from when the operator acted, not from when the
    network came back. Kept between the record's last change (its history stays in order) and now (never in the
    future); 400 when it is not a time with an offset."""
    if value is None:
        return now
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise IncidentError(400, "occurred_at must be an ISO 8601 time with an offset")
    return min(now, max(when.replace(microsecond=0), earliest))


def validate_changes(changes: Any) -> dict:
    """The PATCH body checked and normalised (``status_detail`` becomes ``workflow_state``); 400 when invalid."""
    if not isinstance(changes, dict) or not changes:
        raise IncidentError(400, "Body must be a non-empty JSON object of fields to change")
    unknown = set(changes) - PATCH_FIELDS
    if unknown:
        raise IncidentError(400, f"Fields not changeable: {sorted(unknown)}; allowed: {sorted(PATCH_FIELDS)}")
    out = dict(changes)
    if "status_detail" in out:
        state = out.pop("status_detail")
        if "workflow_state" in out and out["workflow_state"] != state:
            raise IncidentError(400, "status_detail and workflow_state disagree")
        out["workflow_state"] = state
    if "workflow_state" in out and out["workflow_state"] not in STATES:
        raise IncidentError(400, f"workflow_state must be one of {STATES}")
    if "priority" in out and out["priority"] not in PRIORITIES:
        raise IncidentError(400, f"priority must be one of {PRIORITIES}")
    for field in ("assignee", "status_notes", "description", "agency_responsible"):
        if field in out and out[field] is not None and not isinstance(out[field], str):
            raise IncidentError(400, f"{field} must be a string or null")
    if len(out.get("description") or "") > MAX_DESCRIPTION:
        raise IncidentError(400, f"description is longer than {MAX_DESCRIPTION} characters")
    return out


def reporter_from_form(form: Any) -> tuple[str | None, str | None, str | None]:
    """``(reporter_name, reporter_contact, source)`` from a POST form; 400 when invalid.

    ``reporter_name`` / ``reporter_contact`` (extension) win; otherwise GeoReport v2's ``first_name`` + ``last_name``
    and ``phone`` / ``email`` make them. ``source`` is one of :data:`SOURCES` or absent.
    """
    def clean(name: str) -> str | None:
        value = (form.get(name) or "").strip()
        return value or None

    name = clean("reporter_name") or " ".join(p for p in (clean("first_name"), clean("last_name")) if p) or None
    contact = clean("reporter_contact") or ", ".join(p for p in (clean("phone"), clean("email")) if p) or None
    for field, value in (("reporter_name", name), ("reporter_contact", contact)):
        if value and len(value) > MAX_REPORTER:
            raise IncidentError(400, f"{field} is longer than {MAX_REPORTER} characters")
    source = clean("source")
    if source is not None and source not in SOURCES:
        raise IncidentError(400, f"source must be one of {SOURCES}")
    return name, contact, source


def view_of(record: dict) -> WorkflowView:
    """The workflow's view of a stored record (datetimes are aware UTC in the store)."""
    return WorkflowView(
        state=record["workflow_state"], priority=record["priority"], category=record["service_code"],
        requested_at=record["requested_datetime"], sla_paused_s=record["sla_paused_s"],
        sla_paused_since=record["sla_paused_since"], resumed_state=record["resumed_state"],
    )


def to_public(record: dict, *, staff: bool = False) -> dict:
    """A record as the API writes it: W3C datetimes with the Thai offset, ``status_detail`` = ``workflow_state``.

    Reporter fields only when ``staff`` (the caller showed a valid bearer token). The link lists are copies: the
    answer is serialised after the store's lock is released.
    """
    out = {k: list(v) if isinstance(v, list) else v for k, v in record.items()
           if k != "attributes" and (staff or k not in STAFF_ONLY_FIELDS)}
    for field in _TIME_FIELDS:
        value: datetime | None = record[field]
        out[field] = w3c(value) if value is not None else None
    out["status_detail"] = record["workflow_state"]
    return out


def workflow_steps(record: dict, changes: dict, role: str, now: datetime, policy: SlaPolicy,
                   attachment_kinds: Iterable[str] = ()) -> list[workflow.Transition]:
    """Check a PATCH against the workflow for ``role``: the transitions to apply (nothing is applied here).

    The state moves first, then the priority: a priority change is checked in the state it would land in.
    """
    view = view_of(record)
    results: list[workflow.Transition] = []
    try:
        wanted = changes.get("workflow_state", view.state)
        if wanted != view.state:
            action = workflow.action_for(view.state, wanted)
            if action is None:
                raise IncidentError(409, f"No action moves an incident from {view.state} to {wanted}")
            result = workflow.transition(view, action, role, now, policy)
            workflow.check_evidence(action, attachment_kinds)
            if result.state_after != wanted:
                raise IncidentError(409, f"resume returns this incident to {result.state_after}, not {wanted}")
            results.append(result)
            view = workflow.apply(view, result)
        if changes.get("priority", view.priority) != view.priority:
            result = workflow.transition(view, "set_priority", role, now, policy,
                                         priority=changes["priority"])
            results.append(result)
            view = workflow.apply(view, result)
        # A new responsible agency is a hand-over (a forward sets it with its state): who may assign may make it.
        for field in ("assignee", "agency_responsible"):
            if field in changes and changes[field] != record.get(field):
                workflow.check(view, "assign", role, now, policy)
        if any(f in changes and changes[f] != record[f] for f in ("description", "status_notes")):
            workflow.check(view, "comment", role, now, policy)
    except workflow.WorkflowError as exc:
        raise workflow_refusal(exc) from None
    return results
