"""卡片变动 card changes: an operator proposes, a reviewer of the same unit approves or
rejects; only an approved change touches the card.

Concurrency per field: every change records the card's values of the fields it sets
(``base``) and the card version. Approval re-checks against the card as it is then: a
change of other fields (a photo after a 共享 suggestion) still goes through; one whose own
field was moved meanwhile by another change (or a split, recall …) is refused with
CHANGE_CONFLICT and shown as such in the list, so the reviewer 退回s it and the reason
reaches the operator (``decision_note``, the conflict's own words when none is written).
Changes from before ``base`` existed are checked by version. Every step writes audit_log;
approval writes card_events.

``propose_card_change`` is the plain service other parts call (the monitor proposes from
an idle suggestion with ``origin="suggestion"``); it checks the change, not the caller's
rights — the HTTP layer does that before calling it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from assetpulse.inventory import errors
from assetpulse.inventory.cards import check_references, facts, lock_card
from assetpulse.inventory.journal import audit, card_event
from assetpulse.inventory.rules import (
    ENDED,
    ENDED_RETURN_NOTE,
    change_base,
    check_changes,
    conflict_message,
    conflict_return_note,
    stale_fields,
)
from assetpulse.org.principal import Principal
from assetpulse.org.scope import can_review_change

INSERT_CHANGE = """
insert into card_changes (card_id, changes, reason, origin, suggestion_id, stocktake_id,
    proposed_by, card_version, base)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s)
