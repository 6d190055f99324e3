"""Named demo scenarios: the seeded world brought to a given situation at the simulator's start.

- ``default``: the seeded world (haze with the season, storms with the monsoon, about 40 incidents), with a Chiang
  Mai season in the 30 days before the start for the charts (:mod:`services.simulator.season`): a burning spell, a
  haze episode and a rise of the Ping over P.1's bank, all over before the start.
- ``haze-flood``: the operator's bad night (:mod:`services.simulator.haze_flood`): the Ping over its banks in the city,
  a haze episode over the north, fires in the forested districts, and flood and fire reports with open P1s past
  their SLA.

A scenario is anchored to the simulator's clock: its situation holds at the moment the simulator starts, whatever
the date, and plays on as simulated time moves (``SimClock.advance``, ``POST /_sim/clock``). It is deterministic for
a given seed and start. Every feed keeps its real format; a scenario only changes the values.

This module only names the scenarios (settings and the command line validate against it); the worlds are built when
a simulator starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.simulator.air_quality import HazeEpisode
    from services.simulator.fires import FireFront
    from services.simulator.incident_seed import Draft
    from services.simulator.river import FloodCrest

DEFAULT_SCENARIO = "default"
SCENARIOS: tuple[str, ...] = (DEFAULT_SCENARIO, "haze-flood")


@dataclass(frozen=True)
class ScenarioWorld:
    """What a scenario changes in the seeded world; each part left None stays as the seed makes it."""

    name: str = DEFAULT_SCENARIO
    haze: HazeEpisode | None = None
    flood: FloodCrest | None = None
    fire_activity: Callable[[date], float | None] | None = None  # a floor on FIRMS activity per UTC day
    fire_fronts: tuple[FireFront, ...] = ()  # the scenario's own fires
    incidents: list[Draft] = field(default_factory=list)  # reports added to the seeded ones


def scenario_world(name: str, seed: int, start: datetime) -> ScenarioWorld:
    """The world of scenario ``name`` for a simulator with ``seed`` starting at ``start`` (aware)."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; use one of {', '.join(SCENARIOS)}")
    if name == "haze-flood":
        from services.simulator.haze_flood import haze_flood_world

        return haze_flood_world(start)
    from services.simulator.season import season_fire_activity, season_flood, season_haze

    return ScenarioWorld(haze=season_haze(start), flood=season_flood(start),
                         fire_activity=season_fire_activity(start))
