"""Organisation and people: fiscal regions (财政区划), the unit tree, users, authentication.

Users carry a user type (``002`` 财政用户 finance, ``003`` 预算单位用户 budget unit) and roles
within their unit (``operator`` 经办岗, ``reviewer`` 审核岗, ``asset_user`` 资产使用人).
"""

from assetpulse.org.errors import OrgError
from assetpulse.org.principal import Principal, Role, UserType
from assetpulse.org.tokens import TokenCodec

__all__ = ["OrgError", "Principal", "Role", "TokenCodec", "UserType"]
