"""Audit rows and card events, written in the caller's transaction.

``card_events`` is the contract other parts react to (the platform delists on disposal,
split and return to stock through its own trigger), so every card business writes its
event in the same transaction as the card itself.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

INSERT_AUDIT = """
insert into audit_log (actor_id, entity, entity_id, action, detail)
values (%s, %s, %s, %s, %s)
"""

INSERT_CARD_EVENT = """
insert into card_events (card_id, kind, detail, actor_id) values (%s, %s, %s, %s)
"""


async def audit(
    conn: AsyncConnection[Any],
    *,
    actor_id: int | None,
    entity: str,
    entity_id: int | str,
    action: str,
    detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        INSERT_AUDIT, (actor_id, entity, str(entity_id), action, Jsonb(detail or {}))
    )


async def card_event(
    conn: AsyncConnection[Any],
    *,
    card_id: int,
    kind: str,
    actor_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(INSERT_CARD_EVENT, (card_id, kind, Jsonb(detail or {}), actor_id))
