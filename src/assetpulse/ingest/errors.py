"""Errors of the ingest part (遥测入库).

Tree::

    DomainError
    └── IngestError            INGEST_* codes: the worker cannot start as configured

Bad telemetry is not an error here: the decoder turns it into dead-letter values
(``model.Reason``), because a gateway's mistake must never stop the worker.
"""

from __future__ import annotations

from assetpulse.errors import DomainError, ErrorKind


class IngestError(DomainError):
    """Root of ingest errors."""


def not_configured(missing: list[str]) -> IngestError:
    return IngestError(
        "INGEST_NOT_CONFIGURED",
        f"缺少配置 {', '.join(missing)}：请设置这些环境变量，"
        "或使用 `assetpulse run` 自动启动数据库和消息服务器。",
        kind=ErrorKind.INVALID,
        missing=missing,
    )
