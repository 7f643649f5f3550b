"""Seq bookkeeping: holes counted between seen seqs, wraps and reboots no gap of billions."""

from __future__ import annotations

from assetpulse.ingest.seqbits import BLOCK_SIZE, holes, seq_blocks


def _missing(pairs: list[tuple[str, int]]) -> int:
    # what the database does: OR the bits of every batch, then count holes per block
    merged: dict[tuple[str, int], list[str]] = {}
    for b in seq_blocks(pairs):
        cur = merged.setdefault((b.gateway_id, b.block), ["0"] * BLOCK_SIZE)
        for i, c in enumerate(b.bits):
            if c == "1":
                cur[i] = "1"
    return sum(holes("".join(bits)) for bits in merged.values())


def test_seq_blocks_consecutive_seqs_have_no_holes() -> None:
    assert _missing([("G", s) for s in range(100, 400)]) == 0


def test_seq_blocks_dropped_messages_are_counted() -> None:
    seen = [("G", s) for s in range(0, 50) if s not in (10, 11, 30)]
    assert _missing(seen) == 3


def test_seq_blocks_late_message_fills_its_hole() -> None:
    seen = [("G", 1), ("G", 3)]
    assert _missing(seen) == 1
    assert _missing([*seen, ("G", 2)]) == 0


def test_seq_blocks_split_between_workers_count_like_one_stream() -> None:
    worker_a = [("G", s) for s in range(0, 200, 2)]
    worker_b = [("G", s) for s in range(1, 200, 2) if s != 99]
    assert _missing(worker_a + worker_b) == 1


def test_seq_blocks_wrap_at_2_32_is_not_a_gap() -> None:
    top = 2**32
    seen = [("G", s % top) for s in range(top - 20, top + 20)]
    assert _missing(seen) == 0


def test_seq_blocks_reboot_resetting_seq_is_not_a_huge_gap() -> None:
    seen = [("G", s) for s in range(5000, 5100)] + [("G", s) for s in range(0, 30)]
    assert _missing(seen) == 0


def test_seq_blocks_sorted_by_gateway_then_block() -> None:
    blocks = seq_blocks([("B", 5000), ("A", 3000), ("A", 1)])
    assert [(b.gateway_id, b.block) for b in blocks] == [("A", 0), ("A", 2), ("B", 4)]
    assert (blocks[0].lo, blocks[0].hi) == (1, 1)
