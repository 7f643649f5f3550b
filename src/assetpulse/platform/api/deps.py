"""Request dependencies shared by every router: a database connection and the principal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from assetpulse.objects import ObjectStore
from assetpulse.org.errors import not_authenticated
from assetpulse.org.principal import Principal
from assetpulse.org.queries import load_principal
from assetpulse.org.tokens import TokenClaims, TokenCodec
from assetpulse.settings import Settings

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# async on purpose: FastAPI runs plain ``def`` dependencies in its thread pool, a thread hop
# per dependency per request that shows up in the plaza's latency under load
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_pool(request: Request) -> AsyncConnectionPool[AsyncConnection[Any]]:
    pool: AsyncConnectionPool[AsyncConnection[Any]] = request.app.state.pool
    return pool


async def get_objects(request: Request) -> ObjectStore:
    """Where photos and attachments keep their bytes (objects/), built once per app."""
    objects: ObjectStore = request.app.state.objects
    return objects


async def get_tokens(request: Request) -> TokenCodec:
    codec: TokenCodec = request.app.state.tokens
    return codec


async def get_conn(
    pool: Annotated[AsyncConnectionPool[AsyncConnection[Any]], Depends(get_pool)],
) -> AsyncIterator[AsyncConnection[Any]]:
    """A pooled connection; a transaction per request is the handler's own choice."""
    async with pool.connection() as conn:
        yield conn


def token_claims(token: str | None, tokens: TokenCodec) -> TokenClaims:
    """The bearer token's user and session, checked before any database work."""
    if not token:
        raise not_authenticated()
    return tokens.read(token)


async def get_principal(
    token: Annotated[str | None, Depends(oauth2)],
    tokens: Annotated[TokenCodec, Depends(get_tokens)],
    conn: Annotated[AsyncConnection[Any], Depends(get_conn)],
) -> Principal:
    claims = token_claims(token, tokens)
    return await load_principal(conn, claims.user_id, claims.session)


Conn = Annotated[AsyncConnection[Any], Depends(get_conn)]
CurrentUser = Annotated[Principal, Depends(get_principal)]
Objects = Annotated[ObjectStore, Depends(get_objects)]
