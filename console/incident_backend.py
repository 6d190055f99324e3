"""Worker-side steps of the incident workflow: the database worker reads and writes the store; the workflow rules
(services.workflow) decide what a role may do. Imported on workers only (it loads SQLAlchemy and friends)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services import workflow
from services.districts import nearest_district
from services.sla import SlaPolicy, SlaStatus, sla_status
from services.store.incident_rows import IncidentDetail, IncidentDraft, QueueFilter, QueueRow, QueueSort
from services.store.store import Store

# Actions that are store operations rather than workflow transitions, and who may do them.
STORE_ACTIONS = {"split": workflow.WRITE_ROLES, "attach": workflow.WRITE_ROLES}
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class QueueLoad:
    ids: Any  # numpy int64 array, in the queue's order
    first_rows: list[QueueRow]
    count: int


@dataclass(frozen=True, slots=True)
class DetailLoad:
    detail: IncidentDetail
    allowed: frozenset[str]
    sla: SlaStatus | None


def view_of(row: Any) -> workflow.WorkflowView:
    """The workflow's view of an incident row (QueueRow or IncidentDetail)."""
    return workflow.WorkflowView(
        state=row.state or "new", priority=row.priority or "P3", category=row.category or "",
        requested_at=row.requested_at or datetime.now(UTC), sla_paused_s=row.sla_paused_s or 0,
        sla_paused_since=row.sla_paused_since, resumed_state=row.resumed_state)


def load_queue(store: Store, flt: QueueFilter, sort: QueueSort, page: int = 100) -> QueueLoad:
    ids = store.incident_queue_ids(flt, sort)
    first = store.incident_rows([int(i) for i in ids[:page]]) if len(ids) else []
    return QueueLoad(ids, first, len(ids))


def load_detail(store: Store, incident_id: int, role: str, policy: SlaPolicy) -> DetailLoad:
    detail = store.incident_detail(incident_id)
    now = datetime.now(UTC)
    view = view_of(detail.row)
    allowed = set(workflow.allowed_actions(view, role, now, policy))
    if role in workflow.WRITE_ROLES:
        allowed |= {"comment", "attach"}
        if any(link.kind == "merged" for link in detail.links):
            allowed.add("split")
    return DetailLoad(detail, frozenset(allowed), sla_status(view, now, policy))


def find_incident(store: Store, feature_id: str) -> int | None:
    """A map feature id (server id, or ``local-N``) to the store's incident id."""
    if feature_id.startswith("local-"):
        return int(feature_id.removeprefix("local-"))
    return store.incident_id_for_server_id(feature_id)


def apply_action(store: Store, incident_id: int, action: str, params: dict[str, Any], role: str, actor: str,
                 policy: SlaPolicy) -> None:
    """Check the action against the workflow for ``role`` and record it locally (event + outbox, one commit)."""
    now = datetime.now(UTC)
    detail = store.incident_detail(incident_id)
    view = view_of(detail.row)
    note = (params.get("note") or "").strip() or None
    if action == "comment":
        workflow.check(view, action, role, now, policy)
        store.add_comment_local(incident_id, params.get("text") or note or "", actor, now)
        return
    priority = params.get("priority") if action == "set_priority" else None
    step = workflow.transition(view, action, role, now, policy, priority=priority)
    after = workflow.apply(view, step)
    changes: dict[str, Any] = {
        "workflow_state": step.state_after,
        "status": workflow.OPEN311_STATUS[step.state_after],
        "priority": after.priority,
        "sla_paused_s": step.sla_paused_s,
        "sla_paused_since": step.sla_paused_since,
        "resumed_state": step.resumed_state,
        "expected_at": sla_status(after, now, policy).target_at,
    }
    if action == "assign":
        changes["assignee"] = params.get("assignee") or None
    if action == "forward" and params.get("agency"):
        changes["agency"] = params["agency"]
    photo = params.get("after_photo_path")
    if action == "resolve" and photo:
        attach_file(store, incident_id, "after_photo", Path(photo), actor)
    store.apply_action_local(incident_id, changes, actor, now, note, action=action)


def attach_file(store: Store, incident_id: int, kind: str, path: Path, actor: str) -> int:
    size = path.stat().st_size
    if size > MAX_ATTACHMENT_BYTES:
        raise ValueError(f"{path.name} is {size // 1_000_000} MB; attachments are limited to "
                         f"{MAX_ATTACHMENT_BYTES // 1_000_000} MB")
    return store.add_attachment_local(incident_id, kind, path.name, path.read_bytes(), actor, datetime.now(UTC))


def create_incident(store: Store, draft: Any, actor: str, policy: SlaPolicy,
                    merge_into: int | None = None) -> int:
    """Record a new incident from the intake form (and merge it into an existing one when asked)."""
    now = datetime.now(UTC)
    view = workflow.WorkflowView(state="new", priority=draft.priority, category=draft.category, requested_at=now)
    district = draft.district_code or (nearest_district(draft.lat, draft.lon).code
                                       if draft.lat is not None and draft.lon is not None else None)
    new_id = store.create_incident_local(IncidentDraft(
        category=draft.category, priority=draft.priority, description=draft.description, lat=draft.lat,
        lon=draft.lon, source=draft.source, service_name=draft.category_name or None, address=draft.address or None,
        district_code=district, reporter_name=draft.reporter_name or None,
        reporter_contact=draft.reporter_contact or None, expected_at=sla_status(view, now, policy).target_at,
        requested_at=now), actor, now)
    if merge_into is not None:
        store.merge_incidents_local(merge_into, [new_id], actor, now)
    return new_id


def intake_context(store: Store) -> list[Any]:
    """The Open311 service list for the intake form's categories."""
    return store.service_definitions()


def duplicates(store: Store, category: str, lat: float, lon: float, exclude: int | None = None) -> Sequence[QueueRow]:
    return store.duplicate_candidates(category, lat, lon, datetime.now(UTC), exclude_id=exclude)
