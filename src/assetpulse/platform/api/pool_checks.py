"""A pool health check that only pings connections that have sat idle.

psycopg_pool's ``check_connection`` costs a round trip on every checkout, about 8 % of a
plaza request's CPU. A connection handed back less than ``idle`` seconds ago was working
then; if the server went away since, the request fails with 503 DATABASE_UNAVAILABLE and
the pool drops the broken connection on return (it checks the connection's status), so a
database restart costs at most one failed request per pooled connection, and those that
sat idle through the restart are pinged and replaced before use.
"""

from __future__ import annotations

from time import monotonic
from typing import Any
from weakref import WeakKeyDictionary

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool


class CheckWhenIdle:
    def __init__(self, idle: float = 1.0) -> None:
        self.idle = idle
        self._returned: WeakKeyDictionary[AsyncConnection[Any], float] = WeakKeyDictionary()

    async def check(self, conn: AsyncConnection[Any]) -> None:
        returned = self._returned.get(conn)
        if returned is None or monotonic() - returned > self.idle:
            await AsyncConnectionPool.check_connection(conn)

    async def returned(self, conn: AsyncConnection[Any]) -> None:
        self._returned[conn] = monotonic()
