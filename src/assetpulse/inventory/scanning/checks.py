"""Plausibility checks and cross-checking of raw reads (交叉校验): what makes a read confident.

Pure: no I/O, no image libraries. A misread is worse than no read, so a raw read from one
decoder is reported only when its own structure vouches for it (QR error correction, the
mandatory Code 128 checksum, an AssetPulse label's check characters) or when independent
decoders agree on it. Weak symbologies (EAN's single mod-10 digit passes about one random
misread in ten; Code 39 and ITF carry no check at all) always need that agreement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assetpulse.inventory.labels.payload import parse_label
from assetpulse.inventory.scanning.model import Symbology

FloatPoint = tuple[float, float]

# Symbologies whose decoders verify strong redundancy (Reed-Solomon, mod 103) themselves.
STRONG = frozenset({Symbology.QR, Symbology.CODE128})


@dataclass(frozen=True, slots=True)
class RawRead:
    """One decoder's read of one code, points already in original image coordinates."""

    text: str
    symbology: Symbology
    points: tuple[FloatPoint, ...]
    engine: str  # "zxingcpp", "pyzbar", "opencv": agreement needs two different engines


def gtin_check_ok(digits: str) -> bool:
    """The GS1 mod-10 check digit of an EAN-13 / EAN-8 (or ITF-14) number."""
    if not digits.isdigit() or not digits.isascii() or len(digits) < 2:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


_CODE39_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%")


def plausible(read: RawRead) -> bool:
    """Structural checks of the text against its symbology (drops garbage outright)."""
    text, sym = read.text, read.symbology
    if not text:
        return False
    if sym is Symbology.EAN13:
        return len(text) == 13 and gtin_check_ok(text)
    if sym is Symbology.EAN8:
        return len(text) == 8 and gtin_check_ok(text)
    if sym is Symbology.ITF:
        # Interleaved 2 of 5 encodes digit pairs; very short reads are usually fragments.
        return text.isascii() and text.isdigit() and len(text) % 2 == 0 and len(text) >= 6
    if sym is Symbology.CODE39:
        return len(text) >= 1 and all(ch in _CODE39_CHARS for ch in text)
    if sym is Symbology.CODE128:
        # ASCII, plus Latin-1 through FNC4 (extended Code 128)
        return all(ord(ch) < 256 for ch in text)
    return True


def self_vouching(read: RawRead) -> bool:
    """True when one read alone is trustworthy."""
    if read.symbology in STRONG:
        return True
    # Our own labels carry two check characters that catch any substitution or swap.
    return parse_label(read.text) is not None


def _bbox(points: Sequence[FloatPoint]) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def overlap(a: Sequence[FloatPoint], b: Sequence[FloatPoint], margin: float = 2.0) -> bool:
    """Whether two reads' bounding boxes (grown by ``margin`` px) intersect: the same code."""
    ax0, ay0, ax1, ay1 = _bbox(a)
    bx0, by0, bx1, by1 = _bbox(b)
    return not (
        ax1 + margin < bx0 or bx1 + margin < ax0 or ay1 + margin < by0 or by1 + margin < ay0
    )


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of cross-checking: reads to report, and whether the image is settled."""

    accepted: tuple[RawRead, ...]
    pending: tuple[RawRead, ...]  # plausible but not yet corroborated
    conflicted: bool  # reads of one place disagree and no side has won (yet)


@dataclass
class _Group:
    """All raw reads of one text in one symbology."""

    read: RawRead
    reads: list[RawRead]
    engines: set[str]
    strong: bool


def _same_place(a: _Group, b: _Group) -> bool:
    # A QR code never contradicts a barcode printed beside it (our own labels carry both).
    if (a.read.symbology is Symbology.QR) != (b.read.symbology is Symbology.QR):
        return False
    return any(overlap(x.points, y.points) for x in a.reads for y in b.reads)


def _beats(a: _Group, b: _Group) -> bool:
    """Whether ``a`` wins a contradiction with ``b``.

    Only overwhelming evidence settles one: a self-vouching read against a weak one, or
    independent engines behind ``a`` that include every engine behind ``b`` (an engine that
    read both texts at one place contradicts itself, so its vote for ``b`` is cancelled by
    its vote for ``a``, and ``a`` keeps at least one more). Only different engines count as
    votes: one decoder repeats its own misread consistently across image variants.
    """
    if a.strong != b.strong:
        return a.strong
    return len(a.engines) >= 2 and b.engines < a.engines


def _fnc4_dropped(text: str) -> str:
    return "".join(chr(ord(ch) - 128) if 128 <= ord(ch) < 256 else ch for ch in text)


def _drop_zbar_fnc4(reads: list[RawRead]) -> list[RawRead]:
    """zbar ignores Code 128's FNC4 (extended Latin-1), reading "ó" as "s": such a zbar read
    of a place where another engine read the extended text is that code, not a rival."""
    extended = [
        r
        for r in reads
        if r.symbology is Symbology.CODE128 and r.engine != "pyzbar" and not r.text.isascii()
    ]
    return [
        r
        for r in reads
        if not (
            r.engine == "pyzbar"
            and r.symbology is Symbology.CODE128
            and any(
                _fnc4_dropped(e.text) == r.text and overlap(e.points, r.points) for e in extended
            )
        )
    ]


def cross_check(reads: Iterable[RawRead]) -> Verdict:
    """Accept self-vouching reads and reads two engines agree on; drop contradicted ones.

    Reads of the same place (overlapping boxes; 2D and 1D codes never contradict each other)
    with different texts contradict each other: a side is reported only if it beats every
    rival (see ``_beats``), and the losers are dropped.
    """
    plausible_reads = _drop_zbar_fnc4([r for r in reads if plausible(r)])
    groups: dict[tuple[str, Symbology], _Group] = {}
    for read in plausible_reads:
        group = groups.get((read.text, read.symbology))
        if group is None:
            group = _Group(read, [], set(), self_vouching(read))
            groups[(read.text, read.symbology)] = group
        group.reads.append(read)
        group.engines.add(read.engine)

    accepted: list[RawRead] = []
    pending: list[RawRead] = []
    conflicted = False
    for group in groups.values():
        rivals = [g for g in groups.values() if g is not group and _same_place(group, g)]
        if any(_beats(r, group) for r in rivals):
            continue  # lost: a misread, never reported
        if not all(_beats(group, r) for r in rivals):
            conflicted = True
            continue
        if group.strong or len(group.engines) >= 2:
            accepted.append(group.read)
        else:
            pending.append(group.read)
    return Verdict(tuple(accepted), tuple(pending), conflicted)
