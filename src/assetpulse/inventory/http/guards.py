"""Small helpers the inventory routes share: authorisation guards, decimal parsing."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from assetpulse.inventory import errors
from assetpulse.inventory.cards import facts, visible_card
from assetpulse.org.principal import Principal
from assetpulse.org.scope import can_operate_card


def require(allowed: bool, what: str, **context: Any) -> None:
    if not allowed:
        raise errors.forbidden(what, **context)


async def operable_card(
    conn: AsyncConnection[Any], user: Principal, card_id: int, what: str
) -> dict[str, Any]:
    """A card the user can see (else 404) and operate as 经办岗 (else 403)."""
    card = await visible_card(conn, user, card_id)
    require(can_operate_card(user, facts(card)), what, card_id=card_id)
    return card
