"""Links between simulated Open311 requests: duplicates merged into one, related peers, a major incident and its
children. Mixed into :class:`services.simulator.incidents.IncidentStore`, whose records and lock it uses.

Every request carries its links, so a plain poll shows them (GeoReport v2 clients see extra fields only):
``merged_into`` (the keeper's id or null), ``merged_request_ids``, ``parent_request_id``, ``child_request_ids``,
``related_request_ids`` (lists of ids, ascending) and ``major_incident`` (bool). Both ends of a link say so.

A link call (:meth:`LinkOperations.link`) names a target request and others. Its rules are
:func:`services.workflow.check_link` for the caller's role; ``If-Match`` must list the current ETag of the target and
of every request named (comma-separated, as HTTP writes a list of entity tags): missing → 428, any of them stale →
412 whose body is the current ``[target, others…]``. Every request the call changes gets ``version`` +1 and a
service-request update; the answer is ``[target, others…]`` as they are now (merged duplicates of a merged request
move up to the keeper with it: merges never nest, and they change too).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from services import workflow
from services.simulator.incident_fields import IncidentError, occurred_at, to_public, view_of, workflow_refusal

#: The link fields of a record (lists are kept sorted by numeric id).
LINK_LIST_FIELDS = ("merged_request_ids", "child_request_ids", "related_request_ids")
MAX_LINKED = 200  # request ids in one call


def empty_links() -> dict[str, Any]:
    """The link fields of a request that has none."""
    return {"merged_into": None, "merged_request_ids": [], "parent_request_id": None, "child_request_ids": [],
            "related_request_ids": [], "major_incident": False}


def _sorted_ids(ids: Iterable[str]) -> list[str]:
    return sorted(set(ids), key=lambda i: (len(i), i))


def _add(record: dict, field: str, rid: str) -> None:
    record[field] = _sorted_ids([*record[field], rid])


def _remove(record: dict, field: str, rid: str) -> None:
    record[field] = [i for i in record[field] if i != rid]


def request_ids_of(value: Any) -> list[str]:
    """The ``request_ids`` of a link call's body: a list of ids (text or numbers), 400 otherwise."""
    if not isinstance(value, list) or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
        raise IncidentError(400, "request_ids must be a list of service_request_id values")
    ids = list(dict.fromkeys(str(v).strip() for v in value))
    if "" in ids:
        raise IncidentError(400, "request_ids must not contain an empty id")
    if len(ids) > MAX_LINKED:
        raise IncidentError(400, f"at most {MAX_LINKED} request_ids in one call")
    return ids


