"""``/admin/...``: organisation administration (组织机构管理) — units and departments, users,
deactivation, password resets, the organisation import and the audit trail.

Who may do what is in :mod:`assetpulse.org.admin_rules`; every write is audited by the
database (migration 5002).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, File, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from assetpulse.export_cells import content_disposition
from assetpulse.org import admin_store as store
from assetpulse.org import org_import
from assetpulse.org.admin_rules import UNIT_KINDS, admin_scope
from assetpulse.platform.api.deps import Conn, CurrentUser

router = APIRouter(prefix="/admin", tags=["organisation: administration"])

Text = Annotated[str, Field(max_length=200)]


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    region_code: str
    region_name: str
    parent_id: int | None
    address: str | None
    phone: str | None
    active_users: int
    department_users: int


class UnitsOut(BaseModel):
    system: bool = Field(description="系统管理员（全区划）或单位管理员（本单位）")
    units: list[UnitOut]
    user_types: list[dict[str, str]]
    kinds: dict[str, str]


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["finance", "competent", "unit", "department"]
    region_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    parent_id: int | None = Field(default=None, ge=1, le=2**62)
    address: Text | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None


class UnitPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: Text | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    unit_id: int
    unit_name: str
    department_id: int | None
    department_name: str | None
    user_type: str
    user_type_name: str | None
    roles: list[str]
    phone: str | None
    active: bool
    must_change_password: bool
    created_at: dt.datetime


Role = Literal["operator", "reviewer", "asset_user", "admin"]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=40)
    display_name: str = Field(min_length=1, max_length=100)
    unit_id: int = Field(ge=1, le=2**62)
    department_id: int | None = Field(default=None, ge=1, le=2**62)
    user_type: str = Field(pattern=r"^[0-9]{3}$")
    roles: list[Role] = Field(default_factory=list, max_length=4)
    phone: Annotated[str, Field(max_length=40)] | None = None


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    unit_id: int | None = Field(default=None, ge=1, le=2**62)
    department_id: int | None = Field(default=None, ge=1, le=2**62)
    user_type: str | None = Field(default=None, pattern=r"^[0-9]{3}$")
    roles: list[Role] | None = Field(default=None, max_length=4)
    phone: Annotated[str, Field(max_length=40)] | None = None


class CreatedUser(BaseModel):
    user: UserOut
    temporary_password: str = Field(description="只显示这一次；用户首次登录须修改")


class PasswordReset(BaseModel):
    temporary_password: str = Field(description="只显示这一次；用户下次登录须修改")


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_username: str | None
    actor_name: str | None
    entity: str
    entity_id: str
    action: str
    target_key: str | None
    target_name: str | None
    detail: dict[str, Any]


class ImportRow(BaseModel):
    sheet: str
    row: int
    key: str
    status: Literal["created", "updated", "unchanged", "error"]
    message: str
    temporary_password: str | None = None


class ImportReport(BaseModel):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    errors: int
    rows: list[ImportRow]


@router.get("/units", summary="可管理的单位和内设部门（单位树）")
async def units(conn: Conn, user: CurrentUser) -> UnitsOut:
    scope = admin_scope(user)
    return UnitsOut(
        system=scope.is_system,
        units=[UnitOut.model_validate(u) for u in await store.list_units(conn, scope)],
        user_types=await store.list_user_types(conn),
        kinds=UNIT_KINDS,
    )


@router.post("/units", status_code=201, summary="新增单位或内设部门")
async def create_unit(conn: Conn, user: CurrentUser, body: UnitIn) -> UnitOut:
    scope = admin_scope(user)
    unit_id = await store.create_unit(conn, user, scope, store.UnitInput(**body.model_dump()))
    return next(
        UnitOut.model_validate(u) for u in await store.list_units(conn, scope) if u["id"] == unit_id
    )


@router.patch("/units/{unit_id}", summary="修改单位名称、地址、电话")
async def update_unit(conn: Conn, user: CurrentUser, unit_id: int, body: UnitPatch) -> UnitOut:
    scope = admin_scope(user)
    await store.update_unit(conn, user, scope, unit_id, body.model_dump(exclude_unset=True))
    return next(
        UnitOut.model_validate(u) for u in await store.list_units(conn, scope) if u["id"] == unit_id
    )


@router.get("/users", summary="可管理的用户")
async def users(
    conn: Conn,
    user: CurrentUser,
    unit_id: Annotated[int | None, Query(ge=1, le=2**62, description="单位或部门")] = None,
    q: Annotated[str | None, Query(max_length=100, description="用户名或姓名")] = None,
    include_inactive: bool = True,
) -> list[UserOut]:
    scope = admin_scope(user)
    rows = await store.list_users(
        conn, scope, unit_id=unit_id, q=q, include_inactive=include_inactive
    )
    return [UserOut.model_validate(r) for r in rows]


@router.post("/users", status_code=201, summary="新增用户（生成临时密码，首次登录须修改）")
async def create_user(conn: Conn, user: CurrentUser, body: UserIn) -> CreatedUser:
    scope = admin_scope(user)
    data = store.UserInput(**{**body.model_dump(), "roles": frozenset(body.roles)})
    user_id, temp = await store.create_user(conn, user, scope, data)
    row = await store.user_row(conn, scope, user_id)
    return CreatedUser(user=UserOut.model_validate(row), temporary_password=temp)


@router.patch("/users/{user_id}", summary="修改用户（姓名、部门、用户类型、角色、电话）")
async def update_user(conn: Conn, user: CurrentUser, user_id: int, body: UserPatch) -> UserOut:
    scope = admin_scope(user)
    await store.update_user(conn, user, scope, user_id, body.model_dump(exclude_unset=True))
    return UserOut.model_validate(await store.user_row(conn, scope, user_id))


@router.post("/users/{user_id}/deactivate", summary="停用用户（立即退出所有登录）")
async def deactivate_user(conn: Conn, user: CurrentUser, user_id: int) -> UserOut:
    scope = admin_scope(user)
    await store.set_active(conn, user, scope, user_id, False)
    return UserOut.model_validate(await store.user_row(conn, scope, user_id))


@router.post("/users/{user_id}/activate", summary="启用用户")
async def activate_user(conn: Conn, user: CurrentUser, user_id: int) -> UserOut:
    scope = admin_scope(user)
    await store.set_active(conn, user, scope, user_id, True)
    return UserOut.model_validate(await store.user_row(conn, scope, user_id))


@router.post("/users/{user_id}/reset-password", summary="重置密码（临时密码，下次登录须修改）")
async def reset_password(conn: Conn, user: CurrentUser, user_id: int) -> PasswordReset:
    scope = admin_scope(user)
    return PasswordReset(temporary_password=await store.reset_password(conn, user, scope, user_id))


@router.get("/audit", summary="组织机构变更记录（谁、何时、改了什么、改前改后）")
async def audit(
    conn: Conn,
    user: CurrentUser,
    entity: Literal["org_user", "org_unit"] | None = None,
    entity_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditOut]:
    scope = admin_scope(user)
    rows = await store.audit_rows(conn, scope, entity=entity, entity_id=entity_id, limit=limit)
    return [AuditOut.model_validate(r) for r in rows]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/org-import/template",
    summary="组织机构导入模板（XLSX）",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def import_template(user: CurrentUser) -> Response:
    admin_scope(user)
    return Response(
        org_import.template(),
        media_type=XLSX,
        headers={
            "Content-Disposition": content_disposition(
                "组织机构导入模板.xlsx", "org-import-template.xlsx"
            )
        },
    )


@router.post(
    "/org-import",
    summary="导入组织机构（XLSX：“单位”和“人员”两张表），逐行报告",
    description=org_import.FORMAT_DOC,
)
async def import_org(
    conn: Conn,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="XLSX 文件")],
    dry_run: Annotated[bool, Query(description="只校验，不保存")] = False,
) -> ImportReport:
    scope = admin_scope(user)
    data = await file.read(org_import.MAX_BYTES + 1)
    org_import.check_size(data)
    sheets = await to_thread.run_sync(org_import.read_workbook, data)
    report = await org_import.apply(conn, user, scope, sheets, dry_run=dry_run)
    return ImportReport.model_validate(report)
