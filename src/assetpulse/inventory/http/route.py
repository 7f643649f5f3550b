"""The route class of every inventory router: values the database cannot hold become a
clear 422 instead of a server error.

Pydantic checks shape; some limits only the database knows (a NUL character in text, a
number beyond numeric(16,2), an id beyond bigint). Such a DataError happens inside the
handler's transaction, which has rolled back by the time it arrives here, so nothing was
half-written.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from psycopg import errors as pg_errors

from assetpulse.inventory import errors


class InventoryRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except pg_errors.DataError as exc:
                raise errors.invalid(
                    "INPUT_OUT_OF_RANGE",
                    "提交的内容超出允许范围（数值过大、编号无效或含有不可见控制字符），请检查后重新提交。",
                    sqlstate=exc.sqlstate or "",
                ) from exc

        return guarded
