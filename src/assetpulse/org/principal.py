"""Who is acting: the authenticated user with unit, region, user type and roles."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UserType(StrEnum):
    FINANCE = "002"  # 财政用户
    BUDGET_UNIT = "003"  # 预算单位用户


class Role(StrEnum):
    OPERATOR = "operator"  # 经办岗
    REVIEWER = "reviewer"  # 审核岗
    ASSET_USER = "asset_user"  # 资产使用人
    ADMIN = "admin"  # 单位管理员: users, sensors, imports


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    unit_id: int
    unit_kind: str  # finance | competent | unit | department
    department_id: int | None
    region_code: str
    user_type: str
    roles: frozenset[str]

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles

    @property
    def is_finance(self) -> bool:
        return self.user_type == UserType.FINANCE
