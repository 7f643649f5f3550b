"""Asset cards (资产信息卡): reading them within the principal's scope, and creating them.

Card business that changes a card lives in ``changes`` (卡片变动) and ``lifecycle``
(recall, split, return to stock, disposal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from assetpulse.inventory import errors
from assetpulse.inventory.journal import audit
from assetpulse.inventory.rules import STATUS_LABELS
from assetpulse.org.principal import Principal
from assetpulse.org.scope import CardFacts, ReadScope, can_read_card, card_read_scope

CARD_COLUMNS = (
    "c.id, c.asset_code, c.name, c.category_code, c.unit_id, c.department_id, c.user_id,"
    " c.location, c.status, c.shareable, c.quantity, c.area, c.measure_unit, c.brand, c.model,"
    " c.spec, c.serial_no, c.original_value, c.net_value, c.acquired_on, c.funding_source,"
    " c.accounting_subject, c.usage_direction, c.attributes, c.parent_card_id, c.version,"
    " c.created_at, c.updated_at, u.parent_id as unit_parent_id, u.region_code,"
    " exists (select 1 from card_photos p where p.card_id = c.id and p.state = 'attached')"
    " as has_photo"
)

CARD_BY_ID = f"""
select {CARD_COLUMNS} from asset_cards c join units u on u.id = c.unit_id where c.id = %s
"""

LOCK_CARD = "select version from asset_cards where id = %s for update"

# Who may see a card (c: asset_cards, u: its unit), from org.scope.ReadScope through
# ``scope_params``: every query that lists cards or what hangs on them uses this one text.
CARD_READ_SCOPE = """not %(nothing)s
  and (%(unit_id)s::bigint is null or c.unit_id = %(unit_id)s)
  and (%(scope_dept)s::bigint is null
       or c.department_id = %(scope_dept)s or c.user_id = %(me)s)
  and (%(scope_user)s::bigint is null or c.user_id = %(scope_user)s)
  and (%(parent_unit)s::bigint is null
       or c.unit_id = %(parent_unit)s or u.parent_id = %(parent_unit)s)
  and (%(region)s::text is null or u.region_code like %(region)s || '%%')"""

# Every filter is optional: a NULL parameter switches it off.
LIST_CARDS = f"""
select {CARD_COLUMNS}
from asset_cards c join units u on u.id = c.unit_id
where {CARD_READ_SCOPE}
  and (%(status)s::text is null or c.status = %(status)s)
  and (%(shareable)s::boolean is null or c.shareable = %(shareable)s)
  and (%(category)s::text is null or c.category_code like %(category)s || '%%')
  and (%(department)s::bigint is null or c.department_id = %(department)s)
  and (%(code)s::text is null or c.asset_code = %(code)s)
  and (%(publishable)s::text is null or (
        c.status not in ('disposed', 'split')
        and exists (select 1 from card_photos p where p.card_id = c.id and p.state = 'attached')
        and ((%(publishable)s = 'adjust' and c.status in ('idle', 'pending_disposal'))
             or (%(publishable)s = 'share' and c.shareable))))
order by c.id
limit %(limit)s offset %(offset)s
"""

INSERT_CARD = """
insert into asset_cards (asset_code, name, category_code, unit_id, department_id, user_id,
    location, status, shareable, quantity, area, measure_unit, brand, model, spec, serial_no,
    original_value, net_value, acquired_on, funding_source, accounting_subject,
    usage_direction, attributes, parent_card_id)
values (%(asset_code)s, %(name)s, %(category_code)s, %(unit_id)s, %(department_id)s,
    %(user_id)s, %(location)s, %(status)s, %(shareable)s, %(quantity)s, %(area)s,
    %(measure_unit)s, %(brand)s, %(model)s, %(spec)s, %(serial_no)s, %(original_value)s,
    %(net_value)s, %(acquired_on)s, %(funding_source)s, %(accounting_subject)s,
    %(usage_direction)s, %(attributes)s, %(parent_card_id)s)
returning id
"""

CARD_FIELDS = (
    "asset_code",
    "name",
    "category_code",
    "department_id",
    "user_id",
    "location",
    "status",
    "shareable",
    "quantity",
    "area",
    "measure_unit",
    "brand",
    "model",
    "spec",
    "serial_no",
    "original_value",
    "net_value",
    "acquired_on",
    "funding_source",
    "accounting_subject",
    "usage_direction",
    "attributes",
)

DEPARTMENT_OF_UNIT = "select 1 from units where id = %s and parent_id = %s and kind = 'department'"
USER_OF_UNIT = "select 1 from users where id = %s and unit_id = %s"
CATEGORY_EXISTS = "select 1 from categories where code = %s"
CODE_EXISTS = "select 1 from asset_cards where asset_code = %s"


@dataclass(frozen=True, slots=True)
class CardFilters:
    status: str | None = None
    shareable: bool | None = None
    category: str | None = None
    department_id: int | None = None
    publishable: str | None = None  # "adjust" | "share"
    asset_code: str | None = None
    limit: int = 200
    offset: int = 0


def facts(card: Mapping[str, Any]) -> CardFacts:
    return CardFacts(
        unit_id=card["unit_id"],
        unit_parent_id=card["unit_parent_id"],
        unit_region_code=card["region_code"],
        department_id=card["department_id"],
        user_id=card["user_id"],
    )


def present(card: Mapping[str, Any]) -> dict[str, Any]:
    """The card as the API shows it, with the Chinese status label users know."""
    out = {k: v for k, v in card.items() if k not in ("unit_parent_id", "region_code")}
    out["status_label"] = STATUS_LABELS.get(card["status"], card["status"])
    return out


async def load_card(conn: AsyncConnection[Any], card_id: int) -> dict[str, Any] | None:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(CARD_BY_ID, (card_id,))
    return await cur.fetchone()


async def visible_card(conn: AsyncConnection[Any], p: Principal, card_id: int) -> dict[str, Any]:
    """The card, or CARD_NOT_FOUND when it does not exist or is outside the user's scope."""
    card = await load_card(conn, card_id)
    if card is None or not can_read_card(p, facts(card)):
        raise errors.card_not_found(card_id)
    return card


