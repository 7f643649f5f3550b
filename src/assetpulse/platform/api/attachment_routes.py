"""附件: files uploaded from the demand form (POST /attachments) and their download.

Not under the platform router: its guard refuses any body holding a NUL byte, which every
binary file does. The download address carries a random token; any logged-in user who was
given it (a demand's 查看详情 on the plaza) may fetch the file, always as a download. The bytes
live in the object store (objects/) under their sha256; the row keeps name, type and size."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Response, UploadFile
from pydantic import BaseModel

from assetpulse.objects import stored_bytes
from assetpulse.org.principal import Role
from assetpulse.platform.api.deps import Conn, CurrentUser, Objects
from assetpulse.platform.errors import forbidden, invalid, not_found

router = APIRouter(tags=["platform: attachments"])

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# what a demand's 附件 is (说明, 图纸, 报价, 照片); anything else is refused by its suffix
TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain; charset=utf-8",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "zip": "application/zip",
}
INSERT = """
insert into attachments (token, unit_id, uploaded_by, name, content_type, byte_size, sha256)
values (%s, %s, %s, %s, %s, %s, %s)
"""
SELECT = "select name, content_type, sha256, data from attachments where token = %s"


class AttachmentOut(BaseModel):
    name: str
    url: str


def _suffix(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


@router.post("/attachments", status_code=201, summary="上传附件（需求发布单，经办岗）")
async def upload(
    conn: Conn,
    user: CurrentUser,
    objects: Objects,
    file: Annotated[UploadFile, File(description="PDF、Word、Excel、图片、文本或 ZIP，10 MB 以内")],
) -> AttachmentOut:
    if not user.has_role(Role.OPERATOR):
        raise forbidden("PLATFORM_OPERATOR_ONLY", "只有经办岗可以上传附件。")
    name = (file.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    kind = TYPES.get(_suffix(name))
    if not name or kind is None:
        raise invalid(
            "ATTACHMENT_TYPE_REFUSED",
            "附件只能是 PDF、Word、Excel、图片（JPG/PNG）、文本或 ZIP 文件。",
            name=name,
        )
    data = await file.read(MAX_ATTACHMENT_BYTES + 1)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise invalid("ATTACHMENT_TOO_LARGE", "附件超过 10 MB，请压缩或分成几个文件上传。")
    if not data:
        raise invalid("ATTACHMENT_EMPTY", "附件是空文件，请重新选择。")
    token = secrets.token_urlsafe(32)
    digest = await objects.put(data, content_type=kind)  # before the row that names it
    await conn.execute(INSERT, (token, user.unit_id, user.user_id, name, kind, len(data), digest))
    return AttachmentOut(name=name, url=f"/api/v1/attachments/{token}")


@router.get(
    "/attachments/{token}",
    summary="下载附件",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def fetch(conn: Conn, _: CurrentUser, objects: Objects, token: str) -> Response:
    cur = await conn.execute(SELECT, (token[:100],))
    row = await cur.fetchone()
    if row is None:
        raise not_found("附件", "ATTACHMENT_NOT_FOUND")
    name, content_type, sha256, legacy = row
    return Response(
        await stored_bytes(objects, sha256, legacy),
        media_type=content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
