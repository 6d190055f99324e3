"""The incident use cases the console's database worker runs: workflow actions (a description correction is the
action "describe"), comments, attachments, intake and
links (merge, split, related, major incidents), each checked against the workflow rules (services.workflow) for the
acting role and recorded locally (row, timeline event and outbox entry in one FULL-synchronous commit); the outbox
drain sends them later.

Closing a major incident with open children needs the operator's choice (``params["children"]``: "close" or
"leave"); without one it is refused with :class:`~services.workflow.WorkflowError` code "children", which the console
answers by asking.

Qt-free. A refusal comes back as data: :class:`services.workflow.WorkflowError` (its ``code``) or one of
services.incident_problems' typed errors, which the console words for the operator.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services import workflow
from services.districts import nearest_district
from services.feeds import open311
from services.incident_problems import AttachmentTooLargeError, IntakeRefusedError
from services.incident_queries import view_of
from services.sla import SlaPolicy, sla_status
from services.store.incident_rows import IncidentDraft
from services.store.local_edits import IncidentNotFoundError
from services.store.store import Store

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # what the backend's media endpoint takes (413 above)


def apply_action(store: Store, incident_id: int, action: str, params: dict[str, Any], role: str, actor: str,
                 policy: SlaPolicy) -> None:
    """Check the action against the workflow for ``role`` and record it locally (event + outbox, one commit)."""
    now = datetime.now(UTC)
    detail = store.incident_detail(incident_id)
    view = view_of(detail.row)
    note = (params.get("note") or "").strip() or None
    if action == "comment":
        workflow.check(view, action, role, now, policy)
        # The backend keeps a comment trimmed and refuses an empty or over-long one (400): checked here, so such a
        # comment is never queued to be refused there, and kept as the server keeps it (found by the round trip).
        text = (params.get("text") or note or "").strip()
        if not text or len(text) > workflow.DESCRIPTION_MAX:
            raise workflow.WorkflowError("value", f"a comment is 1 to {workflow.DESCRIPTION_MAX} characters, "
                                                  f"got {len(text)}")
        store.add_comment_local(incident_id, text, actor, now)
        return
    if detail.merged_into is not None:  # the backend refuses it too (409): the keeper is the one worked
        raise workflow.WorkflowError("state", f"this incident is merged into #{detail.merged_into}: act on that one")
    priority = params.get("priority") if action == "set_priority" else None
    step = workflow.transition(view, action, role, now, policy, priority=priority)
    open_children = [row for row in store.incident_rows([link.other_id for link in detail.child_links])
                     if workflow.is_open(row.state)]
    choice = params.get("children")
    workflow.check_children(action, role, [view_of(row) for row in open_children], choice, now, policy)
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
    if action == "describe":  # a correction of what was reported; the old text stays on the timeline
        changes["description"] = workflow.check_description(params.get("description"))
    photo = params.get("after_photo_path")
    # The backend refuses a resolve without an after-photo too; checked here so it is never queued to fail there.
    workflow.check_evidence(action, [a.kind for a in detail.attachments] + ([workflow.AFTER_PHOTO] if photo else []))
    if action == "resolve" and photo:
        attach_file(store, incident_id, workflow.AFTER_PHOTO, Path(photo), actor)
    closing = action in workflow.CLOSING_ACTIONS and bool(open_children)
    child_changes = {row.id: _closed_with(row, step.state_after, now, policy) for row in open_children
                     if closing and choice == "close"}
    store.apply_action_local(incident_id, changes, actor, now, note, action=action,
                             children=choice if closing else None, child_changes=child_changes or None)


def _closed_with(row: Any, state: str, now: datetime, policy: SlaPolicy) -> dict[str, Any]:
    """A child's columns once it closes with its major incident (services.workflow.with_parent)."""
    step = workflow.with_parent(view_of(row), state, now)
    after = workflow.apply(view_of(row), step)
    return {"workflow_state": step.state_after, "status": workflow.OPEN311_STATUS[step.state_after],
            "sla_paused_s": step.sla_paused_s, "sla_paused_since": step.sla_paused_since,
            "resumed_state": step.resumed_state, "expected_at": sla_status(after, now, policy).target_at}


def attach_file(store: Store, incident_id: int, kind: str, path: Path, actor: str) -> int:
    """Store a file on the incident (and queue its upload); raises AttachmentTooLargeError past the backend's limit."""
    size = path.stat().st_size
    if size > MAX_ATTACHMENT_BYTES:
        raise AttachmentTooLargeError(path.name, size, MAX_ATTACHMENT_BYTES)
    return store.add_attachment_local(incident_id, kind, path.name, path.read_bytes(), actor, datetime.now(UTC))


def split_incident(store: Store, merged_id: int, actor: str, role: str = "operator") -> int:
    """Undo the merge of ``merged_id``; returns the id it had been merged into."""
    keep = store.incident_detail(merged_id).merged_into
    link_incidents(store, "split", keep if keep is not None else merged_id, [merged_id], role, actor)
    return int(keep) if keep is not None else merged_id


def link_incidents(store: Store, action: str, target: int, other_ids: Sequence[int], role: str, actor: str,
                   note: str | None = None) -> None:
    """A link action (services.workflow.LINK_ACTIONS) on ``target`` with ``other_ids``, checked by the link rules for
    ``role`` and recorded locally: merge them into it, split them out of it, relate or unrelate them, promote it to a
    major incident (with them as its first children), attach them to it or detach them."""
    others = list(dict.fromkeys(int(i) for i in other_ids))
    views = store.link_views([target, *others])
    missing = [i for i in (target, *others) if i not in views]
    if missing:
        raise IncidentNotFoundError(f"no incident with id {missing[0]}")
    workflow.check_link(action, role, views[target], [views[i] for i in others])
    now = datetime.now(UTC)
    note = (note or "").strip() or None
    if action == "merge":
        store.merge_incidents_local(target, others, actor, now, note)
    elif action == "split":
        for other in others:
            store.split_incident_local(other, actor, now, note)
    elif action in ("relate", "unrelate"):
        store.relate_local(target, others, actor, now, unrelate=action == "unrelate", note=note)
    elif action == "promote":
        store.promote_local(target, others, actor, now, note)
    else:
        store.attach_local(target, others, actor, now, detach=action == "detach", note=note)


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
        raise IntakeRefusedError(category, problems)
    return kept


def create_incident(store: Store, draft: Any, actor: str, policy: SlaPolicy,
                    merge_into: int | None = None, *, parent: int | None = None, role: str = "operator") -> int:
    """Record a new incident from the intake form: on its own, merged into an existing one (``merge_into``), or as a
    child of ``parent`` (promoted to a major incident first when it is not one yet)."""
    # A viewer reads only: the backend refuses its create (403), so it must never be queued to fail there. Only the
    # links below were checked for the role; a plain intake was recorded for anyone (found by the round-trip property).
    if role not in workflow.WRITE_ROLES:
        raise workflow.WorkflowError("role", f"a {role} may not take in incidents")
    for existing in (merge_into, parent):  # checked before anything is recorded: no half-done intake
        if existing is None:
            continue
        view = store.link_views([existing]).get(existing)
        if view is None:
            raise IncidentNotFoundError(f"no incident with id {existing}")
        action = "merge" if existing == merge_into else "attach" if view.major else "promote"
        workflow.check_link(action, role, view, [workflow.LinkView(id=-1, state="new")])
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
        link_incidents(store, "merge", merge_into, [new_id], role, actor)
    if parent is not None:
        link_incidents(store, "attach" if store.link_views([parent])[parent].major else "promote", parent, [new_id],
                       role, actor)
    return new_id
