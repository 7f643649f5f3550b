"""HTTP adapter of the organisation: log in, who am I, regions, units, categories."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field

from assetpulse.errors import DomainError
from assetpulse.org.admin_api import router as admin_router
from assetpulse.org.admin_rules import check_new_password
from assetpulse.org.admin_store import change_own_password
from assetpulse.org.queries import (
    authenticate,
    end_sessions,
    list_categories,
    list_regions,
    list_units,
)
from assetpulse.org.throttle import LoginThrottle
from assetpulse.org.tokens import TokenCodec
from assetpulse.org.users_api import router as users_router
from assetpulse.platform.api.deps import Conn, CurrentUser, get_tokens

router = APIRouter(tags=["organisation"])
router.include_router(users_router)
router.include_router(admin_router)


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


async def get_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


@router.post(
    "/auth/token",
    summary="登录 (OAuth2 password flow)",
    responses={401: {"description": "用户名或密码错误"}, 429: {"description": "登录失败次数过多"}},
)
async def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    conn: Conn,
    tokens: Annotated[TokenCodec, Depends(get_tokens)],
    throttle: Annotated[LoginThrottle, Depends(get_throttle)],
) -> Token:
    username = form.username[:200]  # the throttle's key: bounded, whatever is posted
    address = request.client.host if request.client else "unknown"
    throttle.before_attempt(username, address)
    try:
        user_id, session = await authenticate(conn, form.username, form.password)
    except DomainError as exc:
        if exc.code == "AUTH_BAD_CREDENTIALS":  # a right password on a locked account is no guess
            throttle.failed(address)
        raise
    throttle.succeeded(username)
    return Token(access_token=tokens.issue(user_id, session))


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=200)
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


@router.post(
    "/auth/password",
    summary="修改密码（首次登录或重置后必须先修改；其他登录随之失效）",
    responses={401: {"description": "用户名或原密码错误"}, 429: {"description": "失败次数过多"}},
)
async def change_password(
    request: Request,
    body: PasswordChange,
    conn: Conn,
    tokens: Annotated[TokenCodec, Depends(get_tokens)],
    throttle: Annotated[LoginThrottle, Depends(get_throttle)],
) -> Token:
    """Checked like a login (the same throttle and argon2 work), so it guesses no better;
    answers a token for the new session, every earlier token of the user ends."""
    # the policy is public: checked before the password, it costs no argon2 work
    check_new_password(body.username, body.current_password, body.new_password)
    username = body.username[:200]
    address = request.client.host if request.client else "unknown"
    throttle.before_attempt(username, address)
    try:
        user_id, _ = await authenticate(
            conn, body.username, body.current_password, changing_password=True
        )
    except DomainError as exc:
        if exc.code == "AUTH_BAD_CREDENTIALS":
            throttle.failed(address)
        raise
    throttle.succeeded(username)
    session = await change_own_password(conn, user_id, body.new_password)
    return Token(access_token=tokens.issue(user_id, session))


@router.post(
    "/auth/logout",
    status_code=204,
    summary="退出登录（本人所有已签发的令牌立即失效）",
    responses={401: {"description": "未登录或登录已失效"}},
)
async def logout(conn: Conn, user: CurrentUser) -> Response:
    await end_sessions(conn, user.user_id)
    return Response(status_code=204)


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
