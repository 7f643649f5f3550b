"""Errors of the inventory part: cards, card changes (卡片变动), sensors, imports, 盘点.

Tree::

    InventoryError (DomainError)
        every error below is an InventoryError with a stable ``code``; the kind says
        which HTTP status the API answers with (only the API layer knows that).

Messages are Chinese and say what to do next.
"""

from __future__ import annotations

from typing import Any

from assetpulse.errors import DomainError, ErrorKind


class InventoryError(DomainError):
    """Root of inventory errors."""


def card_not_found(card_id: int) -> InventoryError:
    return InventoryError(
        "CARD_NOT_FOUND",
        "资产卡片不存在或不属于您可查看的范围，请核对卡片编号。",
        kind=ErrorKind.NOT_FOUND,
        card_id=card_id,
    )


def forbidden(what: str, **context: Any) -> InventoryError:
    return InventoryError(
        "INVENTORY_FORBIDDEN",
        f"您没有权限{what}，请联系本单位资产管理经办岗或审核岗。",
        kind=ErrorKind.FORBIDDEN,
        **context,
    )


def invalid(code: str, message: str, **context: Any) -> InventoryError:
    return InventoryError(code, message, kind=ErrorKind.INVALID, **context)


def conflict(code: str, message: str, **context: Any) -> InventoryError:
    return InventoryError(code, message, kind=ErrorKind.CONFLICT, **context)


def not_found(code: str, message: str, **context: Any) -> InventoryError:
    return InventoryError(code, message, kind=ErrorKind.NOT_FOUND, **context)


def card_version_conflict(card_id: int, expected: int, actual: int) -> InventoryError:
    return conflict(
        "CARD_VERSION_CONFLICT",
        f"资产卡片已被修改（当前版本 {actual}，提交依据版本 {expected}），"
        "请刷新卡片后重新发起变动。",
        card_id=card_id,
        expected_version=expected,
        actual_version=actual,
    )


def change_conflict(
    card_id: int, change_id: int, fields: list[str], message: str
) -> InventoryError:
    return conflict(
        "CHANGE_CONFLICT", message, card_id=card_id, change_id=change_id, fields=",".join(fields)
    )


def card_not_active(card_id: int, status: str) -> InventoryError:
    return conflict(
        "CARD_NOT_ACTIVE",
        "该资产卡片已处置或已拆分，不能再办理业务。",
        card_id=card_id,
        status=status,
    )
