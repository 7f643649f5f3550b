"""The ``honest`` profile (真实度 honest): what real sensors on real assets would send.

The truth is what people and machines really do: a room is in use while people are in it,
a PC while someone works at it, an instrument while it is operated, a printer while it
prints, a vehicle while it drives. Sensors see that only through their own physics:

- rooms carry a light meter (lux only; a third also have a thermometer): the room's own
  lamp is a step of its own level when switched, a little after people come and go
  (sometimes not at all on a bright day, sometimes left burning after they leave), over
  daylight through the windows that follows the sun at the room's place and the weather;
- PCs and instruments sit on a smart plug with a light sensor on the screen: ``on`` and
  the ``on_ms`` / ``cyc`` counters say *powered*, which is not *used* (a PC left on
  overnight, an instrument warmed up ahead of use); printers and vehicles send the plug's
  or the ignition's ``on`` and counters, no lux (a printer also wakes to clean itself);
- temperature: the air outside differs day to day; a room follows it slowly, the sun
  through the windows warms it, people warm it slowly, air-conditioning pulls it down;
  a device warms while powered and more while operated; a parked car heats in the sun;
- each sensor samples at its own period (30 s … 5 min), and fails on its own: a dead light
  meter beside a live thermometer;
- GPS fixes carry jitter, multipath jumps and rare wild fixes (``gps``); some trips crawl.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from assetpulse.firmware_sim.catalog import Kind, Profile, Verdict
from assetpulse.firmware_sim.gps import GpsReceiver
from assetpulse.firmware_sim.signals import Reading, SensorInfo
from assetpulse.firmware_sim.sky import Sky
from assetpulse.firmware_sim.spec import FleetSpec, HonestSpec, seeded_rng
from assetpulse.firmware_sim.usage import DAY_MS, HOUR_MS, Home, Session, position

MINUTE_MS = 60_000
_SENSOR_CODE = {"photo": "PH", "temp": "TM", "loc": "LC"}


@dataclass(frozen=True, slots=True)
class Intervals:
    """Sorted, disjoint ``[start, end)`` spans in ms, with prefix sums of their lengths."""

    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()
    before: tuple[int, ...] = ()  # total length of the spans before span i

    @classmethod
    def of(cls, spans: Iterable[tuple[int, int]]) -> Intervals:
        merged: list[list[int]] = []
        for a, b in sorted(s for s in spans if s[1] > s[0]):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        before, total = [], 0
        for a, b in merged:
            before.append(total)
            total += b - a
        return cls(tuple(a for a, _ in merged), tuple(b for _, b in merged), tuple(before))

    def on(self, t_ms: int) -> bool:
        i = bisect_right(self.starts, t_ms) - 1
        return i >= 0 and t_ms < self.ends[i]

    def on_ms_before(self, t_ms: int) -> int:
        """Time on in ``[-∞, t_ms)``."""
        i = bisect_right(self.starts, t_ms) - 1
        if i < 0:
            return 0
        return self.before[i] + min(t_ms, self.ends[i]) - self.starts[i]

    def starts_up_to(self, t_ms: int) -> int:
        """Off→on switches at or before ``t_ms``."""
        return bisect_right(self.starts, t_ms)

    def total_ms(self, lo: int, hi: int) -> int:
        return self.on_ms_before(hi) - self.on_ms_before(lo)


@dataclass(frozen=True, slots=True)
class SensorPlan:
    """When one sensor samples and when it fails."""

    period_ms: int
    phase_ms: int  # samples at window start + phase + k × period
    dead_from_ms: int | None  # fails for good from this instant
    sparse_p: float  # chance a due sample gets through (a poor radio link)


@dataclass(frozen=True, slots=True)
class HonestPlan:
    """Everything about one asset's surroundings and switching that its sensors see."""

    kind: Kind
    lat: float
    lon: float
    sensors: tuple[SensorPlan, ...]  # aligned with the asset's sensors
    used: Intervals  # the truth: people in the room, the machine in use, the car driving
    lamp: Intervals  # rooms: the lamp is on
    powered: Intervals  # what a plug or the ignition reports as ``on``
    screen: Intervals  # a device's display is lit
    daylight_factor: float  # indoor / outdoor illuminance where the light meter sits
    lamp_lux: float  # the room's own lamp, or a device's screen, at the light meter
    base_offset_c: float  # this room runs warmer or cooler than the building
    solar_c_per_klux: float  # warming per 1000 lux of daylight indoors, when settled
    people_rise_c: float
    people_tau_s: float
    has_ac: bool
    temp_rise_c: float  # a device: above the room when operated, settled
    temp_tau_s: float
    sky: Sky = field(compare=False, repr=False)

    @property
    def window_room(self) -> bool:
        return self.daylight_factor >= 0.002


