"""The outage drill's script and its model, Qt-free: a seeded stream of what a shift does during a long outage, and
the state every incident must end in.

The model is "what the operators did", computed with the same workflow rules the console and the backend apply
(:mod:`services.workflow`), never read back from the console: each step is generated only when the rules allow it
for the acting role in the state the model is in, and applying it moves the model on. On top of that come the changes
"another operator elsewhere" makes on the server during the outage (other fields, merged automatically on
reconnect; or the same field, a conflict a supervisor decides), and those decisions.

A step is plain data the test turns into the console's own signals and clicks. Times are simulated seconds since the
network went down.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from services import workflow
from services.feeds.thai_time import parse_w3c
from services.sla import SlaPolicy

OUTAGE_S = 8 * 3600
MARKER_PREFIX = "[DRILL-"  # every intake of the drill starts its description with "[DRILL-NN]"

# Operator actions and how often an operator picks each when it is allowed (close is the supervisor's here: an
# operator may close only a resolved P3/P4 within its SLA, which depends on the clock, and the drill must not).
OPERATOR_WEIGHTS: Mapping[str, float] = {
    "acknowledge": 3, "dispatch": 3, "arrive": 3, "resolve": 2, "assign": 3, "set_priority": 2, "hold": 1,
    "resume": 2, "forward": 1, "reopen": 0.5,
}
SUPERVISOR_ACTIONS = ("close", "cancel", "reopen")
ASSIGNEES = (
    "somchai.k", "nattaya.p", "arthit.m", "ทีมกู้ภัย 1 / Rescue team 1", "หน่วยดับเพลิงช้างเผือก",
    "O'Brien \"night\" crew", "<b>team-7</b>",
)
AGENCIES = ("การไฟฟ้าส่วนภูมิภาค (PEA)", "Chiang Mai Municipality", "สำนักงานทางหลวงชนบท")
COMMENTS = (
    "ผู้แจ้งโทรมาอีกครั้ง น้ำยังไม่ลด",
    "Caller rang again: water still rising at the soi entrance",
    "ประสานงานกับเทศบาลนครเชียงใหม่แล้ว รอทีมช่าง",
    "<img src=x onerror=alert(1)>",
    "He said \"it's urgent\" — O'Brien's shop, 2nd floor",
    "'; DROP TABLE incidents; --",
    "<script>alert('xss')</script> ควันไฟหนาแน่น",
    "🔥 smoke seen from Doi Suthep road, km 7",
    "ผู้แจ้งขอให้โทรกลับ 081-234-5678",
    "Team on the way, ETA 20 min / ทีมกำลังเดินทาง",
    "a & b < c > d \\ back\\slash",
)
NOTES = (
    "รับเรื่องทางสายด่วน 1555", "handed over at shift change", "ตรวจสอบพื้นที่แล้ว", "see photo",
    "<i>noted</i> \"by radio\"",
)
INTAKE_TEXTS: Mapping[str, str] = {
    "flooding": "น้ำท่วมขังถนนช้างคลาน สูงประมาณ 20 ซม. / Flooding on Chang Khlan Rd",
    "road": "Pothole <b>30 cm</b> deep near Nimman soi 7 — \"dangerous\"",
    "sidewalk": "ทางเท้าชำรุด หน้าโรงเรียน / Broken pavement outside the school",
    "streetlight": "ไฟฟ้าส่องสว่างดับทั้งซอย / Street lights out along the soi",
    "garbage": "ขยะล้นถังหน้าตลาดวโรรส / Overflowing bins at Warorot market",
    "safety": "สายไฟห้อยต่ำ เสี่ยงอันตราย / Low-hanging cable, O'Brien's corner",
    "smoke": "ควันหนาแน่นจากการเผา <img src=x onerror=alert(1)> / thick smoke",
    "open_burning": "เผาขยะในที่โล่ง ข้างวัด / Open burning beside the temple",
    "tree": "ต้นไม้ล้มขวางถนนห้วยแก้ว / Tree down across Huay Kaew Rd",
    "water_supply": "ท่อประปาแตก น้ำไม่ไหล / Burst main, no water supply",
    "animal": "สุนัขจรจัดกัดคน / Stray dog bit a passer-by",
    "traffic": "สัญญาณไฟจราจรเสีย แยกข่วงสิงห์ / Traffic lights down at Khuang Sing",
}
REPORTERS = (("สมชาย ใจดี", "081-234-5678"), ("Jane O'Neil", "jane@example.org"),
             ("บุญเรือน อินทร์แก้ว", "085-624-4743"), ("", ""))
CHIANG_MAI = (18.74, 18.83, 98.94, 99.03)  # lat/lon box around the old city for intake locations
ELSEWHERE_ASSIGNEES = ("ศูนย์สั่งการ 1669 (elsewhere)", "district-office-2")
ELSEWHERE_COMMENTS = ("Update from the 1555 call centre: second caller", "อปท. แจ้งว่ารับทราบแล้ว (elsewhere)")


@dataclass(frozen=True)
class Step:
    """One thing that happens at ``at_s``.

    ``kind``: "create" (an intake; ``params`` has the form), "action" (a workflow action through the detail panel;
    ``params`` as the panel sends them), "comment" (``params["text"]``), "role" (the toolbar's acting role becomes
    ``role``), "elsewhere" (another operator PATCHes ``params`` on the server), "elsewhere_comment".
    ``key`` names the incident: its server id, or ``new-NN`` for an intake made during the outage.
    """

    at_s: int
    kind: str
    key: str = ""
    action: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    role: str = "operator"


@dataclass
class Tracked:
    """The model of one incident: how the console shows it now, and what it should end as."""

    key: str
    view: workflow.WorkflowView
    assignee: str | None
    description: str
    server_open: bool  # open on the server when the outage began (another operator can still change it)
    marker: str | None = None  # the intake's unique description prefix
    intake: Mapping[str, Any] | None = None
    actions: list[str] = field(default_factory=list)  # workflow actions taken on this console, in order
    ops: list[str] = field(default_factory=list)  # outbox entries they make, in order
    comments: list[str] = field(default_factory=list)  # made on this console, in order
    notes: list[str] = field(default_factory=list)  # status notes sent with actions
    dropped_notes: list[str] = field(default_factory=list)  # sent with an edit the supervisor dropped (keep theirs)
    elsewhere: dict[str, Any] = field(default_factory=dict)  # fields another operator set on the server
    elsewhere_comments: list[str] = field(default_factory=list)
    decision: str | None = None  # "keep_mine" / "keep_theirs" for a same-field conflict

    @property
    def touched(self) -> bool:
        return bool(self.ops)

    def changed(self, name: str) -> bool:
        """True when this console's edits change ``name`` (workflow_state, priority, assignee)."""
        if name == "priority":
            return "set_priority" in self.actions
        if name == "assignee":
            return "assign" in self.actions
        if name == "workflow_state":
            return any(a not in ("assign", "set_priority") for a in self.actions)
        return False

    def expected(self) -> dict[str, Any]:
        """Where it must end, on the server and in the store."""
        mine = {"workflow_state": self.view.state, "priority": self.view.priority, "assignee": self.assignee,
                "description": self.description}
        for name, theirs in self.elsewhere.items():
            if not self.changed(name) or self.decision == "keep_theirs":
                mine[name] = theirs
        return mine

    @property
    def expects_merge(self) -> bool:
        """A server change on another field meets this console's first queued update as a stale write (412) that
        merges. When a comment or an upload is sent first, its unconditional write moves the local version past the
        other change and no merge happens; for another field the outcome is the same (for the same field it is not:
        ``test_a_comment_sent_first_does_not_hide_a_same_field_change_made_elsewhere``)."""
        return bool(self.elsewhere) and self.decision is None and bool(self.ops) and self.ops[0] == "update"


