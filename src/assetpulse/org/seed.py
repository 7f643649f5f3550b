"""A demo organisation in Hainan: finance, a competent department, two units, users.

Used by ``assetpulse run`` so that a newcomer can log in at once, and by the tests as the
standard cast. Every demo user's password is ``DEMO_PASSWORD``.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from assetpulse.org.passwords import hash_password

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - demo users only, printed by `run`


@dataclass(frozen=True, slots=True)
class DemoUnit:
    code: str
    name: str
    kind: str
    region: str
    parent: str | None


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    name: str
    unit: str
    department: str | None
    user_type: str
    roles: tuple[str, ...]


UNITS = (
    DemoUnit("F460000", "海南省财政厅", "finance", "460000", None),
    DemoUnit("C460001", "海南省教育厅", "competent", "460000", None),
    DemoUnit("U460001", "海南大学", "unit", "460100", "C460001"),
    DemoUnit("D460001-01", "物理学院", "department", "460100", "U460001"),
    DemoUnit("D460001-02", "后勤处", "department", "460100", "U460001"),
    DemoUnit("U460002", "海南师范大学", "unit", "460100", "C460001"),
    DemoUnit("D460002-01", "化学学院", "department", "460100", "U460002"),
    DemoUnit("C460201", "三亚市教育局", "competent", "460200", None),
    DemoUnit("U460201", "三亚市第一中学", "unit", "460200", "C460201"),
)

USERS = (
    DemoUser("cz_sh", "财政审核员", "F460000", None, "002", ("reviewer",)),
    DemoUser("cz_jb", "财政经办员", "F460000", None, "002", ("operator",)),
    # 系统管理员: the province's units and users (organisation administration)
    DemoUser("cz_gly", "财政系统管理员", "F460000", None, "002", ("admin",)),
    DemoUser("jyt_sh", "教育厅审核员", "C460001", None, "003", ("reviewer",)),
    DemoUser("hd_jb", "海大经办员", "U460001", None, "003", ("operator", "admin")),
    DemoUser("hd_sh", "海大审核员", "U460001", None, "003", ("reviewer",)),
    DemoUser("hd_wl", "物理学院资产员", "U460001", "D460001-01", "003", ("asset_user",)),
    DemoUser("hd_hq", "后勤处资产员", "U460001", "D460001-02", "003", ("asset_user",)),
    DemoUser("hs_jb", "海师经办员", "U460002", None, "003", ("operator", "admin")),
    DemoUser("hs_sh", "海师审核员", "U460002", None, "003", ("reviewer",)),
    DemoUser("sy_jb", "三亚一中经办员", "U460201", None, "003", ("operator",)),
    DemoUser("sy_sh", "三亚一中审核员", "U460201", None, "003", ("reviewer",)),
    DemoUser("syj_sh", "三亚教育局审核员", "C460201", None, "003", ("reviewer",)),
)


def seed_demo_org(conninfo: str) -> dict[str, int]:
    """Create the demo organisation once; returns unit code → id. Re-running is a no-op."""
    ids: dict[str, int] = {}
    with psycopg.connect(conninfo) as conn, conn.transaction():
        for u in UNITS:
            parent = ids.get(u.parent) if u.parent else None
            row = conn.execute(
                "insert into units (code, name, kind, region_code, parent_id)"
                " values (%s, %s, %s, %s, %s)"
                " on conflict (code) do update set name = excluded.name returning id",
                (u.code, u.name, u.kind, u.region, parent),
            ).fetchone()
            assert row is not None
            ids[u.code] = int(row[0])
        pw = hash_password(DEMO_PASSWORD)
        for user in USERS:
            conn.execute(
                "insert into users (username, password_hash, display_name, unit_id,"
                " department_id, user_type, roles) values (%s, %s, %s, %s, %s, %s, %s)"
                " on conflict (username) do nothing",
                (
                    user.username,
                    pw,
                    user.name,
                    ids[user.unit],
                    ids[user.department] if user.department else None,
                    user.user_type,
                    list(user.roles),
                ),
            )
    return ids
