"""HTTP adapter of the monitor part (routes under /api/v1): idle-asset suggestions and
per-asset usage. A user sees and acts on their own unit's suggestions only; accepting and
dismissing need the operator role (经办岗)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from assetpulse.export_cells import content_disposition
from assetpulse.monitor.core.rules import load_rules
from assetpulse.monitor.db.health import sensor_health
from assetpulse.monitor.http import actions, rules_api, suggestion_list
from assetpulse.org.errors import forbidden
from assetpulse.org.principal import Principal, Role
from assetpulse.platform.api.deps import Conn, CurrentUser, get_settings
from assetpulse.settings import Settings

router = APIRouter(tags=["monitor"])
router.include_router(rules_api.router)
AppSettings = Annotated[Settings, Depends(get_settings)]


class Suggestion(BaseModel):
    id: int
    card_id: int
    asset_code: str
    card_name: str
    category_code: str
    unit_id: int
    verdict: Literal["idle", "under_used"]
    action: Literal["adjust", "share"]
    rule: str
    score: float
    metric: str
    metric_value: float
    evidence: dict[str, Any]
    evidence_zh: str
    evidence_en: str
    window_from: datetime
    window_to: datetime
    state: Literal["new", "accepted", "dismissed", "superseded"]
    created_at: datetime
    updated_at: datetime
    decided_by: int | None
    decided_at: datetime | None
    dismiss_reason: str | None
    snooze_until: datetime | None
    card_change_id: int | None
    unit_name: str | None = Field(default=None, description="资产所属单位")
    department_id: int | None = Field(default=None, description="使用部门（列表中给出）")
    department_name: str | None = None
    category_name: str | None = Field(default=None, description="资产分类名称（列表中给出）")


class SuggestionPage(BaseModel):
    items: list[Suggestion]
    total: int = Field(description="符合筛选条件的建议总数（所有页）")
    by_verdict: dict[str, int] = Field(description="其中各判定的条数：idle / under_used")
    limit: int
    offset: int


class Accept(BaseModel):
    note: str | None = Field(default=None, max_length=500, description="变动说明（可选）")


class Dismiss(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="忽略原因")
    snooze_days: int | None = Field(
        default=None, ge=1, le=730, description="在此天数内不再提示；不填则直到证据明显变化"
    )


class UsageBucket(BaseModel):
    start: datetime
    end: datetime
    in_use_s: float = Field(description="seconds in use (使用秒数)")
    sessions: int = Field(description="uses started in the bucket (开机/开灯次数)")
    temp_mean: float | None
    temp_max: float | None
    temp_rise: float | None
    distance_m: float = Field(description="distance moved, wild fixes and jitter left out")
    moving_s: float = Field(description="seconds moving (away from a stay point)")
    moved: bool | None = Field(description="moved (True) or parked (False); None: no position")
    lat: float | None = Field(description="last position: the stay's centre when parked")
    lon: float | None
    zones: list[str] = Field(description="dwell zones the asset was seen in")
    samples: int
    coverage: float
    coverage_by_signal: dict[str, float] = Field(
        description="photo / temp / loc: share of the bucket each signal observed"
    )
    coverage_by_sensor: dict[str, float] = Field(
        description="per sensor (minute and 15min buckets, computed from the readings)"
    )


class Usage(BaseModel):
    card_id: int
    bucket: str
    items: list[UsageBucket]


def _operator(user: Principal, what: str) -> None:
    if not user.has_role(Role.OPERATOR):
        raise forbidden(what)


# Bounded query parameters of the list and its export (every one optional)
StateQ = Annotated[
    Literal["new", "accepted", "dismissed", "superseded", "done", "all"],
    Query(description="done：已处理（已采纳、已忽略、已失效）"),
]
ActionQ = Annotated[Literal["adjust", "share"] | None, Query()]
VerdictQ = Annotated[Literal["idle", "under_used"] | None, Query(description="判定")]
IdQ = Annotated[int | None, Query(ge=1, le=2**62)]
CategoryQ = Annotated[
    str | None, Query(pattern=r"^[A-Z][0-9]{0,8}$", description="资产分类代码（前缀）")
]
ScoreQ = Annotated[float | None, Query(ge=0, le=1, description="评分（0–1）")]
KeywordQ = Annotated[str | None, Query(max_length=100, description="资产名称或编号包含")]
SortQ = Annotated[suggestion_list.Sort, Query(description="排序字段")]
OrderQ = Annotated[Literal["asc", "desc"], Query(description="升序 / 降序")]


def _filters(
    state: StateQ = "new",
    action: ActionQ = None,
    verdict: VerdictQ = None,
    unit_id: IdQ = None,
    department_id: IdQ = None,
    category: CategoryQ = None,
    min_score: ScoreQ = None,
    max_score: ScoreQ = None,
    q: KeywordQ = None,
    sort: SortQ = "score",
    order: OrderQ = "desc",
) -> suggestion_list.SuggestionQuery:
    """The selection and order the list and its export share (one dependency for both)."""
    return suggestion_list.SuggestionQuery(
        state=None if state == "all" else state,
        action=action,
        verdict=verdict,
        unit_id=unit_id,
        department_id=department_id,
        category=category,
        min_score=min_score,
        max_score=max_score,
        keyword=q,
        sort=sort,
        descending=order == "desc",
    )


Filters = Annotated[suggestion_list.SuggestionQuery, Depends(_filters)]


@router.get("/suggestions", summary="闲置资产建议（本单位；财政用户：本区划，主管部门：所属单位）")
async def list_suggestions(
    conn: Conn,
    user: CurrentUser,
    filters: Filters,
    card_id: IdQ = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,  # beyond bigint: 422 INPUT_OUT_OF_RANGE
) -> SuggestionPage:
    query = replace(filters, card_id=card_id, limit=limit, offset=offset)
    return SuggestionPage.model_validate(await suggestion_list.suggestion_page(conn, user, query))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/suggestions/export",
    summary="导出闲置资产建议（XLSX，与列表相同的筛选和排序）",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def export_suggestions(
    conn: Conn, user: CurrentUser, settings: AppSettings, filters: Filters
) -> Response:
    rows, total = await suggestion_list.export_rows(conn, user, filters)
    names = {r.id: r.name_zh for r in load_rules(settings.idle_rules_path).rules}
    return Response(
        suggestion_list.to_xlsx(rows, names),
        media_type=XLSX,
        headers={
            "Content-Disposition": content_disposition("闲置资产建议.xlsx", "suggestions.xlsx"),
            "X-Total-Count": str(total),
        },
    )


@router.get("/suggestions/{suggestion_id}", summary="闲置资产建议详情")
async def get_suggestion(conn: Conn, user: CurrentUser, suggestion_id: int) -> Suggestion:
    return Suggestion(**await actions.get_suggestion(conn, user, suggestion_id))


@router.post("/suggestions/{suggestion_id}/accept", summary="采纳建议：提出卡片变动")
async def accept(
    conn: Conn, user: CurrentUser, suggestion_id: int, body: Accept | None = None
) -> Suggestion:
    _operator(user, "采纳闲置资产建议")
    row = await actions.accept_suggestion(
        conn, user, suggestion_id, note=body.note if body else None
    )
    return Suggestion(**row)


@router.post("/suggestions/{suggestion_id}/dismiss", summary="忽略建议（需填写原因）")
async def dismiss(conn: Conn, user: CurrentUser, suggestion_id: int, body: Dismiss) -> Suggestion:
    _operator(user, "忽略闲置资产建议")
    row = await actions.dismiss_suggestion(
        conn, user, suggestion_id, reason=body.reason, snooze_days=body.snooze_days
    )
    return Suggestion(**row)


@router.get("/assets/{card_id}/usage", summary="资产使用情况（按分钟、15分钟、小时、日、周、月）")
async def usage(
    conn: Conn,
    user: CurrentUser,
    settings: AppSettings,
    card_id: int,
    start: Annotated[datetime, Query(alias="from", description="起始时间（带时区）")],
    end: Annotated[datetime, Query(alias="to", description="结束时间（不含，带时区）")],
    bucket: Annotated[Literal["minute", "15min", "hour", "day", "week", "month"], Query()] = "day",
) -> Usage:
    rows = await actions.card_usage(
        conn,
        user,
        card_id,
        start=start,
        end=end,
        bucket=bucket,
        site=(settings.site_lat, settings.site_lon),
    )
    return Usage(card_id=card_id, bucket=bucket, items=[UsageBucket(**r) for r in rows])


class GatewayHealth(BaseModel):
    gateway_id: str
    online: bool | None = Field(description="None: the gateway never reported its state")
    changed_at: datetime | None
    missing_messages: int = Field(description="messages lost in transit (seq gaps)")
    sensors: int


class UnboundSensor(BaseModel):
    sensor_id: str
    gateway_id: str
    first_t: datetime
    last_t: datetime
    readings: int
    last_seen: datetime


class DeadLetter(BaseModel):
    id: int
    received_at: datetime
    gateway_id: str | None
    reason: str
    reading_index: int | None
    detail: str


class ReasonCount(BaseModel):
    reason: str
    count: int


class GatewayMismatch(BaseModel):
    sensor_id: str
    registered_gateway: str | None
    readings: int = Field(description="readings refused in the last 7 days")
    from_gateways: list[str | None]
    last_at: datetime


class SensorHealth(BaseModel):
    gateways: list[GatewayHealth]
    offline_gateways: int
    unbound_sensors: list[UnboundSensor]
    dead_letters: list[DeadLetter]
    dead_letter_counts: list[ReasonCount]
    gateway_mismatch: list[GatewayMismatch] = Field(
        description="this unit's sensors another gateway sent readings for (refused)"
    )


@router.get("/sensor-health", summary="传感器状态：离线网关、未绑定传感器、死信（本单位，近 7 天）")
async def health(conn: Conn, user: CurrentUser) -> SensorHealth:
    return SensorHealth(**await sensor_health(conn, unit_id=user.unit_id))
