"""Moving the bytes of rows written before migration 4009 out of PostgreSQL into the store.

``assetpulse objects migrate`` runs it; safe while the service runs and to run again or on
two hosts at once: rows are taken in batches ``FOR UPDATE SKIP LOCKED``, each object is put
before its row's ``data`` is cleared in the same transaction, and a row whose bytes do not
hash to its ``sha256`` is left as it is (its key would be a lie) and counted, never moved.
Readers need no pause: a row still holding bytes is read from the row (``stored_bytes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql

from assetpulse.objects.store import ObjectStore, key_of

# table, its primary key, a value below every key (keyset pagination: rows left behind
# because of a bad checksum are not read again)
TABLES: tuple[tuple[str, str, int | str], ...] = (
    ("card_photos", "id", 0),
    ("national_listing_photos", "id", 0),
    ("booking_photos", "id", 0),
    ("attachments", "token", ""),
)
BATCH = sql.SQL(
    "select {pk}, sha256, content_type, data from {table}"
    " where data is not null and {pk} > %s order by {pk} limit %s for update skip locked"
)
CLEAR = sql.SQL("update {table} set data = null where {pk} = %s")


@dataclass(frozen=True, slots=True)
class Moved:
    table: str
    moved: int
    left: int  # rows whose bytes do not match their sha256: still in the row

    def line(self) -> str:
        tail = f", {self.left} left (checksum differs)" if self.left else ""
        return f"{self.table}: {self.moved} moved{tail}"


async def move_table(
    conn: AsyncConnection[Any], objects: ObjectStore, table: str, pk: str, start: Any, *,
    batch: int = 100,
) -> Moved:  # fmt: skip
    names = {"table": sql.Identifier(table), "pk": sql.Identifier(pk)}
    moved = left = 0
    after = start
    while True:
        async with conn.transaction():
            cur = await conn.execute(BATCH.format(**names), (after, batch))
            rows = await cur.fetchall()
            for key_value, sha256, content_type, data in rows:
                blob = bytes(data)
                if key_of(blob) != sha256:
                    left += 1
                    continue
                await objects.put(blob, content_type=content_type)
                await conn.execute(CLEAR.format(**names), (key_value,))
                moved += 1
        if len(rows) < batch:
            return Moved(table, moved, left)
        after = rows[-1][0]


async def move_all(
    conn: AsyncConnection[Any], objects: ObjectStore, *, batch: int = 100
) -> list[Moved]:
    return [
        await move_table(conn, objects, table, pk, start, batch=batch)
        for table, pk, start in TABLES
    ]