async def lock_card(conn: AsyncConnection[Any], card_id: int) -> dict[str, Any]:
    """Lock the card row for this transaction and return it fresh."""
    await conn.execute(LOCK_CARD, (card_id,))
    card = await load_card(conn, card_id)
    if card is None:
        raise errors.card_not_found(card_id)
    return card


def scope_params(scope: ReadScope, me: int) -> dict[str, Any]:
    return {
        "nothing": scope.nothing,
        "unit_id": scope.unit_id,
        "scope_dept": scope.department_id,
        "scope_user": scope.user_id,
        "me": me,
        "parent_unit": scope.parent_unit_id,
        "region": scope.region_prefix,
    }


async def list_cards(
    conn: AsyncConnection[Any], p: Principal, filters: CardFilters
) -> list[dict[str, Any]]:
    params = scope_params(card_read_scope(p), p.user_id) | {
        "status": filters.status,
        "shareable": filters.shareable,
        "category": filters.category,
        "department": filters.department_id,
        "publishable": filters.publishable,
        "code": filters.asset_code,
        "limit": filters.limit,
        "offset": filters.offset,
    }
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LIST_CARDS, params)
    return [present(r) for r in await cur.fetchall()]


async def check_references(
    conn: AsyncConnection[Any], *, unit_id: int, values: Mapping[str, Any]
) -> None:
    """Department, user and category must exist and belong to the card's unit."""
    dept = values.get("department_id")
    if dept is not None:
        cur = await conn.execute(DEPARTMENT_OF_UNIT, (dept, unit_id))
        if await cur.fetchone() is None:
            raise errors.invalid(
                "DEPARTMENT_NOT_IN_UNIT",
                "所选部门不是本单位的内设部门，请重新选择。",
                department_id=dept,
            )
    user = values.get("user_id")
    if user is not None:
        cur = await conn.execute(USER_OF_UNIT, (user, unit_id))
        if await cur.fetchone() is None:
            raise errors.invalid(
                "USER_NOT_IN_UNIT", "所选使用人不是本单位人员，请重新选择。", user_id=user
            )
    category = values.get("category_code")
    if category is not None:
        cur = await conn.execute(CATEGORY_EXISTS, (category,))
        if await cur.fetchone() is None:
            raise errors.invalid(
                "CATEGORY_UNKNOWN",
                f"资产分类代码 {category} 不存在，请按 GB/T 14885-2022 选择。",
                category_code=category,
            )


async def insert_card(
    conn: AsyncConnection[Any],
    *,
    unit_id: int,
    values: Mapping[str, Any],
    actor_id: int,
    parent_card_id: int | None = None,
    how: str = "created",
) -> int:
    """Insert one card (caller holds the transaction and has checked references)."""
    row = {f: values.get(f) for f in CARD_FIELDS}
    row["status"] = row["status"] or "in_use"
    row["shareable"] = bool(row["shareable"])
    row["attributes"] = Jsonb(row["attributes"] or {})
    row["unit_id"] = unit_id
    row["parent_card_id"] = parent_card_id
    cur = await conn.execute(INSERT_CARD, row)
    got = await cur.fetchone()
    assert got is not None
    card_id = int(got[0])
    await audit(
        conn,
        actor_id=actor_id,
        entity="card",
        entity_id=card_id,
        action=how,
        detail={"asset_code": row["asset_code"]},
    )
    return card_id


async def create_card(
    conn: AsyncConnection[Any], *, unit_id: int, values: Mapping[str, Any], actor_id: int
) -> int:
    """新增卡片: one card in its own transaction, references checked, code unique."""
    async with conn.transaction():
        cur = await conn.execute(CODE_EXISTS, (values["asset_code"],))
        if await cur.fetchone() is not None:
            raise errors.conflict(
                "ASSET_CODE_TAKEN",
                f"资产编号 {values['asset_code']} 已存在，请使用其他编号。",
                asset_code=values["asset_code"],
            )
        await check_references(conn, unit_id=unit_id, values=values)
        return await insert_card(conn, unit_id=unit_id, values=values, actor_id=actor_id)
