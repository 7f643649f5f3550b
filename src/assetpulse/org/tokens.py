"""Bearer tokens: short-lived HS256 JWTs that carry the user id and a session version.

Unit, roles and user type are read from the database on every request, so a revoked role
or a deactivated user takes effect at once rather than when the token expires. The session
version (``sv``) is the user's ``users.session_version`` when the token was issued; logging
out bumps that column, which ends every token issued before (no revocation list to grow).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from assetpulse.org.errors import not_authenticated

# the value Settings ships with and the README once showed: anyone can sign with it
DEFAULT_SECRET = "change-me-in-production"  # noqa: S105 - the known-bad default, refused
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash output


class WeakSecretError(ValueError):
    """The signing key is the default or too short; the message tells the operator what to do."""


def check_signing_key(secret: str) -> str:
    """The key when it is fit to sign tokens, else ``WeakSecretError``."""
    if secret == DEFAULT_SECRET:
        raise WeakSecretError(
            "ASSETPULSE_JWT_SECRET 仍是默认值，任何人都能用它签发令牌，API 拒绝启动。"
            " 请设置至少 32 字节的随机值，例如：python -c 'import secrets;"
            " print(secrets.token_urlsafe(48))' (the default JWT secret is refused)"
        )
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise WeakSecretError(
            f"ASSETPULSE_JWT_SECRET 只有 {len(secret.encode())} 字节，至少需要"
            f" {MIN_SECRET_BYTES} 字节的随机值，API 拒绝启动。"
            f" (the JWT secret must be at least {MIN_SECRET_BYTES} bytes)"
        )
    return secret


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    session: int  # users.session_version at issue time


@dataclass(frozen=True, slots=True)
class TokenCodec:
    secret: str
    minutes: int = 480

    def issue(self, user_id: int, session: int = 0, *, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "sub": str(user_id),
            "sv": session,
            "iat": issued,
            "exp": issued + self.minutes * 60,
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def read(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=["HS256"], options={"require": ["exp", "sub", "sv"]}
            )
            session = claims["sv"]
            if not isinstance(session, int) or isinstance(session, bool):
                raise ValueError("sv")
            return TokenClaims(int(claims["sub"]), session)
        except (jwt.PyJWTError, ValueError) as exc:
            raise not_authenticated() from exc
