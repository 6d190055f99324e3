"""The demo's last 30 days: a Chiang Mai season behind the situation at the simulator's start.

The charts show a month; a month of the seeded world in, say, December is flat (little haze, no storms, few fires).
So every scenario's world carries a season in the 30 days before its start, anchored to the start as the scenarios
are, and over before the start, so the situation at the start (what the latest endpoints serve) is the scenario's:

- **Fires** (days 24 to 12 before the start): burning-season activity in the forested districts (Mae Chaem, Chom
  Thong, Hot, Omkoi, Mae Taeng, Chiang Dao, …) on every satellite pass.
- **Haze** (at its height from day 21 to day 15 before the start, blended in and out over two and a half days):
  PM2.5 24-hour means of 80–110 µg/m³ at the Chiang Mai stations (the rural, forested ones the worst), 65 × the
  station's haze factor in the neighbouring provinces, with the daily cycle (the morning inversion, the clean
  afternoon); hourly values go well above 75 µg/m³ in the mornings.
- **Rain** (nine days before the start): two storms over the upper Ping, the second as strong as it takes for P.1
  (Nawarat Bridge) to crest at 3.95 m, over its bank (3.70 m) and short of the city-flood level (4.20 m); the wave
  runs down the river by each gauge's lag and recedes within two days. The seeded storms of the days around it are
  replaced, the rest of the month keeps the seed's weather.

Only the ``default`` scenario's world is the season alone; ``haze-flood`` keeps its own haze and flood at the start
and adds the season's fires (services.simulator.haze_flood).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from services.simulator.air_quality import HazeEpisode, haze_levels
from services.simulator.river import FloodCrest

SEASON_DAYS = 30
FIRE_SPELL = (24, 12)  # burning-season activity from this many days before the start to this many
FIRE_ACTIVITY = 0.8
HAZE_FULL = (timedelta(days=21), timedelta(days=15))  # the episode at its height, before the start
HAZE_RAMP = timedelta(days=2.5)
CHIANG_MAI_PM25 = (80.0, 110.0)
NEIGHBOUR_PM25 = 65.0
CREST_BEFORE = timedelta(days=9)
P1_CREST_M = 3.95
CREST_STORMS = ((40.0, 0.5), (22.0, None))  # (hours before the crest reading, intensity; None = solved)
STORMS_REPLACED = (timedelta(days=4), timedelta(days=2))  # seeded storms replaced this long before / after the crest


def season_fire_activity(start: datetime) -> Callable[[date], float | None]:
    """The season's floor on FIRMS activity per UTC day (None outside the spell)."""
    first = start.date() - timedelta(days=FIRE_SPELL[0])
    last = start.date() - timedelta(days=FIRE_SPELL[1])

    def activity(day: date) -> float | None:
        return FIRE_ACTIVITY if first <= day <= last else None

    return activity


def season_haze(start: datetime) -> HazeEpisode:
    """The season's haze episode (over well before the start)."""
    return HazeEpisode(haze_levels(CHIANG_MAI_PM25, NEIGHBOUR_PM25), start - HAZE_FULL[0], start - HAZE_FULL[1],
                       HAZE_RAMP)


def season_flood(start: datetime) -> FloodCrest:
    """The season's rise of the Ping: P.1 at ``P1_CREST_M`` at the reading published nine days before the start."""
    crest = start - CREST_BEFORE
    return FloodCrest("P.1", P1_CREST_M, crest, CREST_STORMS,
                      (crest - STORMS_REPLACED[0], crest + STORMS_REPLACED[1]))
