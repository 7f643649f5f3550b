"""Organisation administration over HTTP (issue 16): scope of unit administrators, forced
password change, deactivation, the organisation import's row report, the audit trail.

Administrators act with tokens issued directly (``fast_auth``): argon2 runs only where
logging in is what a test is about."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook

from assetpulse.org.seed import DEMO_PASSWORD
from tests.fix_api import AuthHeaders

API = "/api/v1"


def _user_id(api: TestClient, fast_auth: AuthHeaders, username: str) -> int:
    rows = api.get(f"{API}/admin/users", params={"q": username}, headers=fast_auth("cz_gly")).json()
    return next(int(u["id"]) for u in rows if u["username"] == username)


def _login(api: TestClient, username: str, password: str) -> Any:
    return api.post(f"{API}/auth/token", data={"username": username, "password": password})


def _bearer(r: Any) -> dict[str, str]:
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_unit_admin_when_touching_another_unit_then_refused(
    api: TestClient, fast_auth: AuthHeaders, demo_units: dict[str, int]
) -> None:
    hd = fast_auth("hd_jb")  # 海南大学's administrator
    listed = {u["username"] for u in api.get(f"{API}/admin/users", headers=hd).json()}
    assert listed == {"hd_jb", "hd_sh", "hd_wl", "hd_hq"}
    units = {u["code"] for u in api.get(f"{API}/admin/units", headers=hd).json()["units"]}
    assert units == {"U460001", "D460001-01", "D460001-02"}
    other = _user_id(api, fast_auth, "hs_sh")
    for method, path, body in [
        ("patch", f"/admin/users/{other}", {"display_name": "改名"}),
        ("post", f"/admin/users/{other}/deactivate", None),
        ("post", f"/admin/users/{other}/reset-password", None),
    ]:
        r = api.request(method, API + path, json=body, headers=hd)
        assert r.status_code == 404, (path, r.text)
    new_in_other = {"username": "hs_new", "display_name": "新人", "unit_id": demo_units["U460002"],
                    "user_type": "003", "roles": ["operator"]}  # fmt: skip
    r = api.post(f"{API}/admin/users", json=new_in_other, headers=hd)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "ORG_OUT_OF_SCOPE")
    dept = {"code": "D460002-09", "name": "外单位部门", "kind": "department",
            "parent_id": demo_units["U460002"]}  # fmt: skip
    assert api.post(f"{API}/admin/units", json=dept, headers=hd).status_code == 403
    # nor may a unit administrator appoint administrators; the system administrator may
    hd_sh = _user_id(api, fast_auth, "hd_sh")
    r = api.patch(f"{API}/admin/users/{hd_sh}", json={"roles": ["reviewer", "admin"]}, headers=hd)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "ORG_ADMIN_BY_SYSTEM")
    r = api.patch(
        f"{API}/admin/users/{hd_sh}",
        json={"roles": ["reviewer", "admin"]},
        headers=fast_auth("cz_gly"),
    )
    assert r.status_code == 200
    assert set(r.json()["roles"]) == {"reviewer", "admin"}
    # the system administrator builds units anywhere in the province, not outside it
    unit = {"code": "U460003", "name": "海南医科大学", "kind": "unit", "region_code": "460100",
            "parent_id": demo_units["C460001"]}  # fmt: skip
    r = api.post(f"{API}/admin/units", json=unit, headers=fast_auth("cz_gly"))
    assert r.status_code == 201, r.text
    assert (
        api.post(f"{API}/admin/units", json={**unit, "code": "U9"}, headers=hd).status_code == 403
    )
    r = api.post(f"{API}/admin/units", json={**unit, "code": "U440001", "region_code": "440100"},
                 headers=fast_auth("cz_gly"))  # fmt: skip
    assert (r.status_code, r.json()["error"]["code"]) == (403, "ORG_OUT_OF_SCOPE")
    # a user below the department level is not an administrator of anything
    r = api.get(f"{API}/admin/users", headers=fast_auth("hd_wl"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "ORG_ADMIN_ONLY")


def test_new_user_when_logging_in_first_then_must_change_password(
    api: TestClient, fast_auth: AuthHeaders, demo_units: dict[str, int]
) -> None:
    body = {"username": "hd_new", "display_name": "新经办员", "unit_id": demo_units["U460001"],
            "department_id": demo_units["D460001-02"], "user_type": "003",
            "roles": ["operator"]}  # fmt: skip
    r = api.post(f"{API}/admin/users", json=body, headers=fast_auth("hd_jb"))
    assert r.status_code == 201, r.text
    temp = r.json()["temporary_password"]
    assert r.json()["user"]["must_change_password"] is True
    r = _login(api, "hd_new", temp)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "AUTH_PASSWORD_CHANGE_REQUIRED")
    change = {"username": "hd_new", "current_password": temp, "new_password": "short1"}
    r = api.post(f"{API}/auth/password", json=change)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "PASSWORD_TOO_SHORT")
    r = api.post(f"{API}/auth/password", json={**change, "new_password": "Haida2026new"})
    me = api.get(f"{API}/me", headers=_bearer(r)).json()
    assert (me["username"], me["department_id"]) == ("hd_new", demo_units["D460001-02"])
    session = _bearer(_login(api, "hd_new", "Haida2026new"))
    assert api.get(f"{API}/me", headers=session).status_code == 200
    # a reset ends the sessions and asks for a new password again
    user_id = me["user_id"]
    r = api.post(f"{API}/admin/users/{user_id}/reset-password", headers=fast_auth("hd_jb"))
    assert r.status_code == 200
    assert api.get(f"{API}/me", headers=session).status_code == 401
    assert _login(api, "hd_new", "Haida2026new").status_code == 401
    r = _login(api, "hd_new", r.json()["temporary_password"])
    assert r.json()["error"]["code"] == "AUTH_PASSWORD_CHANGE_REQUIRED"


def test_deactivated_user_when_logging_in_then_refused_and_sessions_ended(
    api: TestClient, fast_auth: AuthHeaders
) -> None:
    session = _bearer(_login(api, "hd_sh", DEMO_PASSWORD))
    target = _user_id(api, fast_auth, "hd_sh")
    r = api.post(f"{API}/admin/users/{target}/deactivate", headers=fast_auth("hd_jb"))
    assert r.status_code == 200
    assert r.json()["active"] is False
    assert api.get(f"{API}/me", headers=session).status_code == 401
    r = _login(api, "hd_sh", DEMO_PASSWORD)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "AUTH_ACCOUNT_DISABLED")
    # the wrong password learns nothing about the account
    assert _login(api, "hd_sh", "wrong-password").json()["error"]["code"] == "AUTH_BAD_CREDENTIALS"
    me = _user_id(api, fast_auth, "hd_jb")
    r = api.post(f"{API}/admin/users/{me}/deactivate", headers=fast_auth("hd_jb"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "ORG_NOT_ON_SELF")
    assert (
        api.post(f"{API}/admin/users/{target}/activate", headers=fast_auth("hd_jb")).status_code
        == 200
    )
    assert _login(api, "hd_sh", DEMO_PASSWORD).status_code == 200


def _workbook(units: list[list[str]], users: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "单位"
    ws.append(["单位编码*", "单位名称*", "单位类型*", "财政区划", "上级单位编码", "地址", "电话"])
    for row in units:
        ws.append(row)
    people = wb.create_sheet("人员")
    people.append(["用户名*", "姓名*", "单位编码*", "部门编码", "用户类型*", "角色", "电话"])
    for row in users:
        people.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_org_import_when_rows_mixed_then_each_row_reported(
    api: TestClient, fast_auth: AuthHeaders
) -> None:
    data = _workbook(
        [
            ["D460001-03", "图书馆", "内设部门", "", "U460001", "图书馆一楼", ""],
            ["D460002-05", "外单位部门", "内设部门", "", "U460002", "", ""],
            ["D460001-04", "教务处", "科室", "", "U460001", "", ""],
        ],
        [
            ["hd_lib", "图书馆资产员", "U460001", "D460001-03", "003", "资产使用人", ""],
            ["hd_sh", "海大审核员", "U460001", "", "003-预算单位用户", "审核岗", "0898-1234"],
            ["hd_bad", "角色写错", "U460001", "", "003", "会计", ""],
            ["hs_x", "外单位人员", "U460002", "", "003", "经办岗", ""],
        ],
    )
    files = {"file": ("org.xlsx", data, "application/octet-stream")}

    def run(dry: bool) -> dict[str, Any]:
        r = api.post(f"{API}/admin/org-import", params={"dry_run": dry}, files=files,
                     headers=fast_auth("hd_jb"))  # fmt: skip
        assert r.status_code == 200, r.text
        return dict(r.json())

    dry = run(True)
    assert (dry["created"], dry["updated"], dry["errors"]) == (2, 1, 4)
    assert (
        api.get(f"{API}/admin/users", params={"q": "hd_lib"}, headers=fast_auth("hd_jb")).json()
        == []
    )
    report = run(False)
    by_row = {(r["sheet"], r["row"]): r for r in report["rows"]}
    assert by_row[("单位", 2)]["status"] == "created"
    assert by_row[("单位", 3)]["status"] == "error"
    assert (
        "管理范围" in by_row[("单位", 3)]["message"] or "本单位" in by_row[("单位", 3)]["message"]
    )
    assert "单位类型" in by_row[("单位", 4)]["message"]
    assert by_row[("人员", 2)]["status"] == "created"
    assert by_row[("人员", 2)]["temporary_password"]
    assert by_row[("人员", 3)]["status"] == "updated"
    assert "会计" in by_row[("人员", 4)]["message"]
    assert by_row[("人员", 5)]["status"] == "error"
    lib = api.get(f"{API}/admin/users", params={"q": "hd_lib"}, headers=fast_auth("hd_jb")).json()
    assert [(u["department_name"], u["roles"]) for u in lib] == [("图书馆", ["asset_user"])]
    again = run(False)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    # the template is what the import reads: empty, it imports nothing and refuses nothing
    blank = api.get(f"{API}/admin/org-import/template", headers=fast_auth("hd_jb")).content
    r = api.post(f"{API}/admin/org-import", files={"file": ("t.xlsx", blank)},
                 headers=fast_auth("hd_jb"))  # fmt: skip
    assert (r.status_code, r.json()["rows"]) == (200, [])


def test_org_changes_when_made_then_audited_with_actor_and_before_after(
    api: TestClient, fast_auth: AuthHeaders
) -> None:
    target = _user_id(api, fast_auth, "hd_sh")
    hd = fast_auth("hd_jb")
    assert (
        api.patch(
            f"{API}/admin/users/{target}", json={"display_name": "审核员甲"}, headers=hd
        ).status_code
        == 200
    )
    assert api.post(f"{API}/admin/users/{target}/reset-password", headers=hd).status_code == 200
    assert api.post(f"{API}/admin/users/{target}/deactivate", headers=hd).status_code == 200
    rows = api.get(
        f"{API}/admin/audit", params={"entity": "org_user", "entity_id": target}, headers=hd
    ).json()
    assert [r["action"] for r in rows] == ["deactivated", "password_reset", "updated", "created"]
    assert {r["actor_username"] for r in rows[:3]} == {"hd_jb"}
    assert rows[2]["detail"] == {"before": {"display_name": "海大审核员"},
                                 "after": {"display_name": "审核员甲"}}  # fmt: skip
    assert rows[1]["detail"]["after"]["password"] == "changed"
    assert "password_hash" not in str(rows)
    assert "argon2" not in str(rows)
    assert rows[0]["detail"]["after"] == {"active": False}
    # another unit's administrator sees none of it
    other = api.get(
        f"{API}/admin/audit", params={"entity": "org_user", "entity_id": target},
        headers=fast_auth("hs_jb"),
    )  # fmt: skip
    assert other.json() == []
