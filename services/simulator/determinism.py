"""Deterministic pseudo-randomness: the same seed and the same key parts always give the same numbers.

Generators key their draws by (seed, feed, station, hour, ...) instead of drawing from one shared stream, so what a
feed serves for a given simulated hour does not depend on which requests came before it.
"""

from __future__ import annotations

import hashlib
import random


def _digest(seed: int, parts: tuple[object, ...]) -> bytes:
    text = "|".join([str(seed), *(str(p) for p in parts)])
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def unit(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) fixed by ``seed`` and ``parts``."""
    return int.from_bytes(_digest(seed, parts)[:8], "big") / 2**64


def rng(seed: int, *parts: object) -> random.Random:
    """A ``random.Random`` seeded from ``seed`` and ``parts`` (for drawing several numbers at once)."""
    return random.Random(int.from_bytes(_digest(seed, parts), "big"))
