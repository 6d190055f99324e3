"""What the rule kinds hand the evaluation: the scopes they watch and each scope's hours, on one hourly grid.

Hours are identified by their end (unix seconds, a multiple of 3600), as Air4Thai labels its hourly values: the hour
ending at ``h`` holds the readings in (h - 1 h, h]. The evaluation's window starts at a UTC day boundary and ends at
the last whole hour before its ``now``; a rule that looks back (a 24-hour mean, a rise over 3 hours, hotspots in a
day) reads a *lead* of hours before the window too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from services.alerts.machine import Hours

HOUR_S = 3600
DAY_S = 86400

#: (index into the scope's hours, hours the condition has held) -> (value, message_th, message_en)
Describe = Callable[[int, int], tuple[float | None, str, str]]


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
class ScopeHours:
    """One scope's hours for the machine, and how to put an hour of them in words."""

    scope: Scope
    hours: Hours
    describe: Describe


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


def rolling_sum(values: np.ndarray, width: int) -> np.ndarray:
    """Sums over ``width`` consecutive hours (the last axis), ending at each hour from index ``width - 1`` on."""
    zero = np.zeros((*values.shape[:-1], 1), dtype=values.dtype)
    total = np.concatenate((zero, np.cumsum(values, axis=-1)), axis=-1)
    return total[..., width:] - total[..., :-width]
