"""What fleet to simulate (模拟网关与传感器): sizes, class shares, seed, window and faults.

Plain frozen dataclasses, validated on construction, so that the same spec always yields
the same fleet, the same telemetry and the same ground truth.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum

from assetpulse.errors import DomainError

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
# A window with the Mid-Autumn Festival and the National Day week (2026-09-25, 10-01..07)
# and their make-up working weekends, so the default fleet exercises the calendar.
DEFAULT_START = datetime(2026, 9, 14, tzinfo=CHINA_TZ)
_PREFIX = re.compile(r"^[A-Z0-9]{1,12}$")


def seeded_rng(*parts: object) -> random.Random:
    """A generator seeded by a string of ``parts``: stable across runs and Python versions."""
    return random.Random(":".join(map(str, parts)))  # noqa: S311 - simulation, not secrets


class SimError(DomainError):
    """Root of the simulator's errors: a spec that cannot be simulated."""


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """Fault rates; all zero (off) by default.

    Message-level rates are probabilities per formed message; ``clock_skew``,
    ``counter_resets`` and ``gateway_reboots`` are expected events per gateway (or sensor)
    per day.
    """

    dropouts: float = 0.0  # message formed, never published (its seq is used: a gap)
    duplicates: float = 0.0  # message published twice
    out_of_order: float = 0.0  # message overtaken by the next one of its gateway
    late: float = 0.0  # message held back and published late_s later
    late_s: tuple[int, int] = (600, 3600)
    # episodes per gateway per day, clock ahead by skew_s: ingest flags a reading only if
    # it is ahead of the time it arrives, i.e. in live mode or with skew_s > replay's age
    clock_skew: float = 0.0
    skew_s: int = 6 * 3600
    skew_duration_s: int = 1800
    counter_resets: float = 0.0  # per counter-carrying sensor per day
    malformed: float = 0.0  # extra envelope-invalid messages per formed message
    invalid_readings: float = 0.0  # extra invalid readings per formed message
    gateway_reboots: float = 0.0  # per gateway per day: seq and counters restart

    def __post_init__(self) -> None:
        for name in ("dropouts", "duplicates", "out_of_order", "late", "malformed"):
            value = getattr(self, name)
            if not 0.0 <= value <= 0.5:
                raise SimError("SIM_BAD_FAULT", f"故障比例 {name} 须在 0 到 0.5 之间", name=name)
        for name in ("clock_skew", "counter_resets", "gateway_reboots", "invalid_readings"):
            if not 0.0 <= getattr(self, name) <= 24.0:
                raise SimError("SIM_BAD_FAULT", f"故障频率 {name} 须在 0 到 24 之间", name=name)

    @classmethod
    def typical(cls) -> FaultSpec:
        """A mix of every fault at rates a real rollout sees on a bad week."""
        return cls(
            dropouts=0.01,
            duplicates=0.02,
            out_of_order=0.02,
            late=0.01,
            clock_skew=0.1,
            counter_resets=0.05,
            malformed=0.005,
            invalid_readings=0.005,
            gateway_reboots=0.2,
        )

    @property
    def any(self) -> bool:
        return any(
            getattr(self, n) > 0
            for n in (
                "dropouts",
                "duplicates",
                "out_of_order",
                "late",
                "clock_skew",
                "counter_resets",
                "malformed",
                "invalid_readings",
                "gateway_reboots",
            )
        )


class Realism(StrEnum):
    """How close to real sensors the fleet is (``assetpulse sim --realism``).

    ``honest`` (the default): sun and weather in lux, solar warming, lux-only rooms,
    per-sensor sampling periods, sensors failing one at a time, GPS noise, and a truth of
    people's and machines' real use rather than of what a flag says. ``legacy``: the
    simulator as the monitor's quality targets were first met on it (no sun, the true
    ``on`` flag on 4 of 5 kinds, every sample on one grid), kept to compare against.
    """

    LEGACY = "legacy"
    HONEST = "honest"


