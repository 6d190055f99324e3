"""What the rule kinds hand the evaluation: the scopes they watch and each scope's hours, on one hourly grid.

Hours are identified by their end (unix seconds, a multiple of 3600), as Air4Thai labels its hourly values: the hour
ending at ``h`` holds the readings in (h - 1 h, h]. The evaluation's window starts at a UTC day boundary and ends at
the last whole hour before its ``now``; a rule that looks back (a 24-hour mean, a rise over 3 hours, hotspots in a
day) reads a *lead* of hours before the window too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from services.alerts.machine import Hours

HOUR_S = 3600
DAY_S = 86400

#: (index into the scope's hours, hours the condition has held) -> (value, message_th, message_en), and for a scope
#: whose place moves with the data (a province's worst station) that hour's place as (lat, lon)
Describe = Callable[[int, int], tuple[float | None, str, str] | tuple[float | None, str, str, tuple[float, float]]]


def hour_end(t: int) -> int:
    """The end of the hour ``t`` falls in ((h - 1 h, h]): the hour's label."""
    return -(-t // HOUR_S) * HOUR_S


@dataclass(frozen=True, slots=True)
class Window:
    """The hours a replay covers: those ending in (start, end]; ``now`` is the evaluation's wall-clock time. The
    last hour is the one ``now`` is in: unless ``now`` is on the hour, it is still going (:attr:`partial`)."""

    start: int
    end: int
    now: int

    @classmethod
    def ending(cls, now: int, lookback_s: int) -> Window:
        end = hour_end(now)
        return cls((end - lookback_s) // DAY_S * DAY_S, end, now)

    @property
    def partial(self) -> bool:
        return self.end > self.now

    @property
    def hours(self) -> int:
        return max(0, (self.end - self.start) // HOUR_S)

    def grid(self) -> np.ndarray:
        """The hour ends of the window, oldest first."""
        return self.start + HOUR_S * np.arange(1, self.hours + 1, dtype=np.int64)

    def day_boundaries(self) -> list[int]:
        """The UTC midnights in (start, end]: where the machines' states are saved."""
        first = self.start // DAY_S * DAY_S + DAY_S
        return list(range(first, self.end + 1, DAY_S))


@dataclass(frozen=True, slots=True)
class Scope:
    """What one alert is about: its kind (services.alerts.model.SCOPE_KINDS), key, names and place."""

    kind: str
    key: str
    name_th: str
    name_en: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class ScopeRows:
    """Every scope one rule watches, and their hours as (scope × hour) matrices on the window's grid: the value (NaN:
    a gap), the two conditions and the hits (None: an occurrence is the condition newly met). A rule's scopes are
    computed together in a few array operations; only the scopes where something can happen are then replayed one by
    one, and only those are put in words (``describe(k)``: scope ``k``'s hours)."""

    scopes: Sequence[Scope]
    value: np.ndarray
    above: np.ndarray
    below: np.ndarray
    hits: np.ndarray | None
    describe: Callable[[int], Describe]

    def hours(self, grid: np.ndarray, k: int) -> Hours:
        """Scope ``k``'s hours for the machine."""
        return Hours(grid, self.value[k], self.above[k], self.below[k], None if self.hits is None else self.hits[k])


def no_scopes(hours: int) -> ScopeRows:
    """A rule with nothing to watch."""
    nothing = np.empty((0, hours))
    return ScopeRows((), nothing, nothing > 0, nothing > 0, None, _no_words)


def _no_words(k: int) -> Describe:
    raise IndexError(k)


def hour_slots(times: np.ndarray, first_end: int) -> np.ndarray:
    """The index of the hour each time falls in, counting from the hour ending at ``first_end`` (index 0)."""
    return np.ceil((times - first_end) / HOUR_S).astype(np.int64)


def hour_matrix(rows: np.ndarray, times: np.ndarray, values: np.ndarray | None, first_end: int,
                shape: tuple[int, int], how: str) -> np.ndarray:
    """Readings laid out as (scope row × hour from the one ending at ``first_end``): per hour the largest value
    (``how`` "max"), the latest ("last": readings in order of row, then time) or how many ("count"; ``values``
    unused). Hours without a reading are NaN (0 for a count); readings outside the hours or without a value are
    left out."""
    slots = hour_slots(times, first_end)
    keep = (slots >= 0) & (slots < shape[1]) & (rows >= 0)
    if values is not None and how != "count":
        keep &= ~np.isnan(values)
    flat = rows[keep].astype(np.int64) * shape[1] + slots[keep]
    if how == "count":
        return np.bincount(flat, minlength=shape[0] * shape[1]).reshape(shape)
    assert values is not None
    out = np.full(shape[0] * shape[1], np.nan)
    kept = values[keep]
    if how == "max":
        np.fmax.at(out, flat, kept)
    elif len(flat):
        last = np.r_[flat[1:] != flat[:-1], True]  # the last of each run of one row and hour
        out[flat[last]] = kept[last]
    return out.reshape(shape)


class HourGroups:
    """Readings of many scopes cut into (scope row, hour) groups once, for the rules that each lay them out by hour
    (:func:`hour_matrix` would go through every reading for each): a week of 10-minute levels of 150 gauges is
    150,000 readings in 27,000 groups. The readings must come each scope's together and in time order (what
    services.store.alert_windows reads); ``None`` from :meth:`of` when they do not, for the caller to fall back to
    :func:`hour_matrix`. Each aggregate gives exactly what :func:`hour_matrix` gives for the same hours."""

    def __init__(self, rows: np.ndarray, times: np.ndarray, starts: np.ndarray, hour: np.ndarray) -> None:
        self.times = times
        self.starts = starts  # the first reading of each group
        self.row = rows[starts]
        self.hour = hour[starts]  # the hour's end / HOUR_S
        self._memo: dict[object, np.ndarray] = {}

    @classmethod
    def of(cls, rows: np.ndarray, times: np.ndarray) -> HourGroups | None:
        if not len(rows):
            return None
        hour = np.ceil(times / HOUR_S).astype(np.int64)
        new_row = rows[1:] != rows[:-1]
        if not np.all(new_row | (times[1:] >= times[:-1])):
            return None  # a scope's readings out of time order
        row_starts = np.flatnonzero(np.r_[True, new_row])
        if len(np.unique(rows[row_starts])) != len(row_starts):
            return None  # a scope's readings in more than one run
        starts = np.flatnonzero(np.r_[True, new_row | (hour[1:] != hour[:-1])])
        return cls(rows, times, starts, hour)

    def max(self, values: np.ndarray, key: object = None) -> np.ndarray:
        """Each group's largest value (NaN: none has one); memoised by ``key`` when given."""
        if key is not None and key in self._memo:
            return self._memo[key]
        out = np.fmax.reduceat(values, self.starts)
        if key is not None:
            self._memo[key] = out
        return out

    def last(self, values: np.ndarray, key: object = None) -> np.ndarray:
        """Each group's latest value that is not NaN (NaN: none)."""
        if key is not None and key in self._memo:
            return self._memo[key]
        index = np.where(np.isnan(values), -1, np.arange(len(values)))
        latest = np.maximum.reduceat(index, self.starts)
        out = np.where(latest >= self.starts, values[np.maximum(latest, 0)], np.nan)
        if key is not None:
            self._memo[key] = out
        return out

    def matrix(self, per_group: np.ndarray, first_end: int, shape: tuple[int, int]) -> np.ndarray:
        """Groups' values laid out as (scope row × hour from the one ending at ``first_end``, a whole hour);
        NaN where there is none."""
        assert first_end % HOUR_S == 0
        slots = self.hour - first_end // HOUR_S
        keep = (slots >= 0) & (slots < shape[1]) & (self.row >= 0)
        out = np.full(shape[0] * shape[1], np.nan)
        out[self.row[keep].astype(np.int64) * shape[1] + slots[keep]] = per_group[keep]
        return out.reshape(shape)


def rolling_sum(values: np.ndarray, width: int) -> np.ndarray:
    """Sums over ``width`` consecutive hours (the last axis), ending at each hour from index ``width - 1`` on."""
    zero = np.zeros((*values.shape[:-1], 1), dtype=values.dtype)
    total = np.concatenate((zero, np.cumsum(values, axis=-1)), axis=-1)
    return total[..., width:] - total[..., :-width]