returning id
"""

CHANGE_COLUMNS = """
id, card_id, changes, reason, state, origin, suggestion_id, stocktake_id, proposed_by,
proposed_at, decided_by, decided_at, decision_note, card_version, base
"""

CHANGE_BY_ID = f"select {CHANGE_COLUMNS} from card_changes where id = %s"
LOCK_CHANGE = f"select {CHANGE_COLUMNS} from card_changes where id = %s for update"

DECIDE = """
update card_changes set state = %s, decided_by = %s, decided_at = now(), decision_note = %s
where id = %s
"""

# The card as JSON: the one form ``base`` is stored and compared in (numbers, booleans, ids).
CARD_JSON = "select to_jsonb(c) from asset_cards c where id = %s"

PENDING_PHOTO = "select 1 from card_photos where id = %s and card_id = %s and state = 'pending'"
ATTACH_PHOTO = "update card_photos set state = 'attached' where id = %s"
DROP_PHOTO = "delete from card_photos where id = %s and state = 'pending'"


async def propose_card_change(
    conn: AsyncConnection[Any],
    *,
    card_id: int,
    changes: Mapping[str, Any],
    proposed_by: int,
    reason: str | None = None,
    origin: str = "manual",
    suggestion_id: int | None = None,
    stocktake_id: int | None = None,
    card_version: int | None = None,
) -> int:
    """Record a pending change of a card; returns the change id.

    ``card_version``: the version the proposer saw; when given and the card has moved on,
    CARD_VERSION_CONFLICT. Runs in its own transaction (a savepoint inside the caller's).
    """
    problems = check_changes(changes)
    if problems:
        raise errors.invalid(
            "CHANGE_INVALID",
            "；".join(p.message for p in problems),
            fields=",".join(p.field for p in problems),
        )
    async with conn.transaction():
        card = await lock_card(conn, card_id)
        if card["status"] in ENDED:
            raise errors.card_not_active(card_id, card["status"])
        if card_version is not None and card_version != card["version"]:
            raise errors.card_version_conflict(card_id, card_version, card["version"])
        await check_references(conn, unit_id=card["unit_id"], values=changes)
        photo_id = changes.get("photo_id")
        if photo_id is not None:
            cur = await conn.execute(PENDING_PHOTO, (photo_id, card_id))
            if await cur.fetchone() is None:
                raise errors.invalid(
                    "PHOTO_NOT_PENDING",
                    "照片不存在或不是本卡片待审核的照片，请通过“上传照片”重新上传。",
                    photo_id=photo_id,
                )
        cur = await conn.execute(
            INSERT_CHANGE,
            (
                card_id,
                Jsonb(dict(changes)),
                reason,
                origin,
                suggestion_id,
                stocktake_id,
                proposed_by,
                card["version"],
                Jsonb(change_base(changes, await _card_json(conn, card_id))),
            ),
        )
        row = await cur.fetchone()
        assert row is not None
        change_id = int(row[0])
        await audit(
            conn,
            actor_id=proposed_by,
            entity="card_change",
            entity_id=change_id,
            action="proposed",
            detail={"card_id": card_id, "changes": dict(changes), "origin": origin},
        )
        return change_id


async def _card_json(conn: AsyncConnection[Any], card_id: int) -> dict[str, Any]:
    cur = await conn.execute(CARD_JSON, (card_id,))
    row = await cur.fetchone()
    assert row is not None
    return dict(row[0])


def conflict_of(change: Mapping[str, Any], card_now: Mapping[str, Any]) -> list[str]:
    """The change's fields moved by something else since it was proposed ([]: none)."""
    base = change.get("base")
    if base is None:  # proposed before bases were kept: any later version is a conflict
        return [] if change["card_version"] == card_now["version"] else list(change["changes"])
    return stale_fields(change["changes"], base, card_now)


async def load_change(conn: AsyncConnection[Any], change_id: int) -> dict[str, Any] | None:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(CHANGE_BY_ID, (change_id,))
    return await cur.fetchone()


async def _lock_pending(
    conn: AsyncConnection[Any], change_id: int, reviewer: Principal
) -> tuple[dict[str, Any], dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LOCK_CHANGE, (change_id,))
    change = await cur.fetchone()
    if change is None:
        raise errors.not_found(
            "CHANGE_NOT_FOUND", "卡片变动单不存在，请刷新列表。", change_id=change_id
        )
    card = await lock_card(conn, change["card_id"])
    if not can_review_change(reviewer, facts(card), change["proposed_by"]):
        if reviewer.user_id == change["proposed_by"]:
            raise errors.forbidden("审核自己发起的卡片变动", change_id=change_id)
        raise errors.forbidden("审核该卡片变动", change_id=change_id)
    if change["state"] != "pending":
        raise errors.conflict(
            "CHANGE_NOT_PENDING",
            f"该卡片变动已是“{change['state']}”状态，不能再审核。",
            change_id=change_id,
            state=change["state"],
        )
    return change, card


async def approve_change(
    conn: AsyncConnection[Any], *, change_id: int, reviewer: Principal, note: str | None = None
) -> int:
    """审核通过: apply the change to the card; returns the card's new version."""
    async with conn.transaction():
        change, card = await _lock_pending(conn, change_id, reviewer)
        if card["status"] in ENDED:
            raise errors.card_not_active(card["id"], card["status"])
        stale = conflict_of(change, await _card_json(conn, card["id"]))
        if stale:
            raise errors.change_conflict(card["id"], change_id, stale, conflict_message(stale))
        values: dict[str, Any] = dict(change["changes"])
        # Checked again: a row written by other means than propose_card_change must not
        # reach the UPDATE with a column it may not touch.
        problems = check_changes(values)
        if problems:
            raise errors.invalid(
                "CHANGE_INVALID", "；".join(p.message for p in problems), change_id=change_id
            )
        # The card may have moved to another unit (调剂) since the proposal.
        await check_references(conn, unit_id=card["unit_id"], values=values)
        photo_id = values.pop("photo_id", None)
        assignments: list[sql.Composable] = [
            sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in values
        ]
        assignments.append(sql.SQL("version = version + 1, updated_at = now()"))
        query = sql.SQL("update asset_cards set {} where id = {} returning version").format(
            sql.SQL(", ").join(assignments), sql.Placeholder("card_id")
        )
        cur = await conn.execute(query, {**values, "card_id": card["id"]})
        row = await cur.fetchone()
        assert row is not None
        version = int(row[0])
        await conn.execute(DECIDE, ("approved", reviewer.user_id, note, change_id))
        detail = {"change_id": change_id, "origin": change["origin"], "version": version}
        if values:
            await card_event(
                conn,
                card_id=card["id"],
                kind="changed",
                actor_id=reviewer.user_id,
                detail={**detail, "changes": values},
            )
        if photo_id is not None:
            await conn.execute(ATTACH_PHOTO, (photo_id,))
            await card_event(
                conn,
                card_id=card["id"],
                kind="photo_added",
                actor_id=reviewer.user_id,
                detail={**detail, "photo_id": photo_id},
            )
        await audit(
            conn,
            actor_id=reviewer.user_id,
            entity="card_change",
            entity_id=change_id,
            action="approved",
            detail={"card_id": card["id"], "version": version, "note": note},
        )
        return version


async def reject_change(
    conn: AsyncConnection[Any], *, change_id: int, reviewer: Principal, note: str | None = None
) -> None:
    """退回: the card stays as it is; a photo uploaded with the change is dropped.

    The note is the reason the operator reads; a change that conflicts with the card and
    is returned without one carries the conflict's own explanation.
    """
    async with conn.transaction():
        change, card = await _lock_pending(conn, change_id, reviewer)
        if not note and card["status"] in ENDED:
            note = ENDED_RETURN_NOTE
        elif not note:
            stale = conflict_of(change, await _card_json(conn, card["id"]))
            note = conflict_return_note(stale) if stale else None
        await conn.execute(DECIDE, ("rejected", reviewer.user_id, note, change_id))
        photo_id = change["changes"].get("photo_id")
        if photo_id is not None:
            await conn.execute(DROP_PHOTO, (photo_id,))
        await audit(
            conn,
            actor_id=reviewer.user_id,
            entity="card_change",
            entity_id=change_id,
            action="rejected",
            detail={"card_id": card["id"], "note": note},
        )


async def withdraw_change(conn: AsyncConnection[Any], *, change_id: int, actor_id: int) -> None:
    """撤回: the proposer takes a pending change back before anyone decides."""
    async with conn.transaction():
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(LOCK_CHANGE, (change_id,))
        change = await cur.fetchone()
        if change is None:
            raise errors.not_found("CHANGE_NOT_FOUND", "卡片变动单不存在。", change_id=change_id)
        if change["proposed_by"] != actor_id:
            raise errors.forbidden("撤回他人发起的卡片变动", change_id=change_id)
        if change["state"] != "pending":
            raise errors.conflict(
                "CHANGE_NOT_PENDING",
                f"该卡片变动已是“{change['state']}”状态，不能撤回。",
                change_id=change_id,
                state=change["state"],
            )
        await conn.execute(
            "update card_changes set state = 'withdrawn', decided_at = now() where id = %s",
            (change_id,),
        )
        photo_id = change["changes"].get("photo_id")
        if photo_id is not None:
            await conn.execute(DROP_PHOTO, (photo_id,))
        await audit(
            conn,
            actor_id=actor_id,
            entity="card_change",
            entity_id=change_id,
            action="withdrawn",
            detail={"card_id": change["card_id"]},
        )