@dataclass
class Drill:
    steps: list[Step]
    incidents: dict[str, Tracked]
    conflicts: dict[str, tuple[str, str]]  # key -> (field, decision)

    def counts(self) -> dict[str, int]:
        kinds = [s.kind for s in self.steps]
        touched = [t for t in self.incidents.values() if t.touched]
        return {
            "steps": len(self.steps), "operator_actions": sum(k in ("create", "action", "comment") for k in kinds),
            "creates": kinds.count("create"), "comments": kinds.count("comment"),
            "role_switches": kinds.count("role"), "incidents_touched": len(touched),
            "outbox_entries": sum(len(t.ops) for t in self.incidents.values()),
            "elsewhere_changes": kinds.count("elsewhere"), "elsewhere_comments": kinds.count("elsewhere_comment"),
            "expected_merges": sum(t.expects_merge for t in touched), "conflicts": len(self.conflicts),
        }


def view_of_record(record: Mapping[str, Any]) -> workflow.WorkflowView:
    """The workflow view of a server record (GET /requests.json with a staff token)."""
    since = record.get("sla_paused_since")
    return workflow.WorkflowView(
        state=record["workflow_state"], priority=record["priority"], category=record["service_code"],
        requested_at=parse_w3c(record["requested_datetime"]), sla_paused_s=int(record.get("sla_paused_s") or 0),
        sla_paused_since=parse_w3c(since) if since else None, resumed_state=record.get("resumed_state"))


