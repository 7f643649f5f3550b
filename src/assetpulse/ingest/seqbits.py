"""Sequence-number bookkeeping per gateway (报文序号缺口统计), as bitmaps. Pure.

Why bitmaps in the database and not a counter in memory: with a shared subscription the
broker deals a gateway's messages out to N workers one by one, so no single worker sees a
gateway's whole ``seq`` stream. Each committed batch ORs the seqs it holds into rows of
1024 bits (``ingest_seq_blocks``); a hole is a zero bit between the lowest and highest seq
seen in a block. That makes the count independent of which worker saw what, idempotent
under redelivery, and shrinking when a late message fills its hole. ``seq`` wraps at 2^32
(block numbers wrap with it), and a gateway reboot that restarts at 0 is not a gap of
billions: it only sets bits again in low blocks. Holes at the edges of a block (a gap that
straddles a block boundary) are not counted; the figure is a lower bound.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BLOCK_SHIFT = 10
BLOCK_SIZE = 1 << BLOCK_SHIFT  # bits per row; the column is bit(1024)


@dataclass(frozen=True, slots=True)
class SeqBlock:
    """Seqs seen for one gateway in one block: bits as a '0'/'1' string, lowest first."""

    gateway_id: str
    block: int
    bits: str
    lo: int
    hi: int


def seq_blocks(seen: Iterable[tuple[str, int]]) -> list[SeqBlock]:
    """Group (gateway_id, seq) pairs into blocks, sorted by key (a fixed lock order)."""
    groups: dict[tuple[str, int], bytearray] = {}
    for gateway_id, seq in seen:
        key = (gateway_id, seq >> BLOCK_SHIFT)
        bits = groups.get(key)
        if bits is None:
            bits = groups[key] = bytearray(b"0" * BLOCK_SIZE)
        bits[seq & (BLOCK_SIZE - 1)] = 0x31  # "1"
    out = []
    for (gateway_id, block), bits in sorted(groups.items()):
        out.append(SeqBlock(gateway_id, block, bits.decode(), bits.find(b"1"), bits.rfind(b"1")))
    return out


def holes(bits: str) -> int:
    """Zero bits between the first and the last one bit: messages still missing."""
    lo, hi = bits.find("1"), bits.rfind("1")
    if lo < 0:
        return 0
    return hi - lo + 1 - bits.count("1", lo, hi + 1)