def usage_sensors(kind: Kind) -> tuple[str, ...]:
    """The sensors that carry an asset's use: without them its verdict is not possible."""
    return ("photo", "loc") if kind is Kind.VEHICLE else ("photo",)


def honest_sensors(
    profile: Profile, spec: FleetSpec, g: int, a: int, rng: random.Random
) -> tuple[SensorInfo, ...]:
    """Which sensors a real asset of the kind carries and which fields each one sends."""
    kinds = profile.sensors
    if profile.kind is Kind.ROOM and rng.random() >= spec.honest.room_thermometer_share:
        kinds = ("photo",)  # the default room: a light meter and nothing else
    plug = profile.kind in (Kind.DESKTOP, Kind.LAB, Kind.PRINTER, Kind.VEHICLE)
    lux = profile.kind in (Kind.ROOM, Kind.DESKTOP, Kind.LAB)
    return tuple(
        SensorInfo(
            sensor_id=f"{spec.prefix}-{_SENSOR_CODE[k]}-{g + 1:04d}{a + 1:03d}",
            kind=k,
            on_flag=plug and k == "photo",
            counters=plug and k == "photo",
            lux=lux and k == "photo",
        )
        for k in kinds
    )


def slow_trips(sessions: list[Session], honest: HonestSpec, rng: random.Random) -> list[Session]:
    """A share of trips crawls (a jam, a campus road): reach follows their slow speed."""
    out = []
    for s in sessions:
        if rng.random() < honest.slow_trip_share:
            speed = rng.uniform(*honest.slow_speed_mps)
            s = Session(s.start_ms, s.end_ms, s.bearing_rad, speed * (s.end_ms - s.start_ms) / 2000)
        out.append(s)
    return out


