"""Routes of the GB/T 14885 code tables: what the installation has, and loading the
official code table and the 2010 → 2022 correspondence (系统管理员 of a finance department:
the tables serve every unit of the province)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from assetpulse.inventory import errors
from assetpulse.inventory.categories import store
from assetpulse.inventory.http.guards import require
from assetpulse.org.principal import Principal, Role
from assetpulse.platform.api.deps import Conn, CurrentUser

router = APIRouter()
MAX_TABLE_BYTES = 20 * 1024 * 1024


def can_load_categories(user: Principal) -> bool:
    return user.is_finance and user.has_role(Role.ADMIN)


async def _read(file: UploadFile) -> bytes:
    data = await file.read(MAX_TABLE_BYTES + 1)
    if len(data) > MAX_TABLE_BYTES:
        raise errors.invalid("CATEGORY_FILE_TOO_LARGE", "文件超过 20 MB，请检查是否选错了文件。")
    return data


@router.get("/categories/status", summary="分类代码表现状（演示子集或已导入的官方表）")
async def categories_status(conn: Conn, _: CurrentUser) -> dict[str, Any]:
    return await store.status(conn)


@router.post(
    "/categories/import", summary="导入 GB/T 14885-2022 分类代码表 (XLSX / CSV，系统管理员)"
)
async def import_codes(
    conn: Conn,
    user: CurrentUser,
    file: Annotated[
        UploadFile, File(description="XLSX 或 CSV，表头：分类代码、分类名称[、上级代码]")
    ],
    dry_run: Annotated[bool, Form(description="只检查，不导入")] = False,
) -> dict[str, Any]:
    require(can_load_categories(user), "导入分类代码表（须为财政部门的系统管理员）")
    return await store.load_codes(
        conn, data=await _read(file), file_name=file.filename or "", actor_id=user.user_id,
        dry_run=dry_run,
    )  # fmt: skip


@router.post(
    "/categories/map-2010/import",
    summary="导入 GB/T 14885 2010→2022 代码对应表 (XLSX / CSV，系统管理员)",
)
async def import_map_2010(
    conn: Conn,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="XLSX 或 CSV，表头：2010版代码、2022版代码")],
    dry_run: Annotated[bool, Form(description="只检查，不导入")] = False,
) -> dict[str, Any]:
    require(can_load_categories(user), "导入 2010→2022 代码对应表（须为财政部门的系统管理员）")
    return await store.load_map_2010(
        conn, data=await _read(file), file_name=file.filename or "", actor_id=user.user_id,
        dry_run=dry_run,
    )  # fmt: skip
