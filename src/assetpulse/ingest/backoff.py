"""Jittered exponential backoff for reconnecting to the broker and the database.

"Equal jitter": each wait is uniform in [d/2, d] with d doubling up to a cap, so that N
workers cut off by the same outage do not come back in lock step, and no wait is ~0.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, *, first: float = 0.1, cap: float = 10.0) -> None:
        self.first = first
        self.cap = cap
        self._attempt = 0
        self._rng = random.Random()  # noqa: S311 - jitter, not security

    def next(self) -> float:
        d = min(self.cap, self.first * (2**self._attempt))
        self._attempt = min(self._attempt + 1, 30)
        return self._rng.uniform(d / 2, d)

    def reset(self) -> None:
        self._attempt = 0