def plan_asset(
    profile: Profile,
    verdict: Verdict,
    spec: FleetSpec,
    sensors: tuple[SensorInfo, ...],
    sessions: tuple[Session, ...],
    home: Home,
    sky: Sky,
    rng: random.Random,
) -> HonestPlan:
    """Periods, failures, switching and thermal constants of one asset, drawn with ``rng``."""
    h = spec.honest
    kind = profile.kind
    step = spec.sample_s * 1000
    choices = [
        (p * 1000, w)
        for p, w in zip(h.periods_s, h.period_weights, strict=True)
        if p % spec.sample_s == 0
    ] or [(step, 1.0)]
    carry = usage_sensors(kind)
    early_days = min(0.2 * spec.days, 3.0)  # offline: dead in the first days
    offline_dead = rng.random() < 0.5
    plans = []
    for info in sensors:
        period = rng.choices([c[0] for c in choices], [c[1] for c in choices])[0]
        phase = rng.randrange(period // step) * step
        dead: int | None = None
        sparse = 1.0
        if verdict is Verdict.OFFLINE and info.kind in carry:
            if offline_dead:  # each carrying sensor dies at its own instant
                dead = spec.start_ms + int(rng.uniform(0.0, early_days) * DAY_MS)
            else:
                sparse = rng.uniform(0.005, 0.03)
        elif info.kind not in carry and rng.random() < h.sensor_failure_share:
            dead = spec.start_ms + int(rng.uniform(0.0, spec.days) * DAY_MS)
        plans.append(SensorPlan(period, phase, dead, sparse))

    used = Intervals.of((s.start_ms, s.end_ms) for s in sessions)
    window = rng.random() < h.window_room_share
    if kind is Kind.ROOM:
        daylight_factor = rng.uniform(0.003, 0.009) if window else rng.uniform(0.0003, 0.0015)
        lamp_lux = rng.uniform(150.0, 600.0)
    else:  # a device's light sensor faces its screen, away from the windows
        daylight_factor = rng.uniform(0.0003, 0.0012)
        lamp_lux = rng.uniform(150.0, 260.0) if kind is Kind.DESKTOP else rng.uniform(80.0, 200.0)
    lamp: list[tuple[int, int]] = []
    powered: list[tuple[int, int]] = []
    screen: list[tuple[int, int]] = []
    by_day: dict[int, list[Session]] = {}
    for s in sessions:
        by_day.setdefault((s.start_ms - spec.start_ms) // DAY_MS, []).append(s)
    for day, todays in sorted(by_day.items()):
        day_ms = spec.start_ms + day * DAY_MS
        if kind is Kind.ROOM:
            for s in todays:
                if daylight_factor >= 0.002 and rng.random() < h.no_lamp_share:
                    continue  # bright enough: nobody switches the lamp on
                on = s.start_ms + rng.randint(0, 20_000)
                off = s.end_ms + rng.randint(0, 60_000)
                if rng.random() < h.forgotten_lamp_share:  # burns on until someone sees it
                    off = min(s.end_ms + rng.randint(15, 120) * MINUTE_MS, day_ms + 23 * HOUR_MS)
                lamp.append((on, off))
        elif kind in (Kind.DESKTOP, Kind.LAB):
            spans = [(s.start_ms, s.end_ms) for s in todays]
            shown = list(spans)
            if kind is Kind.LAB and rng.random() < h.warm_up_share:
                spans[0] = (spans[0][0] - rng.randint(5, 20) * MINUTE_MS, spans[0][1])
            if rng.random() < h.left_on_share:
                last = spans[-1]
                if kind is Kind.DESKTOP:  # not shut down: on until next morning; the
                    # screen sleeps some minutes after the last key press
                    until = day_ms + DAY_MS + int(rng.uniform(7.5, 8.5) * HOUR_MS)
                    shown[-1] = (last[0], last[1] + rng.randint(5, 15) * MINUTE_MS)
                else:  # an instrument left idling for hours
                    until = last[1] + int(rng.uniform(1.0, 4.0) * HOUR_MS)
                spans[-1] = (last[0], min(until, spec.end_ms))
            powered.extend(spans)
            screen.extend(spans if kind is Kind.LAB else shown)  # a display lit while powered
        else:
            powered.extend((s.start_ms, s.end_ms) for s in todays)
    if kind is Kind.PRINTER:  # self-cleaning cycles, by night as by day, printing nothing
        for day in range(spec.days):
            n = 0
            while rng.random() < h.printer_wakeups_per_day / (1 + h.printer_wakeups_per_day):
                n += 1
            for _ in range(n):
                at = spec.start_ms + day * DAY_MS + rng.randrange(DAY_MS)
                powered.append((at, at + rng.randint(60, 120) * 1000))
    return HonestPlan(
        kind=kind,
        lat=home.lat,
        lon=home.lon,
        sensors=tuple(plans),
        used=used,
        lamp=Intervals.of(lamp),
        powered=Intervals.of(powered),
        screen=Intervals.of(screen),
        daylight_factor=daylight_factor,
        lamp_lux=lamp_lux,
        base_offset_c=rng.uniform(-1.0, 1.0),
        solar_c_per_klux=rng.uniform(1.5, 3.0),
        people_rise_c=rng.uniform(0.8, 2.0),
        people_tau_s=rng.uniform(2700.0, 5400.0),
        has_ac=kind is Kind.ROOM and rng.random() < h.ac_room_share,
        temp_rise_c=profile.temp_rise,
        temp_tau_s=float(profile.temp_tau_s),
        sky=sky,
    )


def _relax(x: float | None, target: float, dt_s: float, tau_s: float) -> float:
    """First-order approach to ``target`` over ``dt_s``; settled when there is no past."""
    if x is None:
        return target
    return target + (x - target) * math.exp(-dt_s / tau_s)


class HonestSignals:
    """The sensors of one asset, stepped through the stream's base ticks."""

    def __init__(
        self,
        *,
        sensors: tuple[SensorInfo, ...],
        sessions: tuple[Session, ...],
        plan: HonestPlan,
        home: Home,
        honest: HonestSpec,
        window_start_ms: int,
        rng: random.Random,
    ) -> None:
        self.sensors = tuple(zip(sensors, plan.sensors, strict=True))
        self.sessions = sessions
        self.plan = plan
        self.site = plan.sky.site(plan.lat, plan.lon)
        self.home = home
        self.start = window_start_ms
        self.rng = rng
        self.link_rng = random.Random(rng.random())  # noqa: S311 - whether samples get through
        self.gps = GpsReceiver(honest, random.Random(rng.random()))  # noqa: S311 - simulation
        self._next = 0
        self._next_due = 0  # ms since the window's start of the next sample of any sensor
        self._reset_pending = False
        self.base_on_ms = 0
        self.base_cyc = 0
        self._last_temp_ms: int | None = None
        self.solar: float | None = None
        self.people = 0.0
        self.ac = 0.0
        self.rise = 0.0
        self.cabin: float | None = None

    def reset_counters(self) -> None:
        """A reboot: the plug's counters restart from zero at the next sample."""
        self._reset_pending = True

    def emits(self, t_ms: int) -> bool:
        return True  # each sensor's own failures are decided in ``step``

    def _session_at(self, t_ms: int) -> Session | None:
        while self._next < len(self.sessions) and self.sessions[self._next].end_ms <= t_ms:
            self._next += 1
        if self._next < len(self.sessions) and self.sessions[self._next].start_ms <= t_ms:
            return self.sessions[self._next]
        return None

    def step(self, t_ms: int) -> list[Reading]:
        """Readings of the sensors due at ``t_ms`` that are alive and get through."""
        p = self.plan
        if self._reset_pending:
            self._reset_pending = False
            self.base_on_ms = p.powered.on_ms_before(t_ms)
            self.base_cyc = p.powered.starts_up_to(t_ms) - p.powered.on(t_ms)
        since = t_ms - self.start
        if since < self._next_due:  # most base ticks: no sensor of this asset is due
            return []
        out: list[Reading] = []
        due = 2**62
        for s, sp in self.sensors:
            lag = (since - sp.phase_ms) % sp.period_ms
            due = min(due, since + (sp.period_ms - lag if lag else sp.period_ms))
            if lag:
                continue
            if sp.dead_from_ms is not None and t_ms >= sp.dead_from_ms:
                continue
            reading: Reading
            if s.kind == "temp":
                c = self.temperature_c(t_ms) + self.rng.gauss(0.0, 0.05)
                reading = {"s": s.sensor_id, "k": "temp", "t": t_ms, "c": round(c, 2)}
            elif s.kind == "loc":
                lat, lon = position(self.home, self._session_at(t_ms), t_ms)
                fix = self.gps.fix(lat, lon, t_ms)
                reading = {
                    "s": s.sensor_id, "k": "loc", "t": t_ms,
                    "lat": fix.lat, "lon": fix.lon, "acc": fix.acc,
                }  # fmt: skip
            else:
                reading = self._photo(s, t_ms)
            if sp.sparse_p < 1.0 and self.link_rng.random() >= sp.sparse_p:
                continue
            out.append(reading)
        self._next_due = due
        return out

    def daylight_lux(self, t_ms: int) -> float:
        """Daylight at the light meter (no lamp, no noise)."""
        p = self.plan
        return p.daylight_factor * p.sky.outdoor_lux_at(self.site, t_ms)

    def _photo(self, s: SensorInfo, t_ms: int) -> Reading:
        p = self.plan
        r: Reading = {"s": s.sensor_id, "k": "photo", "t": t_ms}
        if s.on_flag:
            r["on"] = p.powered.on(t_ms)
        if s.lux:
            lit = p.lamp.on(t_ms) if p.kind is Kind.ROOM else p.screen.on(t_ms)
            lux = (p.lamp_lux if lit else 0.0) + self.daylight_lux(t_ms)
            lux = lux * (1.0 + self.rng.gauss(0.0, 0.015)) + self.rng.gauss(0.0, 0.3)
            r["lux"] = round(max(0.0, lux), 1)
        if s.counters:
            r["on_ms"] = p.powered.on_ms_before(t_ms) - self.base_on_ms
            r["cyc"] = p.powered.starts_up_to(t_ms) - self.base_cyc
        return r

    def temperature_c(self, t_ms: int) -> float:
        """What the thermometer reads at ``t_ms`` before its noise; call in time order."""
        p = self.plan
        sky = p.sky
        dt = 0.0 if self._last_temp_ms is None else (t_ms - self._last_temp_ms) / 1000
        self._last_temp_ms = t_ms
        if p.kind is Kind.VEHICLE:  # cabin: heats in the sun when parked, AC when driving
            if p.powered.on(t_ms):
                self.cabin = _relax(self.cabin, 24.0, dt, 480.0)
            else:
                sun = sky.outdoor_lux_at(self.site, t_ms) / 100_000
                self.cabin = _relax(self.cabin, sky.outdoor_c(t_ms) + 18.0 * sun, dt, 1500.0)
            return self.cabin
        # the building follows the air outside slowly and by less than its swing
        base = 27.0 + p.base_offset_c + 0.45 * (sky.outdoor_c(t_ms - 2 * HOUR_MS) - 27.0)
        indoor_klux = self.daylight_lux(t_ms) / 1000
        self.solar = _relax(self.solar, p.solar_c_per_klux * indoor_klux, dt, 2700.0)
        used = p.used.on(t_ms)
        if p.kind is Kind.ROOM:
            self.people = _relax(self.people, p.people_rise_c if used else 0.0, dt, p.people_tau_s)
            room = base + self.solar + self.people
            cooling = min(0.0, 25.5 - room) if p.has_ac and used else 0.0
            self.ac = _relax(self.ac, cooling, dt, 900.0 if used else 1800.0)
            return room + self.ac
        # a device: warmer when operated than when merely powered
        if used:
            target = p.temp_rise_c
        elif p.powered.on(t_ms):
            target = 0.25 * p.temp_rise_c
        else:
            target = 0.0
        self.rise = _relax(self.rise, target, dt, max(1.0, p.temp_tau_s))
        return base + self.solar + self.rise


def honest_rng(spec: FleetSpec, asset_code: str) -> random.Random:
    return seeded_rng(spec.seed, "honest", asset_code)
