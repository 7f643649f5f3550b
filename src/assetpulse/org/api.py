"""HTTP adapter of the organisation: log in, who am I, regions, units, categories."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from assetpulse.org.queries import authenticate, list_categories, list_regions, list_units
from assetpulse.org.tokens import TokenCodec
from assetpulse.org.users_api import router as users_router
from assetpulse.platform.api.deps import Conn, CurrentUser, get_tokens

router = APIRouter(tags=["organisation"])
router.include_router(users_router)


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret


class Me(BaseModel):
    user_id: int
    username: str
    display_name: str
    unit_id: int
    unit_kind: str
    department_id: int | None
    region_code: str
    user_type: str
    roles: list[str]


@router.post("/auth/token", summary="登录 (OAuth2 password flow)")
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    conn: Conn,
    tokens: Annotated[TokenCodec, Depends(get_tokens)],
) -> Token:
    user_id = await authenticate(conn, form.username, form.password)
    return Token(access_token=tokens.issue(user_id))


@router.get("/me", summary="当前用户")
async def me(user: CurrentUser) -> Me:
    return Me(
        user_id=user.user_id,
        username=user.username,
        display_name=user.display_name,
        unit_id=user.unit_id,
        unit_kind=user.unit_kind,
        department_id=user.department_id,
        region_code=user.region_code,
        user_type=user.user_type,
        roles=sorted(user.roles),
    )


@router.get("/regions", summary="财政区划")
async def regions(conn: Conn, _: CurrentUser) -> list[dict[str, Any]]:
    return await list_regions(conn)


@router.get("/units", summary="单位树")
async def units(conn: Conn, _: CurrentUser) -> list[dict[str, Any]]:
    return await list_units(conn)


@router.get("/categories", summary="资产分类 (GB/T 14885-2022)")
async def categories(conn: Conn, _: CurrentUser) -> list[dict[str, Any]]:
    return await list_categories(conn)
