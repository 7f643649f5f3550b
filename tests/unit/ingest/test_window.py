"""The in-flight window bounds bytes as well as messages (issue 15, point 4)."""

from __future__ import annotations

import pytest

from assetpulse.ingest.deadletter import PREFIX_BYTES, bounded
from assetpulse.ingest.window import InflightWindow


def test_window_full_of_bytes_takes_no_more_until_released() -> None:
    w = InflightWindow(max_messages=1000, max_bytes=10_000)
    assert w.acquire(6_000, timeout=0)
    assert not w.acquire(6_000, timeout=0)  # 12,000 bytes > 10,000: 2 messages are too many
    assert w.room() == (999, 4_000)
    w.release(1, 6_000)
    assert w.acquire(6_000, timeout=0)


def test_window_takes_one_message_bigger_than_its_budget_when_empty() -> None:
    w = InflightWindow(max_messages=10, max_bytes=100)
    assert w.acquire(5_000, timeout=0)  # else it would never be taken, nor acknowledged
    assert not w.acquire(1, timeout=0)
    assert w.held() == (1, 5_000)


def test_window_counts_messages_too() -> None:
    w = InflightWindow(max_messages=2, max_bytes=10**9)
    assert w.acquire(1, timeout=0)
    assert w.acquire(1, timeout=0)
    assert not w.acquire(1, timeout=0)


def test_window_when_one_read_brings_several_messages_takes_them_together_or_not_at_all() -> None:
    w = InflightWindow(max_messages=10, max_bytes=1_000)
    assert w.acquire(300, timeout=0, messages=6)
    assert w.held() == (6, 300)
    assert not w.acquire(100, timeout=0, messages=5)  # 11 messages: none of the five
    assert w.held() == (6, 300)
    assert w.acquire(100, timeout=0, messages=4)
    assert w.room() == (0, 600)
    w.release(10, 400)
    assert w.acquire(5_000, timeout=0, messages=50)  # empty: taken, as one big message is


def test_window_refuses_bounds_below_one() -> None:
    with pytest.raises(ValueError, match="positive"):
        InflightWindow(max_messages=0, max_bytes=1)


def test_dead_letter_keeps_prefix_size_and_hash_of_a_big_payload() -> None:
    prefix, size, sha = bounded(b"a" * 1_000_000)
    assert (len(prefix), size, len(sha)) == (PREFIX_BYTES, 1_000_000, 32)
    assert bounded(b"tiny")[:2] == (b"tiny", 4)
