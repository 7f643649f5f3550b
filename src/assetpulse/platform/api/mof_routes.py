"""MOF summary-system exchange endpoints (汇总系统上报、反馈与全国下发).

The files are signed (Ed25519, ``docs/mof-exchange.md``): report batches with this
province's key, feedback and national downlink files by MOF, checked against the keys in
settings before anything is read from them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from assetpulse.errors import ErrorKind
from assetpulse.platform import mofformat
from assetpulse.platform.api.deps import Conn, CurrentUser, Objects
from assetpulse.platform.api.listing_schemas import FeedbackOut, ReportOut
from assetpulse.platform.api.mof_schemas import FeedbackLine, NationalItem, NationalOut
from assetpulse.platform.errors import PlatformError, invalid
from assetpulse.platform.mofkeys import ExchangeKeys, KeySettingError
from assetpulse.platform.store import mof, mof_national

router = APIRouter(tags=["platform: MOF exchange"])

FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "财政部签名的交换文件（JSON Lines，格式见 docs/mof-exchange.md）",
        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
    }
}


def exchange_keys(request: Request) -> ExchangeKeys:
    """The keys from settings, read once per app (a key file is read at first use)."""
    state = request.app.state
    keys: ExchangeKeys | None = getattr(state, "mof_keys", None)
    if keys is None:
        try:
            keys = ExchangeKeys.from_settings(state.settings)
        except KeySettingError as exc:
            raise PlatformError(
                "MOF_KEY_SETTING_INVALID",
                "汇总系统签名密钥配置有误，请联系系统管理员。",
                kind=ErrorKind.UNAVAILABLE,
                detail=str(exc),
            ) from None
        state.mof_keys = keys
    return keys


async def _verified(request: Request, expect: str) -> mofformat.Document:
    keys = exchange_keys(request).verifiers()
    try:
        return mofformat.read_document(await request.body(), keys, expect)
    except mofformat.ExchangeFileError as exc:
        raise invalid(exc.code, exc.message) from None


def _lines(model: type[Any], items: list[dict[str, Any]]) -> list[Any]:
    try:
        return [model.model_validate(item) for item in items]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise invalid(
            "MOF_FILE_INVALID", f"交换文件条目不符合格式：{where} {first['msg']}"
        ) from None


@router.post("/mof/reports", status_code=201, summary="生成上报批次（财政用户，本省签名）")
async def build_report(
    conn: Conn, user: CurrentUser, objects: Objects, request: Request
) -> ReportOut:
    mof.require_finance(user)
    key = exchange_keys(request).signer()
    return ReportOut.model_validate(await mof.build_report(conn, objects, user, key))


@router.get("/mof/reports", summary="上报历史")
async def report_history(conn: Conn, user: CurrentUser) -> list[ReportOut]:
    return [ReportOut.model_validate(r) for r in await mof.reports(conn, user)]


@router.get("/mof/reports/{report_id}/file", summary="下载上报文件（JSON Lines，Ed25519 签名）")
async def report_file(conn: Conn, user: CurrentUser, report_id: int) -> Response:
    row = await mof.report_file(conn, user, report_id)
    return Response(
        bytes(row["content"]),
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="{row["file_name"]}"',
            "X-Checksum-SHA256": row["sha256"],
            "X-Signature-Key-Id": row["key_id"] or "",
        },
    )


@router.post(
    "/mof/feedback",
    summary="导入财政部反馈文件（须财政部签名；通过 → 02；退回 → 单位）",
    openapi_extra=FILE_BODY,
)
async def import_feedback(conn: Conn, user: CurrentUser, request: Request) -> FeedbackOut:
    mof.require_finance(user)
    doc = await _verified(request, "feedback")
    if not doc.header.get("in_reply_to"):
        raise invalid("MOF_FILE_INVALID", "反馈文件缺少所答复的上报批次号（in_reply_to）。")
    items = [line.model_dump(exclude={"seq"}) for line in _lines(FeedbackLine, doc.items)]
    mof.check_feedback_items(items)
    return FeedbackOut.model_validate(await mof.import_feedback(conn, user, doc, items))


@router.post(
    "/mof/national",
    summary="导入全国下发文件（须财政部签名；刷新全国页签的其他省份资产）",
    openapi_extra=FILE_BODY,
)
async def import_national(
    conn: Conn, user: CurrentUser, objects: Objects, request: Request
) -> NationalOut:
    mof.require_finance(user)
    doc = await _verified(request, "national")
    _lines(NationalItem, doc.items)
    out = await mof_national.import_national(conn, objects, user, doc)
    return NationalOut.model_validate(out)