class _Writer:
    """Builds the steps and keeps the model in step with them."""

    def __init__(self, rng: random.Random, records: Sequence[Mapping[str, Any]], categories: Sequence[str]) -> None:
        self.rng = rng
        self.categories = list(categories)
        self.policy = SlaPolicy()
        self.now = datetime.now(UTC)  # the local checks' clock: the drill avoids the only clock-dependent rule
        self.steps: list[Step] = []
        self.incidents = {
            r["service_request_id"]: Tracked(r["service_request_id"], view_of_record(r), r.get("assignee"),
                                             r.get("description") or "", r["status"] == "open")
            for r in records
        }
        self.created: list[str] = []
        self.serial = 0

    def unique(self, tag: str) -> str:
        self.serial += 1
        return f"[{tag}{self.serial}]"

    # --- the model ---------------------------------------------------------------------------------------------

    def act(self, key: str, action: str, role: str, params: dict[str, Any]) -> None:
        tracked = self.incidents[key]
        step = workflow.transition(tracked.view, action, role, self.now, self.policy,
                                   priority=params.get("priority"))
        tracked.view = workflow.apply(tracked.view, step)
        if action == "assign":
            tracked.assignee = params["assignee"]
        if params.get("note"):
            tracked.notes.append(params["note"])
        tracked.actions.append(action)
        if action == "resolve" and params.get("after_photo_path"):
            tracked.ops.append("attachment")  # the after-photo is stored (and queued) before the resolve itself
        tracked.ops.append("update")
        self.steps.append(Step(0, "action", key, action, dict(params), role))

    def comment(self, key: str, role: str = "operator") -> None:
        text = f"{self.rng.choice(COMMENTS)} {self.unique('c')}"
        self.incidents[key].comments.append(text)
        self.incidents[key].ops.append("comment")
        self.steps.append(Step(0, "comment", key, "comment", {"text": text}, role))

    def create(self) -> str:
        number = len(self.created) + 1
        key = f"new-{number:02d}"
        marker = f"{MARKER_PREFIX}{number:02d}]"
        name, contact = self.rng.choice(REPORTERS)
        lat0, lat1, lon0, lon1 = CHIANG_MAI
        category = self.rng.choice(self.categories)
        text = INTAKE_TEXTS.get(category, "เหตุแจ้งทางสายด่วน 1555 / reported on the 1555 hotline")
        form = {
            "category": category, "priority": self.rng.choice(workflow.PRIORITIES),
            "description": f"{marker} {text}", "reporter_name": name,
            "reporter_contact": contact, "lat": round(self.rng.uniform(lat0, lat1), 6),
            "lon": round(self.rng.uniform(lon0, lon1), 6),
        }
        view = workflow.WorkflowView(state="new", priority=form["priority"], category=form["category"],
                                     requested_at=self.now)
        self.incidents[key] = Tracked(key, view, None, form["description"], False, marker=marker, intake=form,
                                      ops=["create"])
        self.created.append(key)
        self.steps.append(Step(0, "create", key, params=form))
        return key

    # --- choices -----------------------------------------------------------------------------------------------

    def params_for(self, tracked: Tracked, action: str) -> dict[str, Any] | None:
        """What the detail panel would send; None when the action would change nothing (the panel disables it)."""
        params: dict[str, Any] = {"note": ""}
        if self.rng.random() < 0.3:
            params["note"] = f"{self.rng.choice(NOTES)} {self.unique('n')}"
        if action == "assign":
            choices = [a for a in ASSIGNEES if a != tracked.assignee]
            params["assignee"] = self.rng.choice(choices)
        elif action == "set_priority":
            params["priority"] = self.rng.choice([p for p in workflow.PRIORITIES if p != tracked.view.priority])
        elif action == "forward":
            params["agency"] = self.rng.choice(AGENCIES)
        elif action == "resolve":
            params["after_photo_path"] = "<after-photo>"  # the test puts a real file there
        return params

    def operator_step(self, key: str) -> bool:
        tracked = self.incidents[key]
        allowed = workflow.allowed_actions(tracked.view, "operator", self.now, self.policy)
        choices = [a for a in OPERATOR_WEIGHTS if a in allowed]
        if not choices:
            return False
        action = self.rng.choices(choices, weights=[OPERATOR_WEIGHTS[a] for a in choices])[0]
        params = self.params_for(tracked, action)
        if params is None:
            return False
        self.act(key, action, "operator", params)
        return True

    def supervisor_round(self, pool: Sequence[str]) -> None:
        """The supervisor takes the console for a few minutes: closes what is resolved, maybe cancels a
        duplicate report or reopens a closed one, then hands the console back."""
        self.steps.append(Step(0, "role", role="supervisor"))
        resolved = [k for k in pool if self.incidents[k].view.state == "resolved"]
        for key in self.rng.sample(resolved, min(len(resolved), self.rng.randint(2, 4))):
            self.act(key, "close", "supervisor", {"note": ""})
        if self.rng.random() < 0.5:
            fresh = [k for k in pool if self.incidents[k].view.state == "new"]
            if fresh:
                self.act(self.rng.choice(fresh), "cancel", "supervisor",
                         {"note": f"duplicate report / แจ้งซ้ำ {self.unique('n')}"})
        if self.rng.random() < 0.3:
            closed = [k for k in pool if self.incidents[k].view.state == "closed"]
            if closed:
                self.act(self.rng.choice(closed), "reopen", "supervisor",
                         {"note": f"caller says it is back / กลับมาอีก {self.unique('n')}"})
        self.steps.append(Step(0, "role", role="operator"))


