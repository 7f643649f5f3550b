"""Organisation administration rules (组织机构管理) — pure, no I/O.

Who may manage what:

- 系统管理员 (a user with role ``admin`` in a finance unit, user type 002): every unit,
  department and user of their fiscal region (a province code covers its cities and
  counties); they alone appoint or remove administrators, move users between units and
  create finance, competent and budget units.
- 单位管理员 (role ``admin`` in a competent department or budget unit): their own unit and
  its internal departments (内设部门, one level below the unit) and the users of that unit;
  they cannot grant or take the ``admin`` role.
- Nobody changes their own roles, deactivates themselves or resets their own password here
  (the change-password form is for that), so an administrator cannot lock everyone out
  by accident or raise their own rights.

User types follow the unit: 002 财政用户 in finance units, 003 预算单位用户 elsewhere; any
other type of the ``user_types`` table only the system administrator assigns.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from assetpulse.errors import DomainError, ErrorKind
from assetpulse.org.principal import Principal, Role, UserType
from assetpulse.org.scope import region_prefix

UNIT_KINDS = {
    "finance": "财政部门",
    "competent": "主管部门",
    "unit": "预算单位",
    "department": "内设部门",
}
ROLES = {
    Role.OPERATOR.value: "经办岗",
    Role.REVIEWER.value: "审核岗",
    Role.ASSET_USER.value: "资产使用人",
    Role.ADMIN.value: "管理员",
}
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,40}$")
UNIT_CODE = re.compile(r"^[A-Za-z0-9_.-]{2,40}$")
MIN_PASSWORD = 8
# no 0/O or 1/l/I: a temporary password is read aloud or copied from a screen
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class OrgAdminError(DomainError):
    """A refused administration request; the message says what to do."""


def _invalid(code: str, message: str) -> OrgAdminError:
    return OrgAdminError(code, message, kind=ErrorKind.INVALID)


def _forbidden(code: str, message: str) -> OrgAdminError:
    return OrgAdminError(code, message, kind=ErrorKind.FORBIDDEN)


@dataclass(frozen=True, slots=True)
class UnitFacts:
    id: int
    kind: str
    parent_id: int | None
    region_code: str


@dataclass(frozen=True, slots=True)
class AdminScope:
    """Either a region prefix (system administrator) or one unit with its departments."""

    region_prefix: str | None = None
    unit_id: int | None = None

    @property
    def is_system(self) -> bool:
        return self.region_prefix is not None


def admin_scope(p: Principal) -> AdminScope:
    """The part of the organisation ``p`` administers; refused when none."""
    if not p.has_role(Role.ADMIN) or p.unit_kind == "department":
        raise _forbidden("ORG_ADMIN_ONLY", "只有管理员可以维护组织机构和用户，请联系本单位管理员。")
    if p.unit_kind == "finance" and p.is_finance:
        return AdminScope(region_prefix=region_prefix(p.region_code))
    return AdminScope(unit_id=p.unit_id)


def owning_unit(unit: UnitFacts) -> int:
    """The budget unit (or competent department) a department belongs to, else itself."""
    if unit.kind == "department" and unit.parent_id is not None:
        return unit.parent_id
    return unit.id


def manages_unit(scope: AdminScope, unit: UnitFacts) -> bool:
    if scope.region_prefix is not None:
        return unit.region_code.startswith(scope.region_prefix)
    return owning_unit(unit) == scope.unit_id


def require_unit(scope: AdminScope, unit: UnitFacts) -> None:
    if not manages_unit(scope, unit):
        raise _forbidden(
            "ORG_OUT_OF_SCOPE", "该单位不在您的管理范围内（单位管理员只能管理本单位）。"
        )


def check_new_unit(
    scope: AdminScope, *, code: str, name: str, kind: str, region_code: str,
    parent: UnitFacts | None,
) -> None:  # fmt: skip
    """A unit or department may be created here: a unit administrator adds departments
    of their own unit; the system administrator anything inside the region."""
    if not UNIT_CODE.match(code):
        raise _invalid("ORG_UNIT_CODE_INVALID", "单位编码须为 2–40 位字母、数字或 - _ .。")
    if not name.strip():
        raise _invalid("ORG_UNIT_NAME_REQUIRED", "请填写单位名称。")
    if kind not in UNIT_KINDS:
        raise _invalid(
            "ORG_UNIT_KIND_INVALID", "单位类型须为财政部门、主管部门、预算单位或内设部门。"
        )
    if kind == "department":
        if parent is None or parent.kind not in ("unit", "competent"):
            raise _invalid(
                "ORG_DEPARTMENT_PARENT", "内设部门的上级须为预算单位或主管部门，请选择所属单位。"
            )
        if region_code != parent.region_code:
            raise _invalid("ORG_DEPARTMENT_REGION", "内设部门的财政区划须与所属单位相同。")
    elif parent is not None and parent.kind == "department":
        raise _invalid("ORG_PARENT_IS_DEPARTMENT", "内设部门下不能再建单位。")
    if scope.region_prefix is None:
        if kind != "department" or parent is None or parent.id != scope.unit_id:
            raise _forbidden(
                "ORG_OUT_OF_SCOPE",
                "单位管理员只能在本单位下新增内设部门；新增单位请联系系统管理员。",
            )
    elif not region_code.startswith(scope.region_prefix):
        raise _forbidden("ORG_OUT_OF_SCOPE", "该财政区划不在您的管理范围内。")
    if parent is not None and scope.region_prefix is not None:
        require_unit(scope, parent)


def check_user_type(scope: AdminScope, unit_kind: str, user_type: str) -> None:
    if user_type == UserType.FINANCE:
        if unit_kind != "finance":
            raise _invalid("ORG_USER_TYPE_MISMATCH", "002-财政用户只能属于财政部门。")
    elif user_type == UserType.BUDGET_UNIT:
        if unit_kind == "finance":
            raise _invalid("ORG_USER_TYPE_MISMATCH", "财政部门的用户类型应为 002-财政用户。")
    elif not scope.is_system:
        raise _forbidden("ORG_USER_TYPE_SYSTEM_ONLY", "其他用户类型只能由系统管理员设置。")


def check_roles(
    scope: AdminScope, actor: Principal, target_id: int | None,
    old_roles: frozenset[str], new_roles: frozenset[str],
) -> None:  # fmt: skip
    unknown = new_roles - set(ROLES)
    if unknown:
        raise _invalid("ORG_ROLE_UNKNOWN", f"未知的角色：{'、'.join(sorted(unknown))}。")
    if target_id == actor.user_id and new_roles != old_roles:
        raise _forbidden("ORG_OWN_ROLES", "不能修改自己的角色，请联系上级管理员。")
    admin = Role.ADMIN.value
    if (admin in new_roles) != (admin in old_roles) and not scope.is_system:
        raise _forbidden("ORG_ADMIN_BY_SYSTEM", "任命或撤销管理员须由系统管理员办理。")


def check_department(department: UnitFacts | None, unit_id: int) -> None:
    if department is not None and (
        department.kind != "department" or department.parent_id != unit_id
    ):
        raise _invalid("ORG_DEPARTMENT_NOT_OF_UNIT", "所选部门不是该用户所在单位的内设部门。")


def check_username(username: str) -> None:
    if not USERNAME.match(username):
        raise _invalid("ORG_USERNAME_INVALID", "用户名须为 3–40 位字母、数字或 _ . @ -。")


def check_not_self(actor: Principal, target_id: int, what: str) -> None:
    if actor.user_id == target_id:
        raise _forbidden("ORG_NOT_ON_SELF", f"不能{what}自己的账号，请联系其他管理员。")


def check_new_password(username: str, current: str, new: str) -> None:
    """At least 8 characters with letters and digits, not the username, not the old one."""
    if len(new) < MIN_PASSWORD:
        raise _invalid("PASSWORD_TOO_SHORT", f"新密码至少 {MIN_PASSWORD} 位。")
    if not (re.search(r"[A-Za-z]", new) and re.search(r"[0-9]", new)):
        raise _invalid("PASSWORD_TOO_WEAK", "新密码须同时包含字母和数字。")
    if new.lower() == username.lower():
        raise _invalid("PASSWORD_IS_USERNAME", "新密码不能与用户名相同。")
    if new == current:
        raise _invalid("PASSWORD_UNCHANGED", "新密码不能与原密码相同。")


def temporary_password() -> str:
    """12 characters from an unambiguous alphabet, always with a letter and a digit."""
    while True:
        pw = "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(12))
        if re.search(r"[A-Za-z]", pw) and re.search(r"[0-9]", pw):
            return pw


# -- import rows: the labels people type in a workbook --------------------------------------

_KIND_BY_LABEL = {**{v: k for k, v in UNIT_KINDS.items()}, **{k: k for k in UNIT_KINDS}}
_ROLE_BY_LABEL = {
    **{v: k for k, v in ROLES.items()},
    **{k: k for k in ROLES},
    "经办": Role.OPERATOR.value,
    "审核": Role.REVIEWER.value,
    "使用人": Role.ASSET_USER.value,
    "单位管理员": Role.ADMIN.value,
}


def parse_kind(text: str) -> str:
    kind = _KIND_BY_LABEL.get(text.strip())
    if kind is None:
        raise _invalid(
            "ORG_UNIT_KIND_INVALID",
            f"单位类型“{text}”无法识别（财政部门/主管部门/预算单位/内设部门）。",
        )
    return kind


def parse_roles(text: str) -> frozenset[str]:
    roles: set[str] = set()
    for part in re.split(r"[,，、;；/\s]+", text.strip()):
        if not part:
            continue
        role = _ROLE_BY_LABEL.get(part)
        if role is None:
            raise _invalid(
                "ORG_ROLE_UNKNOWN", f"角色“{part}”无法识别（经办岗/审核岗/资产使用人/管理员）。"
            )
        roles.add(role)
    return frozenset(roles)


def parse_user_type(text: str) -> str:
    """``002``, ``2``, ``002-财政用户`` or ``财政用户`` → ``002``."""
    t = text.strip()
    m = re.match(r"^(\d{1,3})", t)
    if m:
        return m.group(1).zfill(3)
    by_name = {"财政用户": UserType.FINANCE.value, "预算单位用户": UserType.BUDGET_UNIT.value}
    if t in by_name:
        return by_name[t]
    raise _invalid(
        "ORG_USER_TYPE_INVALID", f"用户类型“{text}”无法识别（如 002-财政用户、003-预算单位用户）。"
    )
