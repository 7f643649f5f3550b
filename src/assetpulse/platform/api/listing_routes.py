"""Plaza, listing, manage, preselection and matching endpoints."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from assetpulse.export_cells import content_disposition
from assetpulse.inventory.photos import photo_bytes, shown_to_other_units
from assetpulse.org.queries import load_principal
from assetpulse.platform import dashboard, rules
from assetpulse.platform.api.deps import Conn, CurrentUser, Objects, oauth2, token_claims
from assetpulse.platform.api.listing_schemas import (
    Capabilities,
    DelistBody,
    ListingDetail,
    Matches,
    PlazaPage,
    PlazaParams,
    PreselectAdded,
    PreselectBody,
    PreselectionRow,
    ResultBody,
    ResultOut,
)
from assetpulse.platform.errors import invalid
from assetpulse.platform.store import (
    compensation,
    export,
    listings_write,
    matches,
    mof_national,
    plaza,
    preselect,
)
from assetpulse.platform.store.access import competent_of

router = APIRouter(tags=["platform: plazas"])

Plaza = Literal["adjust", "share", "demand"]


def capabilities(user_type: str, kind: str) -> Capabilities:
    flags = rules.demand_tab_flags(user_type)
    return Capabilities(
        publish_demand_local=kind == "demand" and flags["local"],
        publish_demand_national=kind == "demand" and flags["national"],
        preselect=kind == "adjust",
    )


@router.get("/listings", summary="调剂 / 共享 / 需求广场", response_model=PlazaPage)
async def listings(
    request: Request,
    token: Annotated[str | None, Depends(oauth2)],
    params: Annotated[PlazaParams, Query()],
) -> Response:
    """The plaza page; ``total`` is counted up to 2000 and only when ``with_total``
    (pages ask for it on the first page and keep it while paging)."""
    # served by plaza_fast_path, mounted ahead of this router; this declaration is what
    # the OpenAPI schema documents and what serves if the fast path is not installed
    return await plaza_page(request, token, params)


async def plaza_page(request: Request, token: str | None, params: PlazaParams) -> Response:
    """The busiest endpoint takes a shorter path than the others: pool and principal without
    a dependency chain, and the body serialised once by orjson rather than validated against
    PlazaPage again (schemathesis checks the responses against the schema)."""
    state = request.app.state
    claims = token_claims(token, state.tokens)
    q = plaza.PlazaQuery(params.plaza, params.tab, params.region, params.category,
                         params.keyword, params.status, params.page, params.page_size,
                         params.with_total)  # fmt: skip
    async with state.pool.connection() as conn:
        user = await load_principal(conn, claims.user_id, claims.session)
        result = await plaza.plaza(conn, user, q, state.plaza_totals)
    body = {
        "plaza": params.plaza,
        "tab": params.tab,
        **result,
        "capabilities": capabilities(user.user_type, params.plaza).model_dump(),
    }
    return Response(orjson.dumps(body, default=str), media_type="application/json")


@router.get("/listings/capabilities", summary="页面按钮规则（发布需求、预选）")
async def listing_capabilities(
    user: CurrentUser, plaza_kind: Annotated[Plaza, Query(alias="plaza")] = "demand"
) -> Capabilities:
    return capabilities(user.user_type, plaza_kind)


@router.get(
    "/listings/export",
    summary="导出选中的资产（XLSX 或带 BOM 的 CSV）",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                "text/csv": {},
            }
        }
    },
)
async def export_rows(
    conn: Conn,
    user: CurrentUser,
    ids: Annotated[list[int], Query(min_length=1, max_length=1000)],
    fmt: Annotated[Literal["xlsx", "csv"], Query(alias="format")] = "xlsx",
) -> Response:
    rows = await plaza.rows_by_ids(conn, user, ids, await competent_of(conn, user.unit_id))
    if not rows:
        raise invalid("EXPORT_NOTHING", "请先在列表中选择要导出的资产。")
    if fmt == "csv":
        return Response(
            export.to_csv(rows), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": content_disposition("导出资产.csv", "listings.csv")},
        )  # fmt: skip
    return Response(
        export.to_xlsx(rows),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": content_disposition("导出资产.xlsx", "listings.xlsx")},
    )


@router.get("/listings/{listing_id}", summary="查看详情")
async def listing_detail(conn: Conn, user: CurrentUser, listing_id: int) -> ListingDetail:
    competent = await competent_of(conn, user.unit_id)
    return ListingDetail.model_validate(await plaza.detail(conn, user, listing_id, competent))


@router.get(
    "/listings/{listing_id}/photos/{photo_id}",
    summary="广场资产照片",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
async def listing_photo(
    conn: Conn, user: CurrentUser, objects: Objects, listing_id: int, photo_id: int
) -> Response:
    downlinked = await mof_national.photo(conn, objects, listing_id, photo_id)
    if downlinked is not None:  # another province's, as MOF sent it: shown to everyone
        content_type, data = downlinked
    else:
        competent = await competent_of(conn, user.unit_id)
        card_id = await plaza.listed_photo_card(conn, user, listing_id, photo_id, competent)
        content_type, _, data = await photo_bytes(conn, objects, card_id=card_id, photo_id=photo_id)
    shown = shown_to_other_units(content_type, data)  # the plaza is for other units
    etag = hashlib.sha256(shown).hexdigest()
    return Response(shown, media_type=content_type, headers={"ETag": f'"{etag}"'})


@router.get("/listings/{listing_id}/matches", summary="需求撮合：匹配的资产或需求")
async def listing_matches(conn: Conn, user: CurrentUser, listing_id: int) -> Matches:
    competent = await competent_of(conn, user.unit_id)
    return Matches.model_validate(await matches.matches(conn, user, listing_id, competent))


@router.post("/listings/{listing_id}/delist", summary="下架")
async def delist(
    conn: Conn, user: CurrentUser, listing_id: int, body: DelistBody | None = None
) -> ResultOut:
    await listings_write.delist(conn, user, listing_id, body.reason if body else None)
    return ResultOut(listing_id=listing_id, state="delisted", state_text="下架", result={})


@router.post("/listings/{listing_id}/result", summary="登记结果（调剂：并办理处置）")
async def register_result(
    conn: Conn, user: CurrentUser, listing_id: int, body: ResultBody
) -> ResultOut:
    c = body.compensation
    stored = None
    if c is not None:  # checked before anything is written
        stored = compensation.checked(
            dashboard.Compensation(
                c.mode, c.basis, c.period_start, c.period_end, c.amount_yuan, c.rate_yuan,
                c.rate_per,
            )
        )  # fmt: skip
    async with conn.transaction():  # the compensation is part of the same result
        result = await listings_write.register_result(
            conn, user, listing_id, method=body.method,
            counterpart_unit_name=body.counterpart_unit_name,
            counterpart_unit_id=body.counterpart_unit_id, dispose=body.dispose,
        )  # fmt: skip
        if stored is not None:
            await compensation.record(conn, listing_id, stored)
            result["compensation"] = stored
    return ResultOut(listing_id=listing_id, state="done", state_text="已登记结果", result=result)


@router.get("/preselections", summary="我的预选资产")
async def list_preselections(conn: Conn, user: CurrentUser) -> list[PreselectionRow]:
    return [PreselectionRow.model_validate(r) for r in await preselect.items(conn, user)]


@router.post("/preselections", status_code=201, summary="加入预选资产（可多选）")
async def add_preselections(conn: Conn, user: CurrentUser, body: PreselectBody) -> PreselectAdded:
    return PreselectAdded(added=await preselect.add(conn, user, body.listing_ids))


@router.delete("/preselections/{listing_id}", status_code=204, summary="取消预选")
async def remove_preselection(conn: Conn, user: CurrentUser, listing_id: int) -> Response:
    await preselect.remove(conn, user, listing_id)
    return Response(status_code=204)
