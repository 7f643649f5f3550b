"""Routes: ``/sensors`` and ``/sensors/{id}/bindings`` (单位管理员 or 经办岗 register/bind)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from assetpulse.inventory import sensors as sensor_store
from assetpulse.inventory.http.guards import require
from assetpulse.org.principal import Principal, Role
from assetpulse.platform.api.deps import Conn, CurrentUser

router = APIRouter(tags=["inventory: sensors"])


class SensorIn(BaseModel):
    sensor_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    kind: Literal["photo", "temp", "loc"] = Field(description="光电 / 温度 / 定位")
    gateway_id: str | None = None
    label: str | None = None


class BindingIn(BaseModel):
    card_id: int
    valid_from: AwareDatetime | None = Field(default=None, description="默认现在")
    valid_to: AwareDatetime | None = Field(default=None, description="空 = 一直有效，直到改绑")


def _may_manage(user: Principal) -> bool:
    return (
        user.unit_kind == "unit"
        and not user.is_finance
        and (user.has_role(Role.ADMIN) or user.has_role(Role.OPERATOR))
    )


def _may_read(user: Principal) -> bool:
    return user.unit_kind == "unit" and (_may_manage(user) or user.has_role(Role.REVIEWER))


@router.get("/sensors", summary="本单位传感器 (含当前绑定的卡片)")
async def list_sensors(conn: Conn, user: CurrentUser) -> list[dict[str, Any]]:
    require(_may_read(user), "查看传感器")
    return await sensor_store.list_sensors(conn, user.unit_id)


@router.post("/sensors", status_code=201, summary="登记传感器")
async def register(body: SensorIn, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    require(_may_manage(user), "登记传感器")
    await sensor_store.register_sensor(
        conn,
        sensor_id=body.sensor_id,
        kind=body.kind,
        unit_id=user.unit_id,
        gateway_id=body.gateway_id,
        label=body.label,
    )
    return await sensor_store.get_sensor(conn, body.sensor_id, user.unit_id)


@router.get("/sensors/{sensor_id}/bindings", summary="传感器绑定历史")
async def bindings(sensor_id: str, conn: Conn, user: CurrentUser) -> list[dict[str, Any]]:
    require(_may_read(user), "查看传感器")
    await sensor_store.get_sensor(conn, sensor_id, user.unit_id)
    return await sensor_store.list_bindings(conn, sensor_id)


@router.post("/sensors/{sensor_id}/bindings", status_code=201, summary="绑定 / 改绑到卡片")
async def bind(
    sensor_id: str, body: BindingIn, conn: Conn, user: CurrentUser
) -> list[dict[str, Any]]:
    require(_may_manage(user), "绑定传感器")
    valid_from = body.valid_from or datetime.now(UTC)
    await sensor_store.bind_sensor(
        conn,
        sensor_id=sensor_id,
        card_id=body.card_id,
        unit_id=user.unit_id,
        valid_from=valid_from,
        valid_to=body.valid_to,
    )
    return await sensor_store.list_bindings(conn, sensor_id)
