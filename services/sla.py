"""SLA targets per category × priority and the SLA clock of one incident, from stored UTC timestamps only.

The clock runs from ``requested_at``; time spent with the clock stopped is subtracted. An incident carries two
numbers for that, which the workflow (:mod:`services.workflow`) keeps up to date:

- ``sla_paused_s``: seconds already spent stopped (closed pauses, summed);
- ``sla_paused_since``: when the current stop began, or ``None`` while the clock runs.

So the SLA is a pure function of the stored record and "now": it is right after a restart, after an offline period and
after a priority change (which changes the target hours but never the paused seconds — resetting them is the classic
helpdesk bug this design rules out).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

PRIORITIES: tuple[str, ...] = ("P1", "P2", "P3", "P4")
DEFAULT_TARGET_HOURS: Mapping[str, float] = {"P1": 4.0, "P2": 24.0, "P3": 72.0, "P4": 168.0}


class SlaSubject(Protocol):
    """What the SLA needs of an incident (``services.workflow.WorkflowView`` has it)."""

    @property
    def priority(self) -> str: ...
    @property
    def category(self) -> str | None: ...
    @property
    def requested_at(self) -> datetime: ...
    @property
    def sla_paused_s(self) -> int: ...
    @property
    def sla_paused_since(self) -> datetime | None: ...


def _hours(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{where}: SLA target must be a positive number of hours, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class SlaPolicy:
    """SLA targets in hours: ``targets[(category, priority)]`` where configured, else ``defaults[priority]``."""

    targets: Mapping[tuple[str, str], float] = field(default_factory=dict)
    defaults: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_TARGET_HOURS))

    def __post_init__(self) -> None:
        missing = set(PRIORITIES) - set(self.defaults)
        if missing:
            raise ValueError(f"SLA defaults lack {sorted(missing)}")
        for priority, hours in self.defaults.items():
            if priority not in PRIORITIES:
                raise ValueError(f"SLA defaults: unknown priority {priority!r}")
            _hours(hours, f"defaults[{priority}]")
        for key, hours in self.targets.items():
            if not (isinstance(key, tuple) and len(key) == 2 and key[1] in PRIORITIES):
                raise ValueError(f"SLA target key must be (category, P1..P4), got {key!r}")
            _hours(hours, f"targets[{key}]")

    def target_hours(self, category: str | None, priority: str) -> float:
        """Hours allowed for a ``priority`` incident of ``category`` (a service_code)."""
        if priority not in PRIORITIES:
            raise ValueError(f"unknown priority {priority!r}; expected one of {PRIORITIES}")
        if category is not None and (category, priority) in self.targets:
            return float(self.targets[(category, priority)])
        return float(self.defaults[priority])

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> SlaPolicy:
        """From settings JSON: ``{"defaults": {"P1": 4, ...}, "targets": {"forest_fire": {"P1": 2}}}`` (both optional).

        Unknown keys are errors (``ValueError``), never silently dropped.
        """
        unknown = set(doc) - {"defaults", "targets"}
        if unknown:
            raise ValueError(f"unknown SLA settings keys {sorted(unknown)}")
        defaults = {**DEFAULT_TARGET_HOURS, **dict(doc.get("defaults") or {})}
        targets: dict[tuple[str, str], float] = {}
        for category, per_priority in dict(doc.get("targets") or {}).items():
            if not isinstance(per_priority, Mapping):
                raise ValueError(f"targets[{category!r}] must map priority → hours")
            for priority, hours in per_priority.items():
                targets[(str(category), str(priority))] = hours
        return cls(targets=targets, defaults=defaults)


@dataclass(frozen=True)
class SlaStatus:
    """Where an incident stands against its SLA at one moment.

    ``target_at`` is the deadline if the clock runs from now on: while the clock is stopped it moves with "now", so
    ``remaining_s`` stays frozen. ``remaining_s`` is negative once breached. ``paused`` is True while the clock is
    stopped (forwarded / on_hold pause it; resolved / closed / cancelled stop it at the moment of resolution).
    """

    target_at: datetime
    remaining_s: int
    breached: bool
    paused: bool
    target_s: int
    elapsed_s: int


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (stored as UTC), got naive {moment!r}")
    return moment


def paused_seconds(view: SlaSubject, now: datetime) -> float:
    """Total seconds the clock has been stopped up to ``now`` (closed pauses plus the current one)."""
    total = float(view.sla_paused_s)
    if view.sla_paused_since is not None:
        # A clock that went backwards (restored backup, skewed machine) never makes paused time negative.
        total += max(0.0, (_aware(now, "now") - _aware(view.sla_paused_since, "sla_paused_since")).total_seconds())
    return total


def sla_status(view: SlaSubject, now: datetime, policy: SlaPolicy) -> SlaStatus:
    """The SLA of ``view`` at ``now`` (aware), under ``policy``."""
    requested = _aware(view.requested_at, "requested_at")
    target = timedelta(hours=policy.target_hours(view.category, view.priority))
    paused = timedelta(seconds=paused_seconds(view, now))
    target_at = requested + target + paused
    left = target_at - _aware(now, "now")
    elapsed = now - requested - paused
    return SlaStatus(
        target_at=target_at,
        remaining_s=math.floor(left.total_seconds()),
        breached=left < timedelta(0),
        paused=view.sla_paused_since is not None,
        target_s=round(target.total_seconds()),
        elapsed_s=math.floor(elapsed.total_seconds()),
    )
