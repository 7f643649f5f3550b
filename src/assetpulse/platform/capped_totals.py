"""Plaza totals that reached the cap, remembered for a short while.

A plaza page says "2000+" once a filter matches more than the cap. Proving that again costs
the database a scan of 2,001 matches (a keyword's trigram bitmap in full) on every first
page, the costliest part of a plaza request by far. A total that reached the cap is
therefore remembered for about ``ttl`` seconds: the only thing that can go stale is "2000+"
for a filter whose matches have just fallen below the cap. Totals under the cap are cheap
to count and always counted afresh, so a small result's count is always exact.

Each entry lives a random 80–120 % of ``ttl``: entries filled in the same busy minute would
otherwise all expire in the same second and send their recounts to the database at once.
"""

from __future__ import annotations

import random
from collections.abc import Hashable


class CappedTotals:
    def __init__(self, *, ttl: float = 120.0, max_entries: int = 20_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._until: dict[Hashable, float] = {}
        self._random = random.Random()  # noqa: S311 - jitter, not a secret

    def known_capped(self, key: Hashable, now: float) -> bool:
        until = self._until.get(key)
        if until is None:
            return False
        if until <= now:
            del self._until[key]
            return False
        return True

    def remember_capped(self, key: Hashable, now: float) -> None:
        if len(self._until) >= self.max_entries:
            # filters are few in practice; a flood of distinct keywords only costs recounts
            self._until.clear()
        self._until[key] = now + self.ttl * self._random.uniform(0.8, 1.2)
