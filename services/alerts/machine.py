"""The hysteresis state machine every hourly rule runs through, one scope at a time (pure; no SQL, no clock).

Each hour says whether the rule's trigger condition holds (``above``), whether its clear condition holds
(``below``), or that there is no value (a gap). The machine:

- triggers after ``for_hours`` consecutive hours above; clears after ``clear_hours`` consecutive hours below;
- counts a gap as neither: it raises nothing and clears nothing, and breaks the consecutive count either way, so a
  run must be unbroken data;
- while triggered, counts an *occurrence* each time the condition is newly met again (below the trigger, not yet
  cleared, then above again), so a series flapping around the trigger level is one alert with several occurrences;
  a rule whose hours carry ``hits`` (each new hotspot is an occurrence) counts every hit instead;
- reopens the alert it last cleared when it triggers again within the rule's quiet period.

The machine's whole state fits a small JSON checkpoint (:class:`MachineState`), so a replay can start from the
state saved at a day boundary and give exactly what a replay from further back would have given.

A week of hours for a hundred scopes runs after every sync, so the machine does not step through every hour: the
hours are cut into runs of the same kind (gap, between the levels, above, below), and a run the machine crosses
without a decision (a quiet night below the level, a long gap) is one step; only runs where it may trigger, clear
or count a hit are walked hour by hour.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np


@dataclass(slots=True)
class MachineState:
    """Where one rule stands for one scope after an hour (see the module text)."""

    active: bool = False
    run: int = 0  # consecutive hours towards the trigger (inactive) or the clear (active)
    above_run: int = 0  # consecutive hours above, for the words ("for 3 h")
    was_above: bool = False
    alert_id: int | None = None  # the alert it is in, or the one it last cleared (reopened within the quiet period)
    cleared_at: int | None = None  # when that alert cleared (unix seconds of the hour), None while active
    occurrences: int = 0  # of that alert
    counted_until: int | None = None  # occurrences up to this data time are in ``occurrences`` already

    def copy(self) -> MachineState:
        # Spelled out: dataclasses.replace costs 10x more, a loop over the fields 2x.
        return MachineState(self.active, self.run, self.above_run, self.was_above, self.alert_id, self.cleared_at,
                            self.occurrences, self.counted_until)

    def to_json(self) -> str:
        """A JSON list of the fields in order (a few hundred are written per evaluation: kept small and fast).
        Written out by hand, as ``json.dumps(fields, separators=(",", ":"))`` writes them (the fields are bools,
        ints and None; anything else goes through json)."""
        fields = (self.active, self.run, self.above_run, self.was_above, self.alert_id, self.cleared_at,
                  self.occurrences, self.counted_until)
        if not all(type(v) in _PLAIN for v in fields):
            return json.dumps(list(fields), separators=(",", ":"))
        return "[" + ",".join(_JSON.get(v, v) if type(v) is not int else str(v) for v in fields) + "]"

    @classmethod
    def from_json(cls, text: str) -> MachineState:
        raw = json.loads(text)
        if not isinstance(raw, list) or len(raw) != len(_FIELDS):
            return cls()  # written by another version: start afresh, as without a saved state
        return cls(*raw)


_FIELDS = tuple(MachineState.__dataclass_fields__)
_PLAIN = (bool, int, type(None))
_JSON = {True: "true", False: "false", None: "null"}


@dataclass(frozen=True, slots=True)
class Event:
    """Something the replay found: "raised", "reopened", "occurred" or "cleared" at the hour ``at`` (the index
    ``i`` into the series), with the occurrences it adds and the hours the condition had held by then."""

    action: str
    at: int
    i: int
    adds: int
    above_run: int


@dataclass(slots=True)
class Episode:
    """One alert's part of a replay: the stored alert it continues (``alert_id``, None for a new one), its events,
    its occurrences in all and whether it is still on at the replay's end."""

    alert_id: int | None
    events: list[Event] = field(default_factory=list)
    occurrences: int = 0
    active: bool = False
    first_at: int | None = None  # the raise, when the replay saw it


