"""调剂优先核查 against PostgreSQL: candidates in the viewer's sight, the record, its export.

Listings are offered as the plaza would show them to the checking unit (``can_see``), the
unit's own listed assets included (re-use inside the unit is re-use too); idle suggestions
as the monitor lets the unit see them (its own, its units' when it is a competent
department, the province's for finance). What was offered is copied into the record, so an
auditor reads what the operator saw even after the listing is gone.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.export_cells import append_row, beijing_time
from assetpulse.org.principal import Principal, Role
from assetpulse.platform import purchase_check as core
from assetpulse.platform.errors import conflict, forbidden, not_found
from assetpulse.platform.store.access import competent_of, set_actor
from assetpulse.platform.store.plaza import can_see

LIMIT = 500
LISTINGS = """
select 'listing' as source, l.id as listing_id, null::bigint as suggestion_id, l.kind, l.name,
       u.name as unit_name, l.category_code, l.region_code, l.quantity, l.area,
       l.unit_id, l.state, l.review_code, l.scope, l.province, l.competent_id
from listings l join units u on u.id = l.unit_id
where l.kind in ('adjust', 'share') and l.state = 'listed'
  and (%(top)s::text is null or l.category_code like %(top)s || '%%')
  and (l.review_code = '02' or l.province = %(province)s)
order by l.listed_at desc limit %(limit)s
"""
SUGGESTED = """
select 'suggestion' as source, null::bigint as listing_id, s.id as suggestion_id,
       s.action as kind, c.name, un.name as unit_name, c.category_code, un.region_code,
       c.quantity, c.area
from suggestions s join asset_cards c on c.id = s.card_id join units un on un.id = s.unit_id
where s.state in ('new', 'accepted')
  and (%(top)s::text is null or c.category_code like %(top)s || '%%')
  and not exists (select 1 from bill_lines b where b.card_id = s.card_id and b.active)
  and (s.unit_id = %(unit)s or un.parent_id = %(unit)s
       or (%(finance)s and left(un.region_code, 2) = %(province)s))
limit %(limit)s
"""
INSERT = """
insert into purchase_checks (check_no, unit_id, checked_by, acquisition, asset_name, category_code,
    quantity, area, measure_unit, region_code, needed_on, description, outcome, decided_at)
values ('HC' || to_char(now() at time zone 'Asia/Shanghai', 'YYYYMMDD')
        || lpad(nextval('purchase_check_no_seq')::text, 6, '0'),
        %(unit)s, %(user)s, %(acquisition)s, %(asset_name)s, %(category_code)s, %(quantity)s,
        %(area)s, %(measure_unit)s, %(region_code)s, %(needed_on)s, %(description)s, %(outcome)s,
        case when %(outcome)s <> 'open' then now() end)
returning id
"""
INSERT_OFFER = """
insert into purchase_check_offers (check_id, position, source, listing_id, suggestion_id, kind,
    name, unit_name, category_code, region_code, quantity, area, score, reasons)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
# who reads a record: its unit, the competent department above it, the province's finance
IN_SIGHT = """(c.unit_id = %(unit)s or u.parent_id = %(unit)s
     or (%(finance)s and left(u.region_code, 2) = %(province)s))"""
SELECT = f"""
select c.*, u.name as unit_name, us.display_name as checked_by_name,
       cat.name as category_name, r.name as region_name, ua.display_name as attached_by_name
from purchase_checks c join units u on u.id = c.unit_id join users us on us.id = c.checked_by
left join users ua on ua.id = c.attached_by
left join categories cat on cat.code = c.category_code
left join regions r on r.code = c.region_code
where {IN_SIGHT}
"""
OFFERS = """
select o.*, ud.display_name as decided_by_name from purchase_check_offers o
left join users ud on ud.id = o.decided_by where o.check_id = %s order by o.position
"""


def _sight(p: Principal) -> dict[str, Any]:
    return {"unit": p.unit_id, "province": p.region_code[:2],
            "finance": p.is_finance and p.unit_kind == "finance"}  # fmt: skip


