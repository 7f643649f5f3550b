"""Who may see or act on what: the platform's authorisation rules over a Principal.

- A bill is visible to the users of its unit and of every unit on its review chain.
- Operators (经办岗) of the bill's unit create, edit, delete, submit and cancel.
- Reviewers (审核岗) act at the nodes whose unit is theirs; the finance node also needs
  user type 002 财政用户.
- Listings on the plazas follow the scope rules in ``listings.py``; delist and result are
  for the publishing unit's operators.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from assetpulse.org.principal import Principal, Role
from assetpulse.platform.errors import PlatformError, forbidden


def require_operator(p: Principal, unit_id: int) -> None:
    if p.unit_id != unit_id or not p.has_role(Role.OPERATOR):
        raise forbidden("PLATFORM_OPERATOR_ONLY", "只有本单位的经办岗可以办理该业务。")


def can_view_bill(p: Principal, unit_id: int, chain_units: list[int]) -> bool:
    return p.unit_id == unit_id or p.unit_id in chain_units


def reviewer_nodes(p: Principal, chain: list[str], chain_units: list[int]) -> list[int]:
    """Indices of the chain's nodes at which ``p`` may decide."""
    if not p.has_role(Role.REVIEWER):
        return []
    return [
        i
        for i, (node, unit) in enumerate(zip(chain, chain_units, strict=True))
        if unit == p.unit_id and (node != "finance" or p.is_finance)
    ]


def not_reviewer() -> PlatformError:
    return forbidden("REVIEW_NOT_YOUR_NODE", "您不是该单据审核流程中的审核岗，不能审核。")


async def competent_of(conn: AsyncConnection[Any], unit_id: int) -> int | None:
    """The competent department (主管部门) a unit belongs to; itself when it is one."""
    cur = await conn.execute(
        "select case when kind = 'competent' then id else parent_id end from units where id = %s",
        (unit_id,),
    )
    row = await cur.fetchone()
    return None if row is None else row[0]


async def set_actor(conn: AsyncConnection[Any], p: Principal) -> None:
    """Name the actor for the audit triggers, for this transaction only."""
    await conn.execute("select set_config('assetpulse.actor_id', %s, true)", (str(p.user_id),))