class LinkOperations:
    """The link half of the simulated backend (see the module text). Expects ``_lock``, ``_records``,
    ``_touch``, ``_apply``, ``_workflow_at``, ``clock``, ``catch_up`` and ``policy`` from the store."""

    _lock: Any
    _records: dict[str, dict]
    _workflow_at: dict[str, datetime]
    clock: Any
    policy: Any

    def _touch(self, record: dict, description: str, author: str = "system",
               key: str | None = None) -> None:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def _apply(self, record: dict, result: workflow.Transition, now: datetime) -> None:  # pragma: no cover
        raise NotImplementedError

    def catch_up(self) -> None:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def link_view(self, record: dict) -> workflow.LinkView:
        """The link rules' view of a record."""
        return workflow.LinkView(id=record["service_request_id"], state=record["workflow_state"],
                                 merged_into=record["merged_into"], major=bool(record["major_incident"]),
                                 parent=record["parent_request_id"], related=tuple(record["related_request_ids"]))

    def link(self, rid: str, action: str, request_ids: list[str], if_match: str | None, role: str,
             note: str | None = None, stated_at: Any = None, key: str | None = None) -> list[dict]:
        """Apply link ``action`` to request ``rid`` and ``request_ids``; returns ``[target, others…]`` (public, staff).
        ``key`` is the call's ``Idempotency-Key``, named on the updates it appends as on every other write."""
        with self._lock:
            self.catch_up()
            target = self._records.get(rid)
            missing = [i for i in (rid, *request_ids) if i not in self._records]
            if missing:
                raise IncidentError(404, f"Unknown service_request_id {missing[0]!r}", body=[
                    {"code": 404, "description": f"service_request_id {i!r} was not found"} for i in missing])
            assert target is not None
            others = [self._records[i] for i in request_ids]
            self.check_if_match([target, *others], if_match)
            try:
                workflow.check_link(action, role, self.link_view(target), [self.link_view(o) for o in others])
            except workflow.WorkflowError as exc:
                raise workflow_refusal(exc) from None
            received = self.clock.now().replace(microsecond=0)
            occurred_at(stated_at, target.get("requested_datetime") or received, received)  # 400 when malformed
            changed = getattr(self, f"_link_{action}")(target, others)
            suffix = f" — {note}" if note else ""
            for record, description in changed.items():
                self._touch(self._records[record], description + suffix, role, key)
            return [to_public(r, staff=True) for r in (target, *others)]

    def check_if_match(self, records: list[dict], if_match: str | None) -> None:
        """Every record changed must be named by its current ETag in ``if_match`` (428 / 412, see the module)."""
        from services.simulator.incidents import etag_of

        if not if_match:
            raise IncidentError(428, "If-Match header required: the ETag of every request the call changes")
        tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
        if "*" in tags:
            return
        stale = [r for r in records if etag_of(r) not in tags]
        if stale:
            names = ", ".join(r["service_request_id"] for r in stale)
            raise IncidentError(412, f"Version mismatch: {names} changed since you read it",
                                body=[to_public(r) for r in records], headers={"ETag": etag_of(records[0])})

    # --- the actions: each returns {request id: update description} for the requests it changed -----------------

    def _link_merge(self, keep: dict, others: list[dict]) -> dict[str, str]:
        keep_id = keep["service_request_id"]
        changed: dict[str, str] = {}
        for other in others:
            oid = other["service_request_id"]
            for moved_id in list(other["merged_request_ids"]):  # merges never nest: its duplicates move up
                moved = self._records[moved_id]
                moved["merged_into"] = keep_id
                _add(keep, "merged_request_ids", moved_id)
                changed[moved_id] = f"merged into {keep_id} (with {oid}) / รวมเข้ากับเรื่อง {keep_id}"
            other["merged_request_ids"] = []
            other["merged_into"] = keep_id
            _add(keep, "merged_request_ids", oid)
            changed[oid] = f"merged into {keep_id} / รวมเข้ากับเรื่อง {keep_id}"
        names = ", ".join(o["service_request_id"] for o in others)
        return {keep_id: f"merged in: {names} / รวมเรื่องซ้ำ: {names}", **changed}

    def _link_split(self, keep: dict, others: list[dict]) -> dict[str, str]:
        keep_id = keep["service_request_id"]
        changed: dict[str, str] = {}
        for other in others:
            other["merged_into"] = None
            _remove(keep, "merged_request_ids", other["service_request_id"])
            changed[other["service_request_id"]] = f"split from {keep_id} / แยกออกจากเรื่อง {keep_id}"
        names = ", ".join(o["service_request_id"] for o in others)
        return {keep_id: f"split out: {names} / แยกเรื่องออก: {names}", **changed}

    def _link_relate(self, target: dict, others: list[dict]) -> dict[str, str]:
        tid = target["service_request_id"]
        changed: dict[str, str] = {}
        for other in others:
            _add(target, "related_request_ids", other["service_request_id"])
            _add(other, "related_request_ids", tid)
            changed[other["service_request_id"]] = f"related to {tid} / เกี่ยวข้องกับเรื่อง {tid}"
        names = ", ".join(o["service_request_id"] for o in others)
        return {tid: f"related to {names} / เกี่ยวข้องกับเรื่อง {names}", **changed}

    def _link_unrelate(self, target: dict, others: list[dict]) -> dict[str, str]:
        tid = target["service_request_id"]
        changed: dict[str, str] = {}
        for other in others:
            _remove(target, "related_request_ids", other["service_request_id"])
            _remove(other, "related_request_ids", tid)
            changed[other["service_request_id"]] = f"no longer related to {tid} / ไม่เกี่ยวข้องกับเรื่อง {tid} แล้ว"
        names = ", ".join(o["service_request_id"] for o in others)
        return {tid: f"no longer related to {names} / ไม่เกี่ยวข้องกับ {names} แล้ว", **changed}

    def _link_promote(self, target: dict, others: list[dict]) -> dict[str, str]:
        target["major_incident"] = True
        changed = {target["service_request_id"]: "promoted to major incident / ยกระดับเป็นเหตุการณ์ใหญ่"}
        if others:
            attached = self._link_attach(target, others)
            changed[target["service_request_id"]] += "; " + attached.pop(target["service_request_id"])
            changed.update(attached)
        return changed

    def _link_attach(self, parent: dict, others: list[dict]) -> dict[str, str]:
        pid = parent["service_request_id"]
        changed: dict[str, str] = {}
        for child in others:
            child["parent_request_id"] = pid
            _add(parent, "child_request_ids", child["service_request_id"])
            changed[child["service_request_id"]] = f"part of major incident {pid} / เป็นส่วนหนึ่งของเหตุการณ์ใหญ่ {pid}"
        names = ", ".join(o["service_request_id"] for o in others)
        return {pid: f"children attached: {names} / เพิ่มเรื่องย่อย: {names}", **changed}

    def _link_detach(self, parent: dict, others: list[dict]) -> dict[str, str]:
        pid = parent["service_request_id"]
        changed: dict[str, str] = {}
        for child in others:
            child["parent_request_id"] = None
            _remove(parent, "child_request_ids", child["service_request_id"])
            changed[child["service_request_id"]] = f"detached from major incident {pid} / แยกจากเหตุการณ์ใหญ่ {pid}"
        names = ", ".join(o["service_request_id"] for o in others)
        return {pid: f"children detached: {names} / ถอดเรื่องย่อย: {names}", **changed}

    # --- closing a major incident ------------------------------------------------------------------------------

    def children_to_close(self, parent: dict, action: str | None, role: str, choice: Any,
                          now: datetime) -> list[dict]:
        """The open children of ``parent`` that its state change ``action`` closes with it (``choice`` is the
        PATCH's ``children``; the rule is :func:`services.workflow.check_children`). Checks only: nothing changes."""
        if action is None or not parent["child_request_ids"]:
            return []
        children = [self._records[c] for c in parent["child_request_ids"] if c in self._records]
        still_open = [c for c in children if workflow.is_open(c["workflow_state"])]
        try:
            workflow.check_children(action, role, [view_of(c) for c in still_open],
                                    None if choice is None else str(choice), now, self.policy)
        except workflow.WorkflowError as exc:
            raise workflow_refusal(exc) from None
        return still_open if action in workflow.CLOSING_ACTIONS and choice == "close" else []

    def close_with_parent(self, parent: dict, children: list[dict], now: datetime, role: str = "system",
                          key: str | None = None) -> None:
        """Move ``children`` to ``parent``'s new state (:func:`services.workflow.with_parent`), one update each
        (by ``role``, under the PATCH's ``key``)."""
        pid = parent["service_request_id"]
        for child in children:
            self._apply(child, workflow.with_parent(view_of(child), parent["workflow_state"], now), now)
            self._workflow_at[child["service_request_id"]] = now
            self._touch(child, f"workflow_state → {child['workflow_state']} with major incident {pid} / "
                               f"ปิดพร้อมเหตุการณ์ใหญ่ {pid}", role, key)