def _operator(p: Principal, unit_id: int | None = None) -> None:
    if not p.has_role(Role.OPERATOR) or (unit_id is not None and p.unit_id != unit_id):
        raise forbidden("CHECK_OPERATOR_ONLY", "只有本单位的经办岗可以办理调剂优先核查。")


async def create(conn: AsyncConnection[Any], p: Principal, need: dict[str, Any]) -> dict[str, Any]:
    """Run the check now: find what fits, record it with every offer pending."""
    _operator(p)
    top = (need["category_code"] or "")[:3] or None
    params = {**_sight(p), "top": top, "limit": LIMIT}
    competent = await competent_of(conn, p.unit_id)
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LISTINGS, params)
    candidates = [r for r in await cur.fetchall() if can_see(p, r, competent)]
    await cur.execute(SUGGESTED, params)
    candidates += await cur.fetchall()
    found = core.offers(
        core.Need(need["asset_name"], need["category_code"], need["region_code"],
                  need["quantity"], need["area"], need["needed_on"]),
        candidates, dt.datetime.now(dt.UTC).date(),
    )  # fmt: skip
    async with conn.transaction():
        await set_actor(conn, p)
        row = await (
            await conn.execute(
                INSERT,
                {
                    **need,
                    "unit": p.unit_id,
                    "user": p.user_id,
                    "outcome": core.outcome(["pending"] * len(found)),
                },
            )
        ).fetchone()
        assert row is not None
        check_id = int(row[0])
        async with conn.cursor() as ins:
            await ins.executemany(INSERT_OFFER, [
                (check_id, i, o["source"], o["listing_id"], o["suggestion_id"], o["kind"],
                 o["name"], o["unit_name"], o["category_code"], o["region_code"],
                 o["quantity"], o["area"], o["score"], o["reasons"])
                for i, o in enumerate(found, start=1)
            ])  # fmt: skip
    return await get(conn, p, check_id)


def _shape(c: dict[str, Any], offers: list[dict[str, Any]] | None) -> dict[str, Any]:
    out = {
        **c,
        "acquisition_text": core.ACQUISITION_TEXT[c["acquisition"]],
        "outcome_text": core.OUTCOME_TEXT[c["outcome"]],
    }
    if offers is not None:
        out["offers"] = [
            {**o, "source_text": core.SOURCE_TEXT[o["source"]],
             "outcome_text": core.OFFER_OUTCOME_TEXT[o["outcome"]],
             "kind_text": "调剂" if o["kind"] == "adjust" else "共享"}
            for o in offers
        ]  # fmt: skip
    return out


async def get(conn: AsyncConnection[Any], p: Principal, check_id: int) -> dict[str, Any]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(SELECT + " and c.id = %(id)s", {**_sight(p), "id": check_id})
    row = await cur.fetchone()
    if row is None:
        raise not_found("核查记录", "CHECK_NOT_FOUND", check_id=check_id)
    await cur.execute(OFFERS, (check_id,))
    return _shape(row, await cur.fetchall())


async def items(conn: AsyncConnection[Any], p: Principal, limit: int = 200) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        SELECT + " order by c.checked_at desc, c.id desc limit %(limit)s",
        {**_sight(p), "limit": limit},
    )
    return [_shape(r, None) for r in await cur.fetchall()]


async def _lock(conn: AsyncConnection[Any], p: Principal, check_id: int) -> dict[str, Any]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(SELECT + " and c.id = %(id)s for update of c", {**_sight(p), "id": check_id})
    row = await cur.fetchone()
    if row is None:
        raise not_found("核查记录", "CHECK_NOT_FOUND", check_id=check_id)
    _operator(p, row["unit_id"])
    if row["attached_at"] is not None:
        raise conflict(
            "CHECK_ALREADY_ATTACHED",
            f"该核查记录已关联采购申请 {row['purchase_ref']}，不能再修改。",
            check_id=check_id,
        )
    return row


DECIDE = """
update purchase_check_offers set outcome = %s, decline_reason = %s, decided_by = %s,
       decided_at = now()
where check_id = %s and position = %s
"""