@dataclass(frozen=True, slots=True)
class HonestSpec:
    """The knobs of the ``honest`` profile; ignored by ``legacy``.

    Rates are per fix (GPS), per session (lamps), per active day (machines) or the share
    of sensors; the defaults are plausible for a campus, not fitted to any data set.
    """

    # each sensor samples every one of these periods (drawn per sensor, from those that are
    # multiples of the spec's sample_s: that is the base tick of the stream)
    periods_s: tuple[int, ...] = (30, 60, 120, 300)
    period_weights: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4)
    room_thermometer_share: float = 1 / 3  # the rest are lux-only rooms (the default kind)
    window_room_share: float = 0.6  # rooms with windows: daylight of several hundred lux
    ac_room_share: float = 0.3  # rooms whose air-conditioning runs while people are in
    gps_jitter_m: float = 4.0  # standard deviation per axis of a fix, correlated in time
    gps_jitter_tau_s: float = 120.0  # correlation time of the jitter
    multipath_rate: float = 0.03  # share of fixes thrown tens of metres off
    multipath_m: tuple[float, float] = (20.0, 80.0)
    wild_fix_rate: float = 0.0003  # share of fixes far away (a digit lost, null island)
    slow_trip_share: float = 0.2  # trips crawling at walking pace or below
    slow_speed_mps: tuple[float, float] = (0.2, 1.0)
    no_lamp_share: float = 0.03  # sessions in a window room without switching the lamp on
    forgotten_lamp_share: float = 0.03  # sessions whose lamp burns on after people leave
    left_on_share: float = 0.1  # active days a PC / instrument stays powered after use
    warm_up_share: float = 0.3  # active days an instrument is powered up ahead of use
    printer_wakeups_per_day: float = 0.5  # self-cleaning cycles drawing power, no print
    sensor_failure_share: float = 0.1  # non-usage sensors (thermometers) dying in the window

    def __post_init__(self) -> None:
        if not self.periods_s or len(self.periods_s) != len(self.period_weights):
            raise SimError("SIM_BAD_HONEST", "采样周期与其权重须一一对应", name="periods_s")
        if min(self.periods_s) < 10 or max(self.periods_s) > 900:
            raise SimError("SIM_BAD_HONEST", "采样周期须在 10–900 秒之间", name="periods_s")
        shares = (
            "room_thermometer_share", "window_room_share", "ac_room_share", "multipath_rate",
            "wild_fix_rate", "slow_trip_share", "no_lamp_share", "forgotten_lamp_share",
            "left_on_share", "warm_up_share", "sensor_failure_share",
        )  # fmt: skip
        for name in shares:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise SimError("SIM_BAD_HONEST", f"比例 {name} 须在 0 到 1 之间", name=name)
        if not 0.0 <= self.gps_jitter_m <= 100.0 or self.gps_jitter_tau_s <= 0:
            raise SimError("SIM_BAD_HONEST", "GPS 抖动须在 0–100 米，相关时间须为正", name="gps")
        if not 0.0 <= self.printer_wakeups_per_day <= 24.0:
            raise SimError("SIM_BAD_HONEST", "打印机唤醒次数须在 0–24 次/天", name="printer")


@dataclass(frozen=True, slots=True)
class FleetSpec:
    """G gateways × S assets each, the share of each verdict class, the window, the faults."""

    gateways: int = 4
    assets_per_gateway: int = 10
    idle_share: float = 0.2
    under_used_share: float = 0.2
    offline_share: float = 0.1
    seed: int = 1
    start: datetime = DEFAULT_START
    days: int = 28
    sample_s: int = 60  # one sample per sensor per tick
    prefix: str = "SIM"  # asset codes, gateway and sensor ids start with it
    faults: FaultSpec = field(default_factory=FaultSpec)
    realism: Realism = Realism.HONEST
    honest: HonestSpec = field(default_factory=HonestSpec)

    def __post_init__(self) -> None:
        if not 1 <= self.gateways <= 9999 or not 1 <= self.assets_per_gateway <= 999:
            raise SimError("SIM_BAD_SIZE", "网关数须在 1–9999，每网关资产数须在 1–999")
        shares = (self.idle_share, self.under_used_share, self.offline_share)
        if min(shares) < 0 or sum(shares) > 1.0:
            raise SimError("SIM_BAD_SHARE", "闲置、低效、离线比例须非负且合计不超过 1")
        if self.start.tzinfo is None:
            raise SimError("SIM_NAIVE_START", "开始时间须带时区")
        if not 1 <= self.days <= 3660:
            raise SimError("SIM_BAD_DAYS", "天数须在 1–3660")
        if self.sample_s not in (10, 15, 20, 30, 60, 120, 300, 600, 900):
            raise SimError("SIM_BAD_SAMPLE", "采样间隔须为 10–900 秒中能整除一小时的值")
        if not _PREFIX.match(self.prefix):
            raise SimError("SIM_BAD_PREFIX", "前缀须为 1–12 位大写字母或数字")
        if not isinstance(self.realism, Realism):  # a plain string from a caller
            try:
                object.__setattr__(self, "realism", Realism(str(self.realism)))
            except ValueError:
                raise SimError(
                    "SIM_BAD_REALISM", "真实度须为 legacy 或 honest", realism=str(self.realism)
                ) from None

    @property
    def start_ms(self) -> int:
        """Start of the window in Unix ms, on local (UTC+8) midnight of the start date."""
        local = self.start.astimezone(CHINA_TZ)
        midnight = datetime(local.year, local.month, local.day, tzinfo=CHINA_TZ)
        return int(midnight.astimezone(UTC).timestamp()) * 1000

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.days * 86_400_000
