"""Field rules of the simulated Open311 records: workflow states, priorities, PATCH validation, public JSON."""

from __future__ import annotations

from typing import Any

from services.simulator.timefmt import w3c

OPEN_STATES: tuple[str, ...] = ("new", "acknowledged", "assigned", "in_progress", "on_hold")
CLOSED_STATES: tuple[str, ...] = ("resolved", "rejected", "duplicate")
PRIORITIES: tuple[str, ...] = ("P1", "P2", "P3", "P4")
SLA_HOURS = {"P1": 4, "P2": 24, "P3": 72, "P4": 168}
MAX_DESCRIPTION = 4000
PATCH_FIELDS = frozenset({"workflow_state", "status_detail", "priority", "assignee", "status_notes", "description"})


class IncidentError(Exception):
    """An Open311 error: HTTP ``status`` and a description; ``body`` overrides the default error list."""

    def __init__(self, status: int, description: str, body: Any = None, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.body = body if body is not None else [{"code": status, "description": description}]
        self.headers = headers or {}


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
    if "workflow_state" in out and out["workflow_state"] not in OPEN_STATES + CLOSED_STATES:
        raise IncidentError(400, f"workflow_state must be one of {OPEN_STATES + CLOSED_STATES}")
    if "priority" in out and out["priority"] not in PRIORITIES:
        raise IncidentError(400, f"priority must be one of {PRIORITIES}")
    for field in ("assignee", "status_notes", "description"):
        if field in out and out[field] is not None and not isinstance(out[field], str):
            raise IncidentError(400, f"{field} must be a string or null")
    if len(out.get("description") or "") > MAX_DESCRIPTION:
        raise IncidentError(400, f"description is longer than {MAX_DESCRIPTION} characters")
    return out


def to_public(record: dict) -> dict:
    """A record as the API writes it: W3C datetimes with the Thai offset, ``status_detail`` = ``workflow_state``."""
    out = {k: v for k, v in record.items() if k != "attributes"}
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        out[field] = w3c(record[field]) if record[field] is not None else None
    out["status_detail"] = record["workflow_state"]
    return out
