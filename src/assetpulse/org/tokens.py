"""Bearer tokens: short-lived HS256 JWTs that carry only the user id.

Unit, roles and user type are read from the database on every request, so a revoked role
or a deactivated user takes effect at once rather than when the token expires.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from assetpulse.org.errors import not_authenticated


@dataclass(frozen=True, slots=True)
class TokenCodec:
    secret: str
    minutes: int = 480

    def issue(self, user_id: int, *, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {"sub": str(user_id), "iat": issued, "exp": issued + self.minutes * 60}
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def user_id(self, token: str) -> int:
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
            return int(claims["sub"])
        except (jwt.PyJWTError, ValueError) as exc:
            raise not_authenticated() from exc
