"""The hysteresis machine on its own: triggers after N hours, clears after M, gaps break runs, flapping is one alert
with occurrences, the quiet period reopens, and a replay resumed from a saved state equals one from the start."""

from __future__ import annotations

import random

import numpy as np
import pytest

from services.alerts.machine import Episode, Event, Hours, MachineState, replay

H = 3600
ABOVE, BETWEEN, BELOW, GAP = "A", "-", "b", "."


def _hours(pattern: str, hits: list[int] | None = None, first: int = 1) -> Hours:
    """One character an hour from hour ``first``: A above the trigger, b below the clear level, - between, . no
    value."""
    return Hours(H * np.arange(first, first + len(pattern), dtype=np.int64),
                 np.array([np.nan if c == GAP else 1.0 for c in pattern]), np.array([c == ABOVE for c in pattern]),
                 np.array([c == BELOW for c in pattern]), None if hits is None else np.array(hits))


def _run(pattern: str, *, n: int = 3, m: int = 2, quiet_h: float = 0, seed: MachineState | None = None,
         hits: list[int] | None = None):  # type: ignore[no-untyped-def]
    return replay(_hours(pattern, hits), seed or MachineState(), for_hours=n, clear_hours=m, quiet_s=int(quiet_h * H))


def _actions(pattern: str, **kw: object) -> list[list[tuple[str, int]]]:
    return [[(e.action, e.at // H) for e in ep.events] for ep in _run(pattern, **kw).episodes]  # type: ignore[arg-type]


@pytest.mark.parametrize(("pattern", "expected"), [
    ("bbAAbb", []),  # N-1 hours above: nothing
    ("bbAAAbb", [[("raised", 5)]]),  # the Nth hour raises, and its time is the alert's
    ("AA.Abb", []),  # a gap breaks the run
    ("AA-AAA", [[("raised", 6)]]),  # so does an hour between the levels
])
def test_it_triggers_after_n_consecutive_hours_above(pattern: str, expected: list[list[tuple[str, int]]]) -> None:
    assert _actions(pattern, m=5) == expected


@pytest.mark.parametrize(("pattern", "cleared_at"), [
    ("AAAb", None),  # M-1 hours below: still on
    ("AAAbb", 5),  # the Mth clears
    ("AAAb-b", None),  # an hour between the levels breaks the clearing run
    ("AAAb.b", None),  # so does a gap: it neither clears nor counts
    ("AAAb.bb", 7),
])
def test_it_clears_after_m_consecutive_hours_below(pattern: str, cleared_at: int | None) -> None:
    [episode] = _run(pattern).episodes
    clears = [e.at // H for e in episode.events if e.action == "cleared"]
    assert clears == ([] if cleared_at is None else [cleared_at])
    assert episode.active == (cleared_at is None)


def test_a_flapping_series_is_one_alert_with_several_occurrences() -> None:
    # Around the trigger level all night, never long below the clear level.
    result = _run("AAA-A-A-AbA-A", m=2)
    [episode] = result.episodes
    assert [e.action for e in episode.events] == ["raised", "occurred", "occurred", "occurred", "occurred",
                                                  "occurred"]
    assert episode.occurrences == 6 and episode.active
    assert result.state.occurrences == 6


def test_a_gap_inside_an_alert_is_no_new_occurrence() -> None:
    [episode] = _run("AAA..AA").episodes
    assert [e.action for e in episode.events] == ["raised"]


def test_a_new_trigger_within_the_quiet_period_reopens_the_alert() -> None:
    # Raised at 3, cleared at 5; triggers again at 8: 3 hours after the clear.
    assert _actions("AAAbbAAA", quiet_h=3) == [[("raised", 3), ("cleared", 5), ("reopened", 8)]]
    assert _actions("AAAbbAAA", quiet_h=2.99) == [[("raised", 3), ("cleared", 5)], [("raised", 8)]]
    [episode] = _run("AAAbbAAA", quiet_h=3).episodes
    assert episode.occurrences == 2 and episode.active


def test_hits_count_each_one() -> None:
    # Each new hotspot is an occurrence: 2 in the first hour, 3 later, none in between.
    result = _run("AbAbb", n=1, m=2, hits=[2, 0, 3, 0, 0])
    [episode] = result.episodes
    assert [(e.action, e.adds) for e in episode.events] == [("raised", 2), ("occurred", 3), ("cleared", 0)]
    assert episode.occurrences == 5


def test_a_seeded_alert_continues_and_counts_on() -> None:
    seed = MachineState(active=True, was_above=True, alert_id=7, occurrences=4)
    result = _run("AA-Abb", seed=seed)
    [episode] = result.episodes
    assert episode.alert_id == 7 and episode.occurrences == 5
    assert [e.action for e in episode.events] == ["occurred", "cleared"]


def test_occurrences_already_counted_are_not_counted_again() -> None:
    seed = MachineState(active=True, was_above=False, alert_id=7, occurrences=4, counted_until=2 * H)
    [episode] = _run("-A-A", seed=seed).episodes
    assert [(e.action, e.at // H, e.adds) for e in episode.events] == [("occurred", 2, 0), ("occurred", 4, 1)]
    assert episode.occurrences == 5


def test_a_state_round_trips_through_its_checkpoint_text() -> None:
    state = MachineState(active=True, run=2, above_run=5, was_above=True, alert_id=3, cleared_at=None,
                         occurrences=9, counted_until=7200)
    assert MachineState.from_json(state.to_json()) == state


@pytest.mark.parametrize("seed", range(20))
def test_resuming_from_a_checkpoint_equals_replaying_from_the_start(seed: int) -> None:
    rng = random.Random(seed)
    pattern = "".join(rng.choice("AAAb-.") for _ in range(120))
    whole = _run(pattern, quiet_h=2)
    cut = rng.randrange(10, 110)
    first = replay(_hours(pattern), MachineState(), for_hours=3, clear_hours=2, quiet_s=2 * H,
                   checkpoint_at=[cut * H])
    [(at, state, _episode)] = first.checkpoints
    assert at == cut * H
    rest = _hours(pattern[cut:], first=cut + 1)
    resumed = replay(rest, state, for_hours=3, clear_hours=2, quiet_s=2 * H)
    assert resumed.state == whole.state
    after_cut = [(e.action, e.at, e.adds) for ep in whole.episodes for e in ep.events if e.at > cut * H]
    assert after_cut == [(e.action, e.at, e.adds) for ep in resumed.episodes for e in ep.events]


@pytest.mark.parametrize(("pattern", "was_above"), [("b-b", False), ("..", True), ("", True), (".-.", False)])
def test_hours_that_never_reach_the_trigger_only_reset_the_counts(pattern: str, was_above: bool) -> None:
    seed = MachineState(run=2, above_run=2, was_above=True, alert_id=4, cleared_at=H, occurrences=3)
    result = replay(_hours(pattern), seed, for_hours=3, clear_hours=2, quiet_s=0,
                    checkpoint_at=[H * len(pattern)] if pattern else [])
    expected = MachineState(run=0 if pattern else 2, above_run=0 if pattern else 2, was_above=was_above,
                            alert_id=4, cleared_at=H, occurrences=3)
    assert result.state == expected
    assert [(at, state) for at, state, _episode in result.checkpoints] == ([(H * len(pattern), expected)]
                                                                          if pattern else [])
    [episode] = result.episodes  # the alert it last cleared, for a reopen later: nothing happened to it
    assert (episode.alert_id, episode.events, episode.occurrences, episode.active) == (4, [], 3, False)


def _hour_by_hour(hours: Hours, seed: MachineState, n: int, m: int, quiet_s: int):  # type: ignore[no-untyped-def]
    """The module text, read literally: every hour walked. The machine skips runs; it must agree with this."""
    s = seed.copy()
    current = Episode(s.alert_id, occurrences=s.occurrences, active=s.active) \
        if s.active or s.alert_id is not None else None
    episodes = [current] if current is not None else []
    for i, at in enumerate(hours.at.tolist()):
        if np.isnan(hours.value[i]):
            s.run = s.above_run = 0
            continue
        above, below = bool(hours.above[i]), bool(hours.below[i])
        adds = int(hours.hits[i]) if hours.hits is not None else 1
        if s.counted_until is not None and at <= s.counted_until:
            adds = 0
        s.above_run = s.above_run + 1 if above else 0
        if not s.active:
            s.run = s.run + 1 if above else 0
            if above and s.run >= n:
                reopen = current is not None and s.cleared_at is not None and at - s.cleared_at <= quiet_s
                if not reopen:
                    current = Episode(None, first_at=at)
                    episodes.append(current)
                    s.occurrences = 0
                s.occurrences += adds
                current.events.append(Event("reopened" if reopen else "raised", at, i, adds, s.above_run))
                s.active, s.run, s.cleared_at = True, 0, None
        else:
            if above and (hours.hits is not None or not s.was_above):
                s.occurrences += adds
                current.events.append(Event("occurred", at, i, adds, s.above_run))
            s.run = s.run + 1 if below else 0
            if s.run >= m:
                current.events.append(Event("cleared", at, i, 0, s.above_run))
                s.active, s.run, s.cleared_at = False, 0, at
        s.was_above = above
        if current is not None:
            current.occurrences, current.active = s.occurrences, s.active
    return episodes, s


@pytest.mark.parametrize("seed", range(40))
def test_skipping_runs_agrees_with_walking_every_hour(seed: int) -> None:
    rng = random.Random(seed)
    with_hits = seed % 3 == 0
    both = seed % 4 == 1  # hours both above and below (a count rule's hour without a new hotspot)
    length = rng.randrange(1, 200)
    codes = rng.choices("AAAbb-.", k=length) if not with_hits else rng.choices("Ab", weights=[1, 4], k=length)
    hits = [rng.randint(1, 4) if c == ABOVE else 0 for c in codes] if with_hits else None
    hours = _hours("".join(codes), hits)
    if both:
        hours = Hours(hours.at, hours.value, hours.above, hours.below | (hours.above & (np.arange(length) % 2 == 0)))
    start = MachineState(active=rng.random() < 0.3, run=rng.randrange(3), above_run=rng.randrange(3),
                         was_above=rng.random() < 0.5, alert_id=rng.choice([None, 5]), cleared_at=None,
                         occurrences=rng.randrange(4), counted_until=rng.choice([None, H * rng.randrange(length)]))
    if start.active and start.alert_id is None:
        start.alert_id = 5
    n, m, quiet = rng.randrange(1, 5), rng.randrange(1, 5), rng.choice([0, 2 * H, 6 * H])
    expected, state = _hour_by_hour(hours, start, n, m, quiet)
    result = replay(hours, start, for_hours=n, clear_hours=m, quiet_s=quiet)
    assert result.state == state
    assert [(e.alert_id, e.events, e.occurrences, e.active, e.first_at) for e in result.episodes] == [
        (e.alert_id, e.events, e.occurrences, e.active, e.first_at) for e in expected]