def _pick_conflict_incidents(rng: random.Random, incidents: Mapping[str, Tracked]) -> tuple[str, str]:
    working = sorted(k for k, t in incidents.items()
                     if t.server_open and t.view.state in ("new", "acknowledged", "dispatched", "on_scene"))
    first, second = rng.sample(working, 2)
    return first, second


def build(seed: int, records: Sequence[Mapping[str, Any]], categories: Iterable[str], *, actions: int = 200,
          creates: int = 14, merges: int = 8) -> Drill:
    """The drill for ``records`` (the server's incidents the console has synced, as staff JSON): about ``actions``
    operator steps over :data:`OUTAGE_S`, ``creates`` intakes among them, supervisor rounds, ``merges`` changes made
    elsewhere on fields this console does not touch, and two same-field conflicts (kept mine / kept theirs)."""
    rng = random.Random(seed)
    w = _Writer(rng, records, sorted(categories))
    c_mine, c_theirs = _pick_conflict_incidents(rng, w.incidents)
    reserved = {c_mine, c_theirs}
    pool = sorted(k for k in w.incidents if k not in reserved)
    # A shift's working set: most of what happens is on the open incidents, some on resolved and closed ones.
    focus = [k for k in pool if w.incidents[k].server_open] + rng.sample(
        [k for k in pool if not w.incidents[k].server_open], k=min(6, sum(not w.incidents[k].server_open
                                                                        for k in pool)))
    supervisor_slots = set(range(actions // 5, actions, max(1, actions // 4)))
    for index in range(actions):
        if index in supervisor_slots:
            w.supervisor_round(pool + w.created)
            continue
        # Intake starts a little into the outage (the first edits queued are updates, see the test's notes).
        if index >= 8 and len(w.created) < creates and rng.random() < creates / actions * 1.6:
            w.create()
            continue
        candidates = w.created if w.created and rng.random() < 0.35 else focus
        key = rng.choice(candidates)
        if rng.random() < 0.28 or not w.operator_step(key):
            w.comment(key)
    # The stream's steps in order, spread over the outage (distinct times keep the order the model was built in).
    times = sorted(rng.sample(range(60, OUTAGE_S - 600), len(w.steps)))
    stream = [replace(step, at_s=at) for step, at in zip(w.steps, times, strict=True)]

    # The same field, changed here and elsewhere: a priority (the supervisor keeps mine) and an assignee (keeps
    # theirs). Each is this console's only change of that field on that incident, so the conflict is exactly one.
    # These incidents are kept out of the stream, so their steps can sit at fixed times in it.
    w.steps = []
    mine_p = rng.choice([p for p in workflow.PRIORITIES if p != w.incidents[c_mine].view.priority])
    theirs_p = rng.choice([p for p in workflow.PRIORITIES if p not in (mine_p, w.incidents[c_mine].view.priority)])
    w.act(c_mine, "set_priority", "operator", {"note": "", "priority": mine_p})
    w.comment(c_mine)
    w.act(c_theirs, "assign", "operator", {"note": f"take it {w.unique('n')}",
                                           "assignee": "ทีมเคลื่อนที่เร็ว / rapid unit"})
    w.comment(c_theirs)
    fixed = [replace(step, at_s=_outside_supervisor_rounds(stream, at))
             for step, at in zip(w.steps, (5400, 18000, 10800, 21600), strict=True)]
    conflicts = {c_mine: ("priority", "keep_mine"), c_theirs: ("assignee", "keep_theirs")}
    w.incidents[c_mine].decision, w.incidents[c_theirs].decision = "keep_mine", "keep_theirs"
    # Keeping theirs drops my whole edit, its note with it (the timeline keeps both).
    w.incidents[c_theirs].dropped_notes = [w.incidents[c_theirs].notes.pop()]
    elsewhere: list[Step] = [
        Step(9000, "elsewhere", c_mine, params={"priority": theirs_p}),
        Step(14400, "elsewhere", c_theirs, params={"assignee": ELSEWHERE_ASSIGNEES[0]}),
    ]
    w.incidents[c_mine].elsewhere["priority"] = theirs_p
    w.incidents[c_theirs].elsewhere["assignee"] = ELSEWHERE_ASSIGNEES[0]

    # Other fields, changed elsewhere on incidents this console also edits: merged field by field on reconnect.
    targets = [k for k in pool if w.incidents[k].server_open and "update" in w.incidents[k].ops]
    for key in rng.sample(targets, min(merges, len(targets))):
        tracked = w.incidents[key]
        at = rng.randint(60, OUTAGE_S - 60)
        if not tracked.changed("priority"):
            change: dict[str, Any] = {"priority": rng.choice([p for p in workflow.PRIORITIES
                                                              if p != tracked.view.priority])}
        elif not tracked.changed("assignee"):
            change = {"assignee": rng.choice(ELSEWHERE_ASSIGNEES)}
        else:
            change = {"description": f"{tracked.description} — แก้ไขโดยศูนย์ (edited elsewhere)"}
        tracked.elsewhere.update(change)
        elsewhere.append(Step(at, "elsewhere", key, params=change))
    for key in rng.sample([k for k in focus if w.incidents[k].touched], 3):
        text = f"{rng.choice(ELSEWHERE_COMMENTS)} {w.unique('e')}"
        w.incidents[key].elsewhere_comments.append(text)
        elsewhere.append(Step(rng.randint(60, OUTAGE_S - 60), "elsewhere_comment", key, params={"text": text}))

    steps = sorted(stream + fixed + elsewhere, key=lambda s: s.at_s)  # stable: ties keep their order
    return Drill(steps, w.incidents, conflicts)


def _outside_supervisor_rounds(stream: Sequence[Step], at_s: int) -> int:
    """``at_s``, or just after the supervisor round it falls in (an operator's step is done as the operator)."""
    role = "operator"
    for step in stream:
        if step.at_s > at_s and role == "operator":
            return at_s
        if step.kind == "role":
            role = step.role
            if role == "operator" and step.at_s >= at_s:
                return step.at_s
    return at_s


def with_photo(step: Step, path: str) -> Step:
    """``step`` with its after-photo placeholder replaced by a real file."""
    if step.params.get("after_photo_path") != "<after-photo>":
        return step
    return replace(step, params={**step.params, "after_photo_path": path})
