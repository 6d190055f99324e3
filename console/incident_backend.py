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
from services.feeds import open311
from services.sla import SlaPolicy, SlaStatus, sla_status
from services.store.incident_rows import IncidentDetail, IncidentDraft, QueueFilter, QueueRow, QueueSort
from services.store.store import Store
from widgets.i18n import t

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


class IntakeRefusedError(ValueError):
    """The intake cannot be recorded as it is: the backend would refuse it (``message`` says why, for the form)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def intake_attributes(store: Store, category: str, answers: dict[str, Any]) -> dict[str, str | list[str]]:
    """The attribute answers to send for a new ``category`` incident, checked against the stored service definition:
    an answer the backend would refuse (a required attribute missing, a key it does not list) raises
    :class:`IntakeRefusedError` here, so the outbox never carries a create the server can only reject. Without a
    stored definition (never synced) the answers go as given and the server judges them."""
    service = next((s for s in store.service_definitions() if s.service_code == category), None)
    if service is None or service.attributes is None:
        return dict(answers)
    asked = {a.code for a in service.attributes if a.variable}
    kept = {code: value for code, value in answers.items() if code in asked}
    problems = open311.attribute_problems(service.attributes, kept)
    if problems:
        raise IntakeRefusedError(t("ข้อมูลของประเภทนี้ไม่ครบหรือไม่ถูกต้อง: ", "This category needs more: ")
                                 + "; ".join(problems))
    return kept


def create_incident(store: Store, draft: Any, actor: str, policy: SlaPolicy,
                    merge_into: int | None = None) -> int:
    """Record a new incident from the intake form (and merge it into an existing one when asked)."""
    attributes = intake_attributes(store, draft.category, dict(getattr(draft, "attributes", None) or {}))
    now = datetime.now(UTC)
    view = workflow.WorkflowView(state="new", priority=draft.priority, category=draft.category, requested_at=now)
    district = draft.district_code or (nearest_district(draft.lat, draft.lon).code
                                       if draft.lat is not None and draft.lon is not None else None)
    new_id = store.create_incident_local(IncidentDraft(
        category=draft.category, priority=draft.priority, description=draft.description, lat=draft.lat,
        lon=draft.lon, source=draft.source, service_name=draft.category_name or None, address=draft.address or None,
        district_code=district, reporter_name=draft.reporter_name or None,
        reporter_contact=draft.reporter_contact or None, expected_at=sla_status(view, now, policy).target_at,
        requested_at=now, attributes=attributes), actor, now)
    if merge_into is not None:
        store.merge_incidents_local(merge_into, [new_id], actor, now)
    return new_id


def intake_context(store: Store) -> list[Any]:
    """The Open311 service list for the intake form's categories, with each one's attributes (from the cache: the
    form works offline)."""
    return store.service_definitions()


def duplicates(store: Store, category: str, lat: float, lon: float, exclude: int | None = None) -> Sequence[QueueRow]:
    return store.duplicate_candidates(category, lat, lon, datetime.now(UTC), exclude_id=exclude)