@dataclass(frozen=True, slots=True)
class Hours:
    """One scope's hours for the machine, as arrays of one length: hour ends (unix seconds), the value (NaN: a gap),
    the two conditions, and the hits of each hour (None: an occurrence is the condition newly met)."""

    at: np.ndarray
    value: np.ndarray
    above: np.ndarray
    below: np.ndarray
    hits: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class Replay:
    episodes: list[Episode]
    checkpoints: list[tuple[int, MachineState, Episode | None]]  # (hour, state after it, the episode it is in)
    state: MachineState


_GAP, _BETWEEN, _ABOVE, _BELOW, _BOTH = range(5)


#: Each hour's kind (the _GAP ... _BOTH codes) and the hours where the kind changes (index of the first of a run).
Runs = tuple[list[int], list[int]]


def replay(hours: Hours, seed: MachineState, *, for_hours: int, clear_hours: int, quiet_s: int,
           checkpoint_at: Iterable[int] = (), runs: Runs | None = None) -> Replay:
    """Run the machine over ``hours`` from ``seed``; returns the episodes, the states at ``checkpoint_at`` hours
    and the final state. ``runs``: the hours' :func:`runs`, when the caller has them already."""
    return _Run(hours, seed, for_hours, clear_hours, quiet_s).replay(checkpoint_at, runs)


def kinds(value: np.ndarray, above: np.ndarray, below: np.ndarray) -> np.ndarray:
    """Each hour's kind (any shape: one scope's hours, or scopes × hours): gap 0, between 1, above 2, below 3,
    both 4 (the _GAP ... _BOTH codes)."""
    valued = ~np.isnan(value)
    return np.where(valued, 1 + (above & valued) + 2 * (below & valued), _GAP)


class RunsOf:
    """The :data:`Runs` of every row of a (scopes × hours) kind matrix, worked out together and handed out per row
    (a rule replays only some of its scopes)."""

    def __init__(self, kind: np.ndarray) -> None:
        self.kind = kind
        rows, cols = np.nonzero(kind[:, 1:] != kind[:, :-1])
        self.changes = cols + 1
        self.bounds = np.searchsorted(rows, np.arange(len(kind) + 1)).tolist()

    def __getitem__(self, k: int) -> Runs:
        return self.kind[k].tolist(), self.changes[self.bounds[k]:self.bounds[k + 1]].tolist()


