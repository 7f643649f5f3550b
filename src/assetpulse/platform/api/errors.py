"""Domain errors to HTTP: the one place that knows which kind means which status.

Every error body is ``{"error": {"code": ..., "message": ..., "detail": ...}}`` (API.md).
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from assetpulse.errors import DomainError, ErrorKind

log = structlog.get_logger(__name__)

STATUS = {
    ErrorKind.INVALID: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.THROTTLED: 429,
}


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if detail is not None:
        body["detail"] = detail
    return {"error": body}


def _jsonable(context: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | bool | None) else str(v)
        for k, v in context.items()
    }


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.kind is ErrorKind.UNAUTHENTICATED else None
        if exc.kind is ErrorKind.THROTTLED:
            headers = {"Retry-After": str(exc.context.get("retry_after_s", 60))}
        return JSONResponse(
            error_body(exc.code, exc.message, _jsonable(exc.context) or None),
            status_code=STATUS[exc.kind],
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"]}
            for e in exc.errors()
        ]
        names = "、".join(f["field"] for f in fields if f["field"]) or "请求"
        return JSONResponse(
            error_body("REQUEST_INVALID", f"请检查以下字段后重新提交：{names}", fields),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        message = {404: "请求的地址不存在。", 405: "不支持该请求方法。"}.get(
            exc.status_code, str(exc.detail)
        )
        return JSONResponse(error_body(code, message), status_code=exc.status_code)

    @app.exception_handler(DataError)
    async def out_of_range(_: Request, exc: DataError) -> JSONResponse:
        # Some limits only the database knows (a NUL in text, a number beyond numeric(16,2),
        # an id or offset beyond bigint). The request's transaction has rolled back when the
        # error arrives here (the connection dependency closes it), so nothing is half-written.
        return JSONResponse(
            error_body(
                "INPUT_OUT_OF_RANGE",
                "提交的内容超出允许范围（数值过大、编号无效或含有不可见控制字符），请检查后重新提交。",
                {"sqlstate": exc.sqlstate or ""},
            ),
            status_code=422,
        )

    @app.exception_handler(OperationalError)
    async def database_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable", error=str(exc))
        return JSONResponse(
            error_body("DATABASE_UNAVAILABLE", "数据库暂时不可用，请稍后重试。"),
            status_code=503,
            headers={"Retry-After": "5"},
        )
