"""``/users``: whom a task can be handed to — own unit only, own department for asset users."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.inventory.helpers import API
from tests.fix_api import AuthHeaders


def test_users_list_is_scoped_to_unit_and_department(
    api: TestClient, auth: AuthHeaders, demo_units
) -> None:
    names = lambda user, **p: {  # noqa: E731
        u["username"] for u in api.get(f"{API}/users", params=p, headers=auth(user)).json()
    }
    assert names("hd_jb") == {"hd_jb", "hd_sh", "hd_wl", "hd_hq"}
    assert names("hd_jb", department_id=demo_units["D460001-02"]) == {"hd_hq"}
    assert names("hd_jb", role="reviewer") == {"hd_sh"}
    assert names("hd_wl") == {"hd_wl"}
    other = api.get(
        f"{API}/users", params={"department_id": demo_units["D460001-02"]}, headers=auth("hd_wl")
    )
    assert other.status_code == 403
    assert api.get(f"{API}/users", headers=auth("cz_sh")).status_code == 403
    assert api.get(f"{API}/users", headers=auth("jyt_sh")).status_code == 403
