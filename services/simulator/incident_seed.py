"""Generated incidents: ~40 seeded at real Chiang Mai landmarks, then new ones arriving over simulated time.

Everything is drawn from (seed, slot) so two simulators with the same seed and clock tell the same story.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.simulator.determinism import rng
from services.simulator.seed import load_seed

JITTER_DEG = 0.0018  # about ±200 m
ASSIGNEES = ("somchai.k", "nattaya.p", "wichai.s", "ploy.t", "arthit.m")
REPORTERS = ("สมศรี ใจดี", "ประเสริฐ วงศ์คำ", "มาลี ศรีสุข", "Anan Chaiyasit", "บุญเรือน อินทร์แก้ว",
             "John Miller", "ทองใบ คำมูล", "กมลวรรณ ปัญญา")
# How a seeded incident got to its state: the actions, replayed through services.workflow by the store.
SEED_PATHS: dict[str, tuple[str, ...]] = {
    "new": (),
    "acknowledged": ("acknowledge",),
    "dispatched": ("acknowledge", "dispatch"),
    "on_scene": ("acknowledge", "dispatch", "arrive"),
    "resolved": ("acknowledge", "dispatch", "arrive", "resolve"),
    "closed": ("acknowledge", "dispatch", "arrive", "resolve", "close"),
    "forwarded": ("acknowledge", "forward"),
    "on_hold": ("acknowledge", "dispatch", "hold"),
    "reopened": ("acknowledge", "dispatch", "arrive", "resolve", "reopen"),
    "cancelled": ("cancel",),
}
# Seed state weights: older incidents are mostly finished, recent ones mostly in progress.
_OLD_WEIGHTS = {"new": 1, "acknowledged": 1, "dispatched": 1, "on_scene": 1, "resolved": 3, "closed": 5,
                "forwarded": 1, "on_hold": 1, "reopened": 0.5, "cancelled": 1}
_RECENT_WEIGHTS = {"new": 5, "acknowledged": 3, "dispatched": 3, "on_scene": 2, "resolved": 2, "closed": 1,
                   "forwarded": 1, "on_hold": 1, "reopened": 0.5, "cancelled": 0.5}
_SOURCE_WEIGHTS = {"hotline": 4, "citizen_app": 5, "walk_in": 1, "sensor": 1, "patrol": 1}
_ASSIGNED_STATES = frozenset({"dispatched", "on_scene", "resolved", "closed", "on_hold", "reopened"})
# Hazard categories start more urgent.
_DEFAULT_PRIORITY = {"forest_fire": "P1", "flooding": "P2", "safety": "P2", "open_burning": "P2", "smoke": "P3"}
_ARRIVALS_PER_HOUR = ((0, 0.55), (1, 0.35), (2, 0.10))


@dataclass(frozen=True)
class Draft:
    """An incident before the store gives it an id, version and update history."""

    service_code: str
    description: str
    lat: float
    lon: float
    address: str
    zipcode: str
    requested_at: datetime
    priority: str
    workflow_state: str
    assignee: str | None
    attributes: dict[str, str]
    source: str | None = None
    reporter_name: str | None = None
    reporter_contact: str | None = None
    step_minutes: tuple[int, ...] = ()  # minutes between the SEED_PATHS steps (first one after requested_at)


def default_priority(service_code: str) -> str:
    """The priority a new request of ``service_code`` starts with."""
    return _DEFAULT_PRIORITY.get(service_code, "P3")


class IncidentGenerator:
    """Draws seed incidents and arrivals from the landmark and template seed files."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.landmarks = load_seed("landmarks")
        self.templates: dict[str, list[list[str]]] = load_seed("incident_templates")
        self.codes = sorted(self.templates)

    def _draft(self, r: random.Random, at: datetime, state: str) -> Draft:
        code = r.choice(self.codes)
        th, en = r.choice(self.templates[code])
        # Citizens write in Thai, in English, or both.
        description = r.choice([th, en, f"{th} / {en}"])
        mark = r.choice(self.landmarks)
        attributes = {}
        if code == "forest_fire":
            attributes["fire_size"] = r.choice(["small", "medium", "large"])
        priority = default_priority(code)
        if state != "new" and r.random() < 0.3:
            priority = r.choice(["P1", "P2", "P3", "P4"])
        source = r.choices(list(_SOURCE_WEIGHTS), weights=list(_SOURCE_WEIGHTS.values()))[0]
        reporter = contact = None
        if source in ("hotline", "walk_in", "citizen_app"):
            reporter = r.choice(REPORTERS)
            contact = f"08{r.randint(1, 9)}-{r.randint(100, 999)}-{r.randint(1000, 9999)}"
        steps = tuple(r.randint(10, 240) for _ in SEED_PATHS[state])
        return Draft(
            service_code=code,
            description=description,
            lat=round(mark["lat"] + r.uniform(-JITTER_DEG, JITTER_DEG), 6),
            lon=round(mark["lon"] + r.uniform(-JITTER_DEG, JITTER_DEG), 6),
            address=f"{mark['name_th']} ({mark['name_en']}), Chiang Mai {mark['zipcode']}",
            zipcode=mark["zipcode"],
            requested_at=at,
            priority=priority,
            workflow_state=state,
            assignee=r.choice(ASSIGNEES) if state in _ASSIGNED_STATES else None,
            attributes=attributes,
            source=source,
            reporter_name=reporter,
            reporter_contact=contact,
            step_minutes=steps,
        )

    def seed_drafts(self, now: datetime, count: int = 40) -> list[Draft]:
        """``count`` incidents requested over the 7 days before ``now``, oldest first, mixed states."""
        r = rng(self.seed, "incident-seed")
        drafts = []
        for _ in range(count):
            age = timedelta(hours=r.uniform(0.5, 24 * 7))
            old = age > timedelta(days=3)
            weights = _OLD_WEIGHTS if old else _RECENT_WEIGHTS
            state = r.choices(list(weights), weights=list(weights.values()))[0]
            drafts.append(self._draft(r, (now - age).replace(microsecond=0), state))
        return sorted(drafts, key=lambda d: d.requested_at)

    def arrivals(self, after: datetime, until: datetime) -> list[Draft]:
        """New requests arriving in (after, until], oldest first (about 13 a day)."""
        out = []
        hour = int(after.timestamp() // 3600)
        last = int(until.timestamp() // 3600)
        while hour <= last:
            r = rng(self.seed, "incident-arrival", hour)
            n = r.choices([n for n, _ in _ARRIVALS_PER_HOUR], weights=[w for _, w in _ARRIVALS_PER_HOUR])[0]
            for at in sorted(hour * 3600 + r.uniform(0, 3600) for _ in range(n)):
                moment = datetime.fromtimestamp(int(at), after.tzinfo)
                draft = self._draft(r, moment, "new")  # drawn even when filtered out, to keep the stream stable
                if after < moment <= until:
                    out.append(draft)
            hour += 1
        return out
