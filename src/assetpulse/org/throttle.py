"""Login throttling (登录限流): per account and per client address.

Why the ``limits`` library: a maintained implementation of moving-window limits with
interchangeable storages; in memory here (one counter per API process: with N uvicorn
workers an attacker gets at most N times the limit, still a few dozen guesses per quarter
hour, and no extra service to run), and the same calls work on its Redis or Memcached
storage should the deployment ever grow one.

Per account: every attempt counts before the password is checked, so parallel guesses
cannot slip past the limit; a successful login clears the account's count. Per address:
only failures count, since a whole institution may log in from behind one NAT.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from assetpulse.errors import DomainError, ErrorKind


class LoginThrottledError(DomainError):
    kind = ErrorKind.THROTTLED

    def __init__(self, retry_after_s: int) -> None:
        minutes = max(1, math.ceil(retry_after_s / 60))
        super().__init__(
            "AUTH_THROTTLED",
            f"登录失败次数过多，请 {minutes} 分钟后再试。",
            retry_after_s=retry_after_s,
        )
        self.retry_after_s = retry_after_s


@dataclass
class LoginThrottle:
    per_account: RateLimitItem
    per_address: RateLimitItem
    _limiter: MovingWindowRateLimiter = field(
        default_factory=lambda: MovingWindowRateLimiter(MemoryStorage())
    )

    @classmethod
    def from_text(cls, per_account: str, per_address: str) -> LoginThrottle:
        """Limits in the library's notation, e.g. ``"10/15 minutes"``."""
        return cls(parse(per_account), parse(per_address))

    def _retry_after(self, item: RateLimitItem, *key: str) -> int:
        reset = self._limiter.get_window_stats(item, *key).reset_time
        return max(1, math.ceil(reset - time.time()))

    def before_attempt(self, username: str, address: str) -> None:
        """Refuse (``LoginThrottledError``) when either limit is used up; else count the
        attempt against the account."""
        if not self._limiter.test(self.per_address, "address", address):
            raise LoginThrottledError(self._retry_after(self.per_address, "address", address))
        if not self._limiter.hit(self.per_account, "account", username):
            raise LoginThrottledError(self._retry_after(self.per_account, "account", username))

    def failed(self, address: str) -> None:
        self._limiter.hit(self.per_address, "address", address)

    def succeeded(self, username: str) -> None:
        self._limiter.clear(self.per_account, "account", username)
