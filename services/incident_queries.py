"""What the incident queue, detail panel and intake form read, as plain data (database worker; Qt-free).

The acting role decides which actions the detail panel offers: the workflow rules (services.workflow) say which
transitions it may take, and the store operations (comment, attach, split) and link actions (promote, attach to a
major incident, detach, relate) follow the role's write rights and the link rules. A merged duplicate takes no
workflow action: the keeper is the one worked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services import workflow
from services.sla import SlaPolicy, SlaStatus, sla_status
from services.store.incident_rows import IncidentDetail, QueueFilter, QueueRow, QueueSort
from services.store.store import Store

QUEUE_FIRST_PAGE = 100


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
    # Why each workflow action not in ``allowed`` is refused (services.workflow.refusals), for the panel to say.
    refusals: dict[str, workflow.Refusal] = field(default_factory=dict)


def view_of(row: Any) -> workflow.WorkflowView:
    """The workflow's view of an incident row (QueueRow or IncidentDetail)."""
    return workflow.WorkflowView(
        state=row.state or "new", priority=row.priority or "P3", category=row.category or "",
        requested_at=row.requested_at or datetime.now(UTC), sla_paused_s=row.sla_paused_s or 0,
        sla_paused_since=row.sla_paused_since, resumed_state=row.resumed_state)


def load_queue(store: Store, flt: QueueFilter, sort: QueueSort, page: int = QUEUE_FIRST_PAGE) -> QueueLoad:
    """The queue's ids in order (filtered and sorted in SQL) and its first page of rows."""
    ids = store.incident_queue_ids(flt, sort)
    first = store.incident_rows([int(i) for i in ids[:page]]) if len(ids) else []
    return QueueLoad(ids, first, len(ids))


def load_detail(store: Store, incident_id: int, role: str, policy: SlaPolicy) -> DetailLoad:
    """One incident with the actions ``role`` may take on it now and its SLA."""
    detail = store.incident_detail(incident_id)
    now = datetime.now(UTC)
    view = view_of(detail.row)
    allowed = set(workflow.allowed_actions(view, role, now, policy)) if detail.merged_into is None else set()
    refusals = workflow.refusals(view, role, now, policy, merged=detail.merged_into is not None)
    if role in workflow.WRITE_ROLES:
        allowed |= {"comment", "attach"}
        if any(link.kind == "merged" for link in detail.links):
            allowed.add("split")
        allowed |= _link_actions(store.link_views([incident_id])[incident_id], role)
    return DetailLoad(detail, frozenset(allowed), sla_status(view, now, policy), refusals)


def _link_actions(view: workflow.LinkView, role: str) -> set[str]:
    """The link pseudo-actions the detail panel offers: "promote" (make this a major incident), "attach_to" (make
    this a child of a major incident), "detach_self" (take it off its major incident), "detach" (take a child off
    this major incident), "relate" / "unrelate" (peers)."""
    probe = workflow.LinkView(id=-1, state="new")
    found: set[str] = set()
    for action, target, others, name in (("promote", view, [], "promote"),
                                         ("attach", workflow.LinkView(id=-2, state="new", major=True), [view],
                                          "attach_to"),
                                         ("relate", view, [probe], "relate")):
        try:
            workflow.check_link(action, role, target, others)
        except workflow.WorkflowError:
            continue
        found.add(name)
    if view.parent is not None:
        found.add("detach_self")
    if view.major:
        found.add("detach")
    if view.related:
        found.add("unrelate")
    return found


def resolve_incident(store: Store, text: str) -> int | None:
    """The local id of an incident the operator names: its server id as shown ("#1042" or "1042"), or ``local-N``
    / N for one not yet on the server."""
    ref = text.strip().removeprefix("#").strip()
    if not ref:
        return None
    found = store.incident_id_for_server_id(ref)
    if found is not None:
        return found
    number = ref.removeprefix("local-")
    if number.isdigit() and store.link_views([int(number)]):
        return int(number)
    return None


def find_incident(store: Store, feature_id: str) -> int | None:
    """A map feature id (server id, or ``local-N``) to the store's incident id."""
    if feature_id.startswith("local-"):
        return int(feature_id.removeprefix("local-"))
    return store.incident_id_for_server_id(feature_id)


def intake_context(store: Store) -> list[Any]:
    """The Open311 service list for the intake form's categories, with each one's attributes (from the cache: the
    form works offline)."""
    return store.service_definitions()


def duplicates(store: Store, category: str, lat: float, lon: float, exclude: int | None = None) -> Sequence[QueueRow]:
    """Candidate duplicates of a new incident: same category within 300 m and 48 h, across sources."""
    return store.duplicate_candidates(category, lat, lon, datetime.now(UTC), exclude_id=exclude)
