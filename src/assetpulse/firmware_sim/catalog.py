"""The kinds of simulated assets (资产类别) and how each one is used and sensed.

Each profile names a GB/T 14885 code present in the categories table, which sensors such an
asset carries, and the shape of its use: sessions per active day, their length, when in the
day they happen, and how likely a working day or a rest day is active for an asset in use
(在用) or under-used (低效使用). Figures are plausible for a Hainan university campus.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """Broad asset kinds; the monitor's rules are per category, these group them."""

    LAB = "lab_instrument"  # 大型科研仪器
    VEHICLE = "vehicle"  # 乘用车
    DESKTOP = "desktop"  # 台式计算机
    PRINTER = "printer"  # 打印机
    ROOM = "room"  # 办公用房


class Verdict(StrEnum):
    """The class an asset truly belongs to; the analyser should find the same."""

    IDLE = "idle"  # 闲置: no use in the window
    UNDER_USED = "under_used"  # 低效使用: some use, far below its kind's norm
    IN_USE = "in_use"  # 在用
    OFFLINE = "offline"  # 数据不足: its sensors are dead or sparse; never "idle"


@dataclass(frozen=True, slots=True)
class Usage:
    """How an asset of a kind is used on a day (hours are local, UTC+8)."""

    p_workday: float  # chance that a working day is active
    p_restday: float  # chance that a weekend / public holiday is active
    sessions: tuple[int, int]  # sessions on an active day (inclusive range)
    minutes: tuple[int, int]  # length of one session
    hours: tuple[float, float]  # sessions start within these local hours


@dataclass(frozen=True, slots=True)
class Profile:
    kind: Kind
    category_code: str
    category_name: str
    name: str  # card name (资产名称)
    measure_unit: str
    value_yuan: int
    sensors: tuple[str, ...]  # photo / temp / loc
    counters: bool  # photo sensor sends on_ms / cyc
    on_flag: bool  # photo sensor sends `on`; False: lux only (a room's light meter)
    temp_rise: float  # °C above ambient when fully warmed up in use
    temp_tau_s: int  # warm-up time constant
    in_use: Usage
    under_used: Usage


PROFILES: dict[Kind, Profile] = {
    Kind.LAB: Profile(
        Kind.LAB,
        "A023201",
        "大型科研仪器",
        "场发射扫描电子显微镜",
        "台",
        2_800_000,
        ("photo", "temp"),
        counters=True,
        on_flag=True,
        temp_rise=12.0,
        temp_tau_s=900,
        in_use=Usage(0.85, 0.15, (1, 3), (60, 200), (8.5, 17.0)),
        under_used=Usage(0.12, 0.0, (1, 1), (30, 90), (9.0, 16.0)),
    ),
    Kind.VEHICLE: Profile(
        Kind.VEHICLE,
        "A020305",
        "乘用车",
        "公务用车 比亚迪汉",
        "辆",
        230_000,
        ("photo", "temp", "loc"),
        counters=True,
        on_flag=True,
        temp_rise=35.0,
        temp_tau_s=300,
        in_use=Usage(0.8, 0.1, (1, 3), (20, 90), (8.0, 17.0)),
        under_used=Usage(0.1, 0.0, (1, 1), (20, 60), (9.0, 16.0)),
    ),
    Kind.DESKTOP: Profile(
        Kind.DESKTOP,
        "A02010105",
        "台式计算机",
        "台式计算机 联想启天",
        "台",
        6_500,
        ("photo", "temp"),
        counters=True,
        on_flag=True,
        temp_rise=8.0,
        temp_tau_s=600,
        in_use=Usage(0.9, 0.05, (1, 2), (120, 210), (8.0, 15.0)),
        under_used=Usage(0.15, 0.0, (1, 1), (30, 90), (9.0, 16.0)),
    ),
    Kind.PRINTER: Profile(
        Kind.PRINTER,
        "A020102",
        "打印机",
        "激光打印机 惠普",
        "台",
        3_200,
        ("photo",),
        counters=False,
        on_flag=True,
        temp_rise=0.0,
        temp_tau_s=60,
        in_use=Usage(0.95, 0.0, (6, 16), (2, 8), (8.0, 17.5)),
        under_used=Usage(0.25, 0.0, (1, 2), (2, 5), (9.0, 16.0)),
    ),
    Kind.ROOM: Profile(
        Kind.ROOM,
        "A010101",
        "办公用房",
        "办公室",
        "平方米",
        900_000,
        ("photo", "temp"),
        counters=False,
        on_flag=False,
        temp_rise=2.5,
        temp_tau_s=1200,
        in_use=Usage(0.92, 0.05, (1, 2), (150, 220), (8.0, 14.5)),
        under_used=Usage(0.12, 0.0, (1, 1), (45, 120), (9.0, 15.0)),
    ),
}

# the mix of kinds on one gateway (one building): cycled over its assets
KIND_MIX: tuple[Kind, ...] = (
    Kind.DESKTOP, Kind.LAB, Kind.ROOM, Kind.PRINTER, Kind.VEHICLE,
    Kind.DESKTOP, Kind.ROOM, Kind.LAB,
)  # fmt: skip
