"""Bills (发布单) in PostgreSQL: drafts, their asset lines, reading and querying.

Asset lines claim their cards through the partial unique index ``bill_lines_card_claim_idx``
(migration 4001): a card on an open bill or a live listing cannot be picked again, even by
two requests racing each other (不重不漏).
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection, errors
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from assetpulse.org.principal import Principal
from assetpulse.platform import rules
from assetpulse.platform.api.schemas import BillCreate, BillFields, BillPatch
from assetpulse.platform.chains import SCOPE_LABELS
from assetpulse.platform.errors import conflict, forbidden, invalid, not_found
from assetpulse.platform.review import (
    EDITABLE,
    FINAL_TEXT,
    NODE_LABELS,
    REVIEW_CODE_TEXT,
    STAGE_LABELS,
    Node,
    ReviewCode,
    Stage,
)
from assetpulse.platform.store.access import can_view_bill, require_operator, set_actor

KIND_TEXT = {"adjust": "调剂资产", "share": "共享资产", "demand": "资产需求"}
URGENCY_TEXT = {"normal": "一般", "urgent": "紧急", "very_urgent": "非常紧急"}

BILL_COLUMNS = (
    "scope", "title", "description", "contact_name", "contact_phone", "address",
    "demand_type", "category_code", "expected_arrival", "accounting_subject", "region_code",
    "quantity", "area", "measure_unit", "urgency", "creator_name", "end_date", "handler_name",
)  # fmt: skip

SELECT_BILL = """
select b.*, u.name as unit_name from bills b join units u on u.id = b.unit_id where b.id = %s
"""
SELECT_BILL_FOR_UPDATE = "select * from bills where id = %s for update"
SELECT_LINES = """
select c.id as card_id, c.asset_code, c.name, c.category_code, c.status as card_status,
       s.label_zh as card_status_text, c.shareable, c.quantity, c.area, c.measure_unit
from bill_lines l join asset_cards c on c.id = l.card_id join card_statuses s on s.code = c.status
where l.bill_id = %s and l.active order by l.id
"""
CARD_FACTS = """
select c.id, c.unit_id, c.status, c.shareable,
       (select count(*) from card_photos p where p.card_id = c.id and p.state = 'attached')
from asset_cards c where c.id = any(%s)
"""
INSERT_BILL = """
insert into bills (bill_no, kind, unit_id, region_code, created_by, scope, title, demand_type)
values ('PB' || to_char(now(), 'YYYYMMDD') || lpad(nextval('bill_no_seq')::text, 8, '0'),
        %s, %s, %s, %s, %s, %s, %s)
