"""The feed data one evaluation reads, each read made once and shared by every rule that needs it.

The leads (how far before the window each table is read) are the largest any enabled rule needs, so a rule set
with a 24-hour PM2.5 mean and a 3-hour river rise reads air 23 hours and river 3 hours ahead of the window.
Only readings up to the evaluation's ``now`` count (the hour still going holds those so far). Readings come as
arrays with each station's row in :attr:`air_stations` / :attr:`gauges` (their order), so a rule
computes every scope's hours in a few array operations (services.alerts.series.hour_matrix).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from sqlalchemy import Connection

from services.alerts.series import HOUR_S, HourGroups, Window
from services.store import alert_windows
from services.store.alert_windows import FeedHealthRow, StationRow

PM25_MEAN_HOURS = 24
PM25_MIN_VALUES = 18  # of the 24 hourly values, for a 24-hour mean (else the hour has no mean: a gap)


def _rows(stations: list[StationRow], ids: np.ndarray) -> np.ndarray:
    """The row (index into ``stations``) of each station id; -1 for one not listed."""
    if not len(ids):
        return np.empty(0, dtype=np.int64)
    lookup = np.full(max(int(ids.max()), max((s.id for s in stations), default=0)) + 1, -1, dtype=np.int64)
    lookup[[s.id for s in stations]] = np.arange(len(stations))
    return lookup[ids.astype(np.int64)]


class WindowData:
    """Lazily read, cached feed data of one evaluation window."""

    def __init__(self, conn: Connection, window: Window, *, river_lead_h: int, fire_lead_h: int,
                 river_bank: bool = True) -> None:
        self.conn = conn
        self.window = window
        self.river_bank = river_bank  # a rule reads ThaiWater's distance to the bank (of gauges without their own)
        self.air_first_end = window.start - (PM25_MEAN_HOURS - 2) * HOUR_S  # the 24 hours up to the first hour
        self.river_first_end = window.start - river_lead_h * HOUR_S
        self.fire_first_end = window.start - fire_lead_h * HOUR_S
        self._hotspots: dict[int, np.ndarray] = {}

    @cached_property
    def air_stations(self) -> list[StationRow]:
        return alert_windows.stations(self.conn, "air")

    @cached_property
    def gauges(self) -> list[StationRow]:
        return alert_windows.stations(self.conn, "river")

    @cached_property
    def air_hourly(self) -> tuple[np.ndarray, np.ndarray]:
        """(station rows, readings): each hourly reading's row in :attr:`air_stations`, and (time, PM2.5)."""
        data = alert_windows.air_hourly(self.conn, [s.id for s in self.air_stations], self.air_first_end - HOUR_S,
                                        self.window.now)
        return _rows(self.air_stations, data[:, 0]), data[:, 1:]

    @cached_property
    def river(self) -> tuple[np.ndarray, np.ndarray]:
        """(gauge rows, readings): each reading's row in :attr:`gauges`, and (time, level, level above sea level,
        distance to bank); each gauge's readings together, in time order. The distance to the bank is there only
        where a rule reads it: for gauges without a bank-full level of their own, when ``river_bank``."""
        bank = {s.id for s in self.gauges if "bank_full_m" not in s.thresholds} if self.river_bank else set()
        data = alert_windows.river_readings(self.conn, [s.id for s in self.gauges], self.river_first_end - HOUR_S,
                                            self.window.now, bank_ids=bank)
        return _rows(self.gauges, data[:, 0]), data[:, 1:]

    @cached_property
    def river_groups(self) -> HourGroups | None:
        """The river readings cut into (gauge, hour) groups, shared by the river and silent-gauge rules (None: not
        in the order that needs, see HourGroups)."""
        rows, readings = self.river
        return HourGroups.of(rows, readings[:, 0])

    def hotspots(self, min_class: int) -> np.ndarray:
        """(time, lat, lon) of the hotspots of confidence class ``min_class`` (services.alerts.rules.
        CONFIDENCE_CLASSES) or above, from the fire lead on, in time order."""
        if min_class not in self._hotspots:
            self._hotspots[min_class] = alert_windows.hotspots(self.conn, self.fire_first_end - HOUR_S,
                                                               self.window.now, min_class)
        return self._hotspots[min_class]

    @cached_property
    def feeds(self) -> list[FeedHealthRow]:
        return alert_windows.feed_health(self.conn)

    def last_air_before(self) -> np.ndarray:
        """Each air station's newest PM2.5 time before the air lead (NaN: none)."""
        found = alert_windows.last_reading_at(self.conn, "air_hourly", "pm25", [s.id for s in self.air_stations],
                                              self.air_first_end - HOUR_S)
        return np.array([np.nan if found[s.id] is None else found[s.id] for s in self.air_stations], dtype=float)

    def last_river_before(self) -> np.ndarray:
        """Each gauge's newest level time before the river lead (NaN: none)."""
        found = alert_windows.last_reading_at(self.conn, "river_readings", "coalesce(level_m, level_msl)",
                                              [s.id for s in self.gauges], self.river_first_end - HOUR_S)
        return np.array([np.nan if found[s.id] is None else found[s.id] for s in self.gauges], dtype=float)
