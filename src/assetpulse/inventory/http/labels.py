"""Route: ``/labels`` — a printable A4 sheet (PDF) of QR / Code 128 labels for chosen cards,
drawn by the labels library; only cards the user may see are printed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from assetpulse.export_cells import content_disposition
from assetpulse.inventory import errors
from assetpulse.inventory.cards import visible_card
from assetpulse.inventory.labels import LabelInfo, label_sheet_pdf
from assetpulse.platform.api.deps import Conn, CurrentUser

router = APIRouter(tags=["inventory: labels"])

MAX_LABELS = 1000
DEPARTMENT_NAME = "select name from units where id = %s"


@router.get(
    "/labels",
    summary="资产标签打印 (PDF)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def labels(
    conn: Conn,
    user: CurrentUser,
    card_id: Annotated[list[int], Query(description="要打印标签的卡片，可重复")],
) -> Response:
    if not card_id:
        raise errors.invalid("LABELS_NO_CARDS", "请选择要打印标签的卡片。")
    if len(card_id) > MAX_LABELS:
        raise errors.invalid("LABELS_TOO_MANY", f"一次最多打印 {MAX_LABELS} 张标签，请分批打印。")
    infos: list[LabelInfo] = []
    for cid in card_id:
        card = await visible_card(conn, user, cid)
        note = card["location"] or ""
        if card["department_id"] is not None:
            cur = await conn.execute(DEPARTMENT_NAME, (card["department_id"],))
            row = await cur.fetchone()
            note = " ".join(x for x in (row[0] if row else "", note) if x)
        infos.append(LabelInfo(asset_code=card["asset_code"], name=card["name"], note=note))
    # fpdf2 embeds a large CJK font: seconds of CPU that must not block the event loop
    pdf = await run_in_threadpool(label_sheet_pdf, infos)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition("资产标签.pdf", "labels.pdf", inline=True)
        },
    )