async def decide(
    conn: AsyncConnection[Any], p: Principal, check_id: int, decisions: list[dict[str, Any]]
) -> dict[str, Any]:
    """Take or decline offers (a decline needs its reason); the record's outcome follows."""
    async with conn.transaction():
        await _lock(conn, p, check_id)
        positions = {
            r[0] for r in await (await conn.execute(
                "select position from purchase_check_offers where check_id = %s", (check_id,)
            )).fetchall()
        }  # fmt: skip
        for d in decisions:
            if d["position"] not in positions:
                raise not_found("核查中的资产", "CHECK_OFFER_NOT_FOUND", position=d["position"])
            reason = core.check_decision(d["outcome"], d.get("reason"))
            await conn.execute(DECIDE, (d["outcome"], reason, p.user_id, check_id, d["position"]))
        states = [r[0] for r in await (await conn.execute(
            "select outcome from purchase_check_offers where check_id = %s", (check_id,)
        )).fetchall()]  # fmt: skip
        await conn.execute(
            "update purchase_checks set outcome = %s,"
            " decided_at = case when %s <> 'open' then now() end where id = %s",
            (core.outcome(states), core.outcome(states), check_id),
        )
    return await get(conn, p, check_id)


async def attach(
    conn: AsyncConnection[Any], p: Principal, check_id: int, ref: str, title: str | None
) -> dict[str, Any]:
    """Tie the record to the purchase request (采购申请) it justifies; then it is frozen."""
    async with conn.transaction():
        row = await _lock(conn, p, check_id)
        core.check_attachable(row["outcome"])
        await conn.execute(
            "update purchase_checks set purchase_ref = %s, purchase_title = %s,"
            " attached_by = %s, attached_at = now() where id = %s",
            (ref, title, p.user_id, check_id),
        )
    return await get(conn, p, check_id)


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return beijing_time(v)
    if isinstance(v, Decimal):
        return float(v)
    return v


def to_xlsx(c: dict[str, Any]) -> bytes:
    """The audit copy: the need, who checked when, each offer and what became of it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "调剂优先核查"
    head = (
        ("核查编号", c["check_no"]), ("核查单位", c["unit_name"]),
        ("核查人", c["checked_by_name"]), ("核查时间（北京时间）", c["checked_at"]),
        ("拟配置方式", c["acquisition_text"]), ("拟配置资产名称", c["asset_name"]),
        ("资产分类代码", c["category_code"]),
        ("资产分类", c["category_name"]), ("数量", c["quantity"]), ("面积", c["area"]),
        ("计量单位", c["measure_unit"]), ("财政区划", c["region_name"] or c["region_code"]),
        ("需用日期", c["needed_on"]), ("用途说明", c["description"]),
        ("核查结论", c["outcome_text"]), ("关联采购申请编号", c["purchase_ref"]),
        ("采购申请名称", c["purchase_title"]), ("关联人", c["attached_by_name"]),
        ("关联时间（北京时间）", c["attached_at"]),
    )  # fmt: skip
    for label, value in head:
        append_row(ws, [label, _cell(value)])  # the operator's own words: may look like formulas
    ws.append([])
    columns = (
        ("position", "序号"), ("source_text", "来源"), ("kind_text", "方式"), ("name", "资产名称"),
        ("unit_name", "所属单位"), ("category_code", "资产分类代码"),
        ("region_code", "财政区划代码"), ("quantity", "数量"), ("area", "面积"),
        ("score", "匹配度"), ("reasons", "匹配说明"), ("outcome_text", "处理结果"),
        ("decline_reason", "不采用原因"), ("decided_by_name", "处理人"),
        ("decided_at", "处理时间（北京时间）"),
    )  # fmt: skip
    ws.append([label for _, label in columns])
    for o in c["offers"]:
        values = ["；".join(o[k]) if k == "reasons" else _cell(o[k]) for k, _ in columns]
        append_row(ws, values)  # names from other units
    if not c["offers"]:
        ws.append(["核查时没有在范围内找到可调剂或共享的资产。"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