returning id
"""
UNIT_REGION = "select region_code from units where id = %s"


def code_text(code: str | None, stage: str | None = None) -> str | None:
    """调剂共享审核状态 as users read it: "03-省内审核中", or 本地终审通过 without a code."""
    if code is None:
        return FINAL_TEXT if stage == Stage.FINAL else None
    return f"{code}-{REVIEW_CODE_TEXT[ReviewCode(code)]}"


async def load_for_update(conn: AsyncConnection[Any], p: Principal, bill_id: int) -> dict[str, Any]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(SELECT_BILL_FOR_UPDATE, (bill_id,))
    row = await cur.fetchone()
    if row is None or not can_view_bill(p, row["unit_id"], row["chain_units"]):
        raise not_found("单据", "BILL_NOT_FOUND", bill_id=bill_id)
    return row


async def get_bill(conn: AsyncConnection[Any], p: Principal, bill_id: int) -> dict[str, Any]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(SELECT_BILL, (bill_id,))
    row = await cur.fetchone()
    if row is None or not can_view_bill(p, row["unit_id"], row["chain_units"]):
        raise not_found("单据", "BILL_NOT_FOUND", bill_id=bill_id)
    await cur.execute(SELECT_LINES, (bill_id,))
    return present(row, await cur.fetchall())


def present(row: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    stage = Stage(row["stage"])
    node: str | None = None
    if stage is Stage.IN_REVIEW and row["chain"]:
        node = row["chain"][row["node_index"]]
    return {
        **{k: row[k] for k in BILL_COLUMNS},
        "id": row["id"],
        "bill_no": row["bill_no"],
        "kind": row["kind"],
        "kind_text": KIND_TEXT[row["kind"]],
        "unit_id": row["unit_id"],
        "unit_name": row["unit_name"],
        "scope_text": SCOPE_LABELS[row["scope"]],
        "stage": stage.value,
        "stage_text": STAGE_LABELS[stage],
        "status_text": row["status_text"],
        "review_code": row["review_code"],
        "review_code_text": code_text(row["review_code"], row["stage"]),
        "current_node": node,
        "current_node_text": None if node is None else f"{NODE_LABELS[Node(node)]}审核",
        "return_reason": row["return_reason"],
        "urgency_text": URGENCY_TEXT.get(row["urgency"] or ""),
        "attachments": row["attachments"],
        "origin": row["origin"],
        "version": row["version"],
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "submitted_at": row["submitted_at"],
        "lines": lines,
    }


def _check_demand(p: Principal, kind: str, scope: str, merged: dict[str, Any]) -> None:
    if kind != "demand":
        return
    if not rules.may_publish_demand(p.user_type, scope):
        raise forbidden(
            "DEMAND_PUBLISH_NOT_ALLOWED",
            "全国范围的需求只能由预算单位用户（003）发布；本地区需求可由财政用户（002）"
            "或预算单位用户（003）发布。",
            scope=scope,
        )
    missing = [f for f in ("title", "demand_type") if not merged.get(f)]
    if missing:
        raise invalid(
            "DEMAND_FIELDS_REQUIRED", "请填写需求标题和需求类型。", missing=",".join(missing)
        )
    problem = rules.demand_dates_problem(merged.get("expected_arrival"), merged.get("end_date"))
    if problem is not None:
        raise invalid("DEMAND_END_BEFORE_ARRIVAL", problem)


async def _check_cards(
    conn: AsyncConnection[Any], kind: str, unit_id: int, card_ids: list[int]
) -> None:
    """The publishing rules (内置规则, photo rule) for every card of a bill being saved."""
    cur = await conn.execute(CARD_FACTS, (card_ids,))
    facts = {r[0]: rules.CardFacts(r[0], r[1], r[2], r[3], r[4]) for r in await cur.fetchall()}
    for cid in card_ids:
        if cid not in facts:
            raise not_found("资产卡片", "CARD_NOT_FOUND", card_id=cid)
        refusal = rules.card_refusal(kind, unit_id, facts[cid])
        if refusal is not None:
            raise invalid(refusal.code, refusal.message, card_id=refusal.card_id)


async def _set_lines(
    conn: AsyncConnection[Any],
    bill_id: int,
    kind: str,
    unit_id: int,
    card_ids: list[int],
) -> None:
    if kind == "demand":
        if card_ids:
            raise invalid("DEMAND_HAS_NO_CARDS", "需求单据不选择资产卡片。")
        return
    wanted = list(dict.fromkeys(card_ids))
    await _check_cards(conn, kind, unit_id, wanted)
    # drop lines no longer wanted: delete unless a past listing refers to them
    await conn.execute(
        "delete from bill_lines l where l.bill_id = %s and not (l.card_id = any(%s))"
        " and not exists (select 1 from listings where line_id = l.id)",
        (bill_id, wanted),
    )
    await conn.execute(
        "update bill_lines set active = false where bill_id = %s and not (card_id = any(%s))",
        (bill_id, wanted),
    )
    for cid in wanted:
        try:
            async with conn.transaction():
                await conn.execute(
                    "insert into bill_lines (bill_id, card_id) select %s, %s where not exists"
                    " (select 1 from bill_lines where bill_id = %s and card_id = %s and active)",
                    (bill_id, cid, bill_id, cid),
                )
        except errors.UniqueViolation as exc:
            raise conflict(
                "CARD_ALREADY_PUBLISHED",
                "该资产卡片已在其他未完成的发布单或已上架的资产中，不能重复选择（不重不漏）。",
                card_id=cid,
            ) from exc


async def _write_fields(conn: AsyncConnection[Any], bill_id: int, fields: BillFields) -> None:
    data = fields.model_dump(exclude_unset=True, exclude={"card_ids", "version", "kind"})
    # an explicit null cannot clear what a bill must have: keep the current value
    for required in ("scope", "region_code"):
        if data.get(required, "") is None:
            del data[required]
    if not data:
        return
    if "attachments" in data:
        data["attachments"] = Jsonb(data["attachments"] or [])
    for key in data:
        if key not in BILL_COLUMNS and key != "attachments":
            raise invalid("FIELD_UNKNOWN", "不支持的字段。", field=key)
    sets = ", ".join(f"{k} = %({k})s" for k in data)  # names come from the fixed list above
    try:
        await conn.execute(
            f"update bills set {sets}, updated_at = now() where id = %(id)s",
            {**data, "id": bill_id},
        )
    except errors.ForeignKeyViolation as exc:
        raise invalid("REFERENCE_UNKNOWN", "资产分类或财政区划代码不存在，请重新选择。") from exc
    except errors.CheckViolation as exc:
        raise invalid(
            "BILL_FIELDS_INVALID", "单据字段不完整或取值不合法，请检查后重新保存。"
        ) from exc


async def create_bill(conn: AsyncConnection[Any], p: Principal, body: BillCreate) -> int:
    require_operator(p, p.unit_id)
    _check_demand(p, body.kind, body.scope, body.model_dump())
    async with conn.transaction():
        await set_actor(conn, p)
        cur = await conn.execute(UNIT_REGION, (p.unit_id,))
        region = (await cur.fetchone() or (p.region_code,))[0]
        payload = body.model_copy()
        if body.kind == "demand" and body.title is None:
            raise invalid("DEMAND_FIELDS_REQUIRED", "请填写需求标题和需求类型。")
        cur = await conn.execute(
            INSERT_BILL,
            (body.kind, p.unit_id, region, p.user_id, body.scope, body.title, body.demand_type),
        )
        row = await cur.fetchone()
        assert row is not None
        bill_id = int(row[0])
        await _write_fields(conn, bill_id, payload)
        await _set_lines(conn, bill_id, body.kind, p.unit_id, body.card_ids or [])
    return bill_id


async def update_bill(
    conn: AsyncConnection[Any], p: Principal, bill_id: int, body: BillPatch
) -> None:
    async with conn.transaction():
        await set_actor(conn, p)
        row = await load_for_update(conn, p, bill_id)
        require_operator(p, row["unit_id"])
        _require_editable(row, body.version)
        merged = {**row, **body.model_dump(exclude_unset=True)}
        _check_demand(p, row["kind"], merged["scope"], merged)
        await _write_fields(conn, bill_id, body)
        if body.card_ids is not None:
            await _set_lines(conn, bill_id, row["kind"], row["unit_id"], body.card_ids)
        elif row["kind"] != "demand":
            # lines kept as they are still follow the rules at save: a draft opened from an
            # idle suggestion was made by the database, not through this check
            cur = await conn.execute(
                "select card_id from bill_lines where bill_id = %s and active order by id",
                (bill_id,),
            )
            kept = [r[0] for r in await cur.fetchall()]
            await _check_cards(conn, row["kind"], row["unit_id"], kept)
        await conn.execute("update bills set version = version + 1 where id = %s", (bill_id,))


async def delete_bill(
    conn: AsyncConnection[Any], p: Principal, bill_id: int, version: int | None
) -> None:
    async with conn.transaction():
        await set_actor(conn, p)
        row = await load_for_update(conn, p, bill_id)
        require_operator(p, row["unit_id"])
        _require_editable(row, version)
        if row["reported_report_id"] is not None:
            raise conflict(
                "BILL_REPORTED_TO_MOF",
                "该单据已上报过财政部（汇总系统中有记录），不能删除；请修改后重新送审。",
            )
        # listings withdrawn in an earlier round (final approval cancelled) go with the draft
        await conn.execute(
            "delete from preselections where listing_id in"
            " (select id from listings where bill_id = %s)",
            (bill_id,),
        )
        await conn.execute("delete from listings where bill_id = %s", (bill_id,))
        await conn.execute("delete from bill_lines where bill_id = %s", (bill_id,))
        await conn.execute("delete from bills where id = %s", (bill_id,))


def _require_editable(row: dict[str, Any], version: int | None) -> None:
    if Stage(row["stage"]) not in EDITABLE:
        raise conflict("BILL_NOT_DRAFT", "只有草稿或已退回的单据可以修改或删除，请先取消送审。")
    check_version(row, version)


def check_version(row: dict[str, Any], version: int | None) -> None:
    if version is not None and version != row["version"]:
        raise conflict(
            "BILL_VERSION_CONFLICT",
            "单据已被他人修改，请刷新后重试。",
            expected=version,
            actual=row["version"],
        )
