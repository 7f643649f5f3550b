"""Errors of authentication and authorisation."""

from __future__ import annotations

from assetpulse.errors import DomainError, ErrorKind


class OrgError(DomainError):
    """Root of organisation errors."""


def bad_credentials() -> OrgError:
    return OrgError(
        "AUTH_BAD_CREDENTIALS", "用户名或密码错误，请重新输入。", kind=ErrorKind.UNAUTHENTICATED
    )


def not_authenticated() -> OrgError:
    return OrgError(
        "AUTH_REQUIRED", "登录已失效或未登录，请重新登录。", kind=ErrorKind.UNAUTHENTICATED
    )


def forbidden(what: str) -> OrgError:
    return OrgError(
        "AUTH_FORBIDDEN", f"您没有权限{what}，请联系本单位管理员。", kind=ErrorKind.FORBIDDEN
    )


def account_disabled() -> OrgError:
    return OrgError(
        "AUTH_ACCOUNT_DISABLED", "该账号已停用，请联系本单位管理员。", kind=ErrorKind.FORBIDDEN
    )


def password_change_required() -> OrgError:
    return OrgError(
        "AUTH_PASSWORD_CHANGE_REQUIRED",
        "首次登录或密码已被管理员重置，请先设置新密码。",
        kind=ErrorKind.FORBIDDEN,
    )
