"""盘点 reconciliation (pure): the book against what was seen.

For every card expected by the task (the book), the latest sightings decide:

- found (已盘到); never scanned is 未盘 while the task is open (people are still
  scanning) and becomes missing (盘亏) only once it is closed;
- found in the wrong place (位置不符): seen in another department, or at a location other
  than the booked one (compared without case or spacing);
- status differs (状态不符): the state seen on the spot is not the booked status.

Every scan whose code is not an expected card is surplus (盘盈) and is kept with its
reason — an unknown code, another unit's card, or a card of this unit outside the task —
so that it can be followed up; nothing read is ever thrown away.

The book is fixed when the task is created; a card on it that is disposed of or split
during the task leaves it (离开账面), so 应盘 shrinks, and the report lists each such card
with the reason, so that a total that changed says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SurplusReason(StrEnum):
    UNKNOWN_CODE = "unknown_code"  # 账外资产: no card carries this code
    OTHER_UNIT = "other_unit"  # 他单位资产
    OUTSIDE_TASK = "outside_task"  # 本单位但不在本次盘点范围
    UNREADABLE = "unreadable"  # 不是标签或资产编号


SURPLUS_LABELS = {
    "unknown_code": "账外资产（无此编号）",
    "other_unit": "其他单位资产",
    "outside_task": "本单位资产，不在本次盘点范围",
    "unreadable": "无法识别的编码",
}


@dataclass(frozen=True, slots=True)
class BookEntry:
    card_id: int
    asset_code: str
    name: str
    department_id: int | None
    location: str | None
    status: str
    assignment_id: int | None = None


@dataclass(frozen=True, slots=True)
class Sighting:
    scan_id: int
    raw_code: str
    asset_code: str | None
    scanned_at: datetime
    department_id: int | None = None
    location: str | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class KnownCard:
    """A card outside the book that a scanned code belongs to."""

    card_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class Finding:
    entry: BookEntry
    found: bool
    last_seen: datetime | None = None
    scans: int = 0
    seen_department_id: int | None = None
    seen_location: str | None = None
    seen_status: str | None = None

    @property
    def moved(self) -> bool:
        dept = (
            self.seen_department_id is not None
            and self.seen_department_id != self.entry.department_id
        )
        return dept or _differs(self.entry.location, self.seen_location)

    @property
    def status_differs(self) -> bool:
        return self.seen_status is not None and self.seen_status != self.entry.status

    def proposed_changes(self) -> dict[str, object]:
        """What a card change should set so that the book matches what was seen."""
        out: dict[str, object] = {}
        if (
            self.seen_department_id is not None
            and self.seen_department_id != self.entry.department_id
        ):
            out["department_id"] = self.seen_department_id
        if _differs(self.entry.location, self.seen_location):
            out["location"] = (self.seen_location or "").strip()
        if self.status_differs:
            out["status"] = self.seen_status
        return out


@dataclass(frozen=True, slots=True)
class Surplus:
    raw_code: str
    asset_code: str | None
    reason: SurplusReason
    scans: int
    first_seen: datetime
    last_seen: datetime
    card_id: int | None = None
    department_id: int | None = None
    location: str | None = None


# why a card left the book during the task (its status then)
LEFT_LABELS = {"disposed": "盘点期间已处置", "split": "盘点期间已拆分"}


@dataclass(frozen=True, slots=True)
class LeftBook:
    """A card on the book when the task was created that no business may run on any more."""

    entry: BookEntry
    at: datetime | None = None  # when it was disposed of or split

    @property
    def reason(self) -> str:
        return LEFT_LABELS.get(self.entry.status, "盘点期间已离开账面")


@dataclass(frozen=True, slots=True)
class Reconciliation:
    findings: tuple[Finding, ...]
    surplus: tuple[Surplus, ...]
    by_department: Mapping[int | None, Mapping[str, int]] = field(default_factory=dict)
    closed: bool = False  # the task is closed: what was not scanned is 盘亏, else 未盘
    left_book: tuple[LeftBook, ...] = ()

    @property
    def found(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.found)

    @property
    def not_found(self) -> tuple[Finding, ...]:
        """Never scanned, whatever the task's state (the labels still to be found)."""
        return tuple(f for f in self.findings if not f.found)

    @property
    def not_scanned(self) -> tuple[Finding, ...]:
        """未盘: not scanned yet, while the task is open."""
        return () if self.closed else self.not_found

    @property
    def missing(self) -> tuple[Finding, ...]:
        """盘亏: not scanned by the time the task closed."""
        return self.not_found if self.closed else ()

    @property
    def moved(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.found and f.moved)

    @property
    def status_differs(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.found and f.status_differs)

    def summary(self) -> dict[str, int]:
        total = len(self.findings)
        return {
            "booked": total + len(self.left_book),  # on the book when the task was created
            "left_book": len(self.left_book),
            "expected": total,
            "found": len(self.found),
            "not_scanned": len(self.not_scanned),
            "missing": len(self.missing),
            "surplus": len(self.surplus),
            "moved": len(self.moved),
            "status_differs": len(self.status_differs),
            "percent_done": round(100 * len(self.found) / total) if total else 100,
        }