class _Run:
    def __init__(self, hours: Hours, seed: MachineState, for_hours: int, clear_hours: int, quiet_s: int) -> None:
        self.hours = hours
        self.s = seed.copy()
        self.for_hours, self.clear_hours, self.quiet_s = for_hours, clear_hours, quiet_s
        continues = seed.active or seed.alert_id is not None
        self.current = Episode(seed.alert_id, occurrences=seed.occurrences, active=seed.active) if continues else None
        self.episodes = [self.current] if self.current is not None else []

    def replay(self, checkpoint_at: Iterable[int], runs: Runs | None) -> Replay:
        h = self.hours
        count = len(h.at)
        if not count:
            return Replay(self.episodes, [], self.s)
        if runs is None:
            kind = kinds(h.value, h.above, h.below)
            runs = kind.tolist(), (np.flatnonzero(kind[1:] != kind[:-1]) + 1).tolist()
        hour_kinds, changes = runs
        first = int(h.at[0])
        marks = {(t - first) // 3600 for t in checkpoint_at if first <= t <= int(h.at[-1])}
        # Runs of one kind, also cut after each checkpoint hour and around each hour with hits.
        edges = {0, count, *(m + 1 for m in marks), *changes}
        if h.hits is not None:
            hit = np.flatnonzero(h.hits > 0).tolist()
            edges.update(hit, (i + 1 for i in hit))
        cuts = sorted(edges)
        checkpoints = []
        for a, b in zip(cuts[:-1], cuts[1:], strict=False):
            self._segment(hour_kinds[a], a, b)
            if b - 1 in marks:
                checkpoints.append((first + 3600 * (b - 1), self.s.copy(), self.current))
        return Replay(self.episodes, checkpoints, self.s)

    def _segment(self, kind: int, a: int, b: int) -> None:
        """Hours [a, b) of one kind: at once as far as nothing is decided, walking only the hours that decide."""
        while a < b:
            a = self._advance(kind, a, b)

    def _advance(self, kind: int, a: int, b: int) -> int:
        """Go through hours [a, b) up to and including the first that decides something; returns where it
        stopped (b when nothing in them did)."""
        s = self.s
        above = kind in (_ABOVE, _BOTH)
        if kind in (_GAP, _BETWEEN):
            s.run = s.above_run = 0
            if kind == _BETWEEN:
                s.was_above = False  # a gap keeps it: a gap between two hours above is no new occurrence
            return b
        if above and (self.hours.hits is not None or (s.active and not s.was_above)):
            self._hour(a, kind)  # a hit, or the condition newly met while on: an occurrence
            return a + 1
        if s.active and kind == _ABOVE:  # on and still above: nothing new
            s.run = 0
            s.above_run += b - a
            return b
        if not s.active and not above:  # off and below
            s.run = s.above_run = 0
            s.was_above = False
            return b
        # Counting: towards the clear (on, below) or the trigger (off, above).
        needed = self.clear_hours if s.active else self.for_hours
        decisive = a + max(0, needed - s.run - 1)
        passing = min(decisive, b) - a
        if passing:
            s.run += passing
            s.above_run = s.above_run + passing if above else 0
            s.was_above = above
        if decisive >= b:
            return b
        self._hour(decisive, kind)
        return decisive + 1

    def _hour(self, i: int, kind: int) -> None:
        """One valued hour, walked: it may trigger, clear or count."""
        s = self.s
        above = kind in (_ABOVE, _BOTH)
        s.above_run = s.above_run + 1 if above else 0
        if not s.active:
            s.run = s.run + 1 if above else 0
            if above and s.run >= self.for_hours:
                self._trigger(i)
        else:
            if above and (self.hours.hits is not None or not s.was_above):
                self._occur(i, s.above_run)
            s.run = s.run + 1 if kind in (_BELOW, _BOTH) else 0
            if s.run >= self.clear_hours:
                self._event("cleared", i, 0)
                s.active, s.run, s.cleared_at = False, 0, int(self.hours.at[i])
        s.was_above = above

    def _trigger(self, i: int) -> None:
        s = self.s
        at = int(self.hours.at[i])
        reopen = self.current is not None and s.cleared_at is not None and at - s.cleared_at <= self.quiet_s
        if not reopen:
            self.current = Episode(None, first_at=at)
            self.episodes.append(self.current)
            s.occurrences = 0
        s.occurrences += self._adds(i)
        self._event("reopened" if reopen else "raised", i, self._adds(i))
        s.active, s.run, s.cleared_at = True, 0, None

    def _occur(self, i: int, above_run: int) -> None:
        added = self._adds(i)
        self.s.occurrences += added
        self._event("occurred", i, added, above_run)

    def _adds(self, i: int) -> int:
        """What an occurrence at hour ``i`` adds: its hits (or one), unless counted already."""
        s = self.s
        if s.counted_until is not None and int(self.hours.at[i]) <= s.counted_until:
            return 0
        return int(self.hours.hits[i]) if self.hours.hits is not None else 1

    def _event(self, action: str, i: int, adds: int, above_run: int | None = None) -> None:
        current = self.current
        assert current is not None
        current.events.append(Event(action, int(self.hours.at[i]), i, adds,
                                    self.s.above_run if above_run is None else above_run))
        current.occurrences = self.s.occurrences
        current.active = action != "cleared"
