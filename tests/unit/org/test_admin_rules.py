"""Organisation administration rules: who administers what, user types, roles, passwords."""

from __future__ import annotations

import pytest

from assetpulse.org.admin_rules import (
    AdminScope,
    OrgAdminError,
    UnitFacts,
    admin_scope,
    check_new_password,
    check_new_unit,
    check_roles,
    check_user_type,
    manages_unit,
    parse_roles,
    parse_user_type,
    temporary_password,
)
from assetpulse.org.principal import Principal


def _p(unit_kind: str, user_type: str = "003", roles: tuple[str, ...] = ("admin",)) -> Principal:
    return Principal(1, "x", "x", 10, unit_kind, None, "460100", user_type, frozenset(roles))


HAIDA = UnitFacts(10, "unit", 2, "460100")
HAIDA_DEPT = UnitFacts(11, "department", 10, "460100")
OTHER = UnitFacts(20, "unit", 2, "460100")
SANYA = UnitFacts(30, "unit", 3, "460200")


def test_unit_admin_scope_when_checked_then_own_unit_and_its_departments_only() -> None:
    scope = admin_scope(_p("unit"))
    assert [manages_unit(scope, u) for u in (HAIDA, HAIDA_DEPT, OTHER)] == [True, True, False]


def test_finance_admin_scope_when_checked_then_whole_region() -> None:
    p = Principal(1, "x", "x", 1, "finance", None, "460000", "002", frozenset({"admin"}))
    scope = admin_scope(p)
    assert scope.region_prefix == "46"
    assert manages_unit(scope, SANYA)


def test_admin_scope_when_not_admin_then_refused() -> None:
    with pytest.raises(OrgAdminError) as exc:
        admin_scope(_p("unit", roles=("operator",)))
    assert exc.value.code == "ORG_ADMIN_ONLY"


def test_unit_admin_when_creating_a_unit_then_only_departments_of_own_unit() -> None:
    scope = AdminScope(unit_id=10)
    check_new_unit(scope, code="D-1", name="图书馆", kind="department", region_code="460100",
                   parent=HAIDA)  # fmt: skip
    for kind, parent in (("department", OTHER), ("unit", None)):
        with pytest.raises(OrgAdminError):
            check_new_unit(scope, code="D-2", name="x", kind=kind, region_code="460100",
                           parent=parent)  # fmt: skip


def test_user_type_when_not_matching_the_unit_then_refused() -> None:
    check_user_type(AdminScope(unit_id=10), "unit", "003")
    with pytest.raises(OrgAdminError):
        check_user_type(AdminScope(unit_id=10), "unit", "002")
    with pytest.raises(OrgAdminError):
        check_user_type(AdminScope(unit_id=10), "unit", "009")
    check_user_type(AdminScope(region_prefix="46"), "unit", "009")


def test_roles_when_admin_granted_below_system_then_refused() -> None:
    actor = _p("unit")
    with pytest.raises(OrgAdminError) as exc:
        check_roles(AdminScope(unit_id=10), actor, 5, frozenset(), frozenset({"admin"}))
    assert exc.value.code == "ORG_ADMIN_BY_SYSTEM"
    with pytest.raises(OrgAdminError) as own:
        check_roles(AdminScope(region_prefix="46"), actor, actor.user_id, frozenset({"admin"}),
                    frozenset({"admin", "operator"}))  # fmt: skip
    assert own.value.code == "ORG_OWN_ROLES"


def test_import_labels_when_typed_in_chinese_then_parsed() -> None:
    assert parse_roles("经办岗、审核岗, 资产使用人") == {"operator", "reviewer", "asset_user"}
    assert parse_user_type("002-财政用户") == "002"
    assert parse_user_type("3") == "003"


@pytest.mark.parametrize(
    ("new", "code"),
    [("ab1", "PASSWORD_TOO_SHORT"), ("abcdefghij", "PASSWORD_TOO_WEAK"),
     ("zhang2026", "PASSWORD_IS_USERNAME"), ("Old-pass-1", "PASSWORD_UNCHANGED")],
)  # fmt: skip
def test_new_password_when_weak_then_refused(new: str, code: str) -> None:
    with pytest.raises(OrgAdminError) as exc:
        check_new_password("zhang2026", "Old-pass-1", new)
    assert exc.value.code == code


def test_temporary_password_when_made_then_passes_the_policy() -> None:
    for _ in range(20):
        check_new_password("someone", "old", temporary_password())