def _norm(text: str | None) -> str:
    return "".join((text or "").split()).casefold()


def _differs(book: str | None, seen: str | None) -> bool:
    return bool(_norm(seen)) and _norm(seen) != _norm(book)


def _latest(sightings: list[Sighting], attr: str) -> object | None:
    for s in sorted(sightings, key=lambda s: (s.scanned_at, s.scan_id), reverse=True):
        value: object = getattr(s, attr)
        if value is not None and value != "":
            return value
    return None


def reconcile(
    book: Iterable[BookEntry],
    sightings: Iterable[Sighting],
    *,
    unit_id: int,
    known_elsewhere: Mapping[str, KnownCard],
    closed: bool = False,
    left: Iterable[LeftBook] = (),
) -> Reconciliation:
    """Classify the book and the sightings; ``known_elsewhere`` maps codes of cards that
    exist but are not on this task's book (own unit outside the task, or another unit);
    ``left``: cards that left the book during the task (their scans are no surplus)."""
    entries = list(book)
    left_book = tuple(left)
    by_code: dict[str, list[Sighting]] = {}
    unread: dict[str, list[Sighting]] = {}
    for s in sightings:
        if s.asset_code is None:
            unread.setdefault(s.raw_code, []).append(s)
        else:
            by_code.setdefault(s.asset_code, []).append(s)

    findings: list[Finding] = []
    booked: set[str] = {x.entry.asset_code for x in left_book}
    for e in entries:
        booked.add(e.asset_code)
        seen = by_code.get(e.asset_code, [])
        if not seen:
            findings.append(Finding(entry=e, found=False))
            continue
        dept = _latest(seen, "department_id")
        loc = _latest(seen, "location")
        status = _latest(seen, "status")
        findings.append(
            Finding(
                entry=e,
                found=True,
                last_seen=max(s.scanned_at for s in seen),
                scans=len(seen),
                seen_department_id=dept if isinstance(dept, int) else None,
                seen_location=loc if isinstance(loc, str) else None,
                seen_status=status if isinstance(status, str) else None,
            )
        )

    surplus: list[Surplus] = []
    for code, seen in sorted(by_code.items()):
        if code in booked:
            continue
        known = known_elsewhere.get(code)
        if known is None:
            reason = SurplusReason.UNKNOWN_CODE
        elif known.unit_id != unit_id:
            reason = SurplusReason.OTHER_UNIT
        else:
            reason = SurplusReason.OUTSIDE_TASK
        surplus.append(_surplus(seen[0].raw_code, code, reason, seen, known))
    for raw, seen in sorted(unread.items()):
        surplus.append(_surplus(raw, None, SurplusReason.UNREADABLE, seen, None))

    return Reconciliation(
        tuple(findings),
        tuple(surplus),
        _by_department(findings, closed=closed),
        closed=closed,
        left_book=left_book,
    )


def _surplus(
    raw: str, code: str | None, reason: SurplusReason, seen: list[Sighting], known: KnownCard | None
) -> Surplus:
    dept = _latest(seen, "department_id")
    loc = _latest(seen, "location")
    return Surplus(
        raw_code=raw,
        asset_code=code,
        reason=reason,
        scans=len(seen),
        first_seen=min(s.scanned_at for s in seen),
        last_seen=max(s.scanned_at for s in seen),
        card_id=known.card_id if known else None,
        department_id=dept if isinstance(dept, int) else None,
        location=loc if isinstance(loc, str) else None,
    )


def _by_department(findings: list[Finding], *, closed: bool) -> dict[int | None, dict[str, int]]:
    out: dict[int | None, dict[str, int]] = {}
    for f in findings:
        d = out.setdefault(
            f.entry.department_id,
            {
                "expected": 0,
                "found": 0,
                "not_scanned": 0,
                "missing": 0,
                "moved": 0,
                "status_differs": 0,
            },
        )
        d["expected"] += 1
        if f.found:
            d["found"] += 1
            d["moved"] += int(f.moved)
            d["status_differs"] += int(f.status_differs)
        else:
            d["missing" if closed else "not_scanned"] += 1
    return out
