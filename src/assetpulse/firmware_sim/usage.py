"""When each simulated asset is used (使用计划), and the ground truth that follows from it.

Use follows the Chinese working calendar (``chinese_calendar.is_workday``: weekends, public
holidays and their make-up working days), working hours in UTC+8, sessions of a length
typical for the kind, and trips with a distance for vehicles.

Sessions start and end on sample instants (multiples of ``sample_s`` from the window's
start): then the truth is exactly what a perfect analyser could see in complete telemetry,
and any difference the monitor shows is its own error or a fault's, never rounding here.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from assetpulse.firmware_sim.catalog import Kind, Profile, Usage, Verdict
from assetpulse.firmware_sim.spec import CHINA_TZ, FleetSpec

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Session:
    """One use: device on, room lit, or vehicle trip (ignition on) in [start_ms, end_ms)."""

    start_ms: int
    end_ms: int
    bearing_rad: float = 0.0  # vehicles: direction of the trip's turning point
    reach_m: float = 0.0  # vehicles: distance from the garage to the turning point


@dataclass(frozen=True, slots=True)
class DayTruth:
    """What truly happened to one asset on one local day."""

    day: date
    workday: bool
    in_use_s: int
    sessions: int
    distance_m: float


@dataclass(frozen=True, slots=True)
class Home:
    """Where a vehicle is parked (campus garage); others stay in their room."""

    lat: float
    lon: float
    zone: str


def is_workday(day: date) -> bool:
    """Chinese working day; outside the package's known years, Monday to Friday."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def local_days(spec: FleetSpec) -> list[date]:
    first = spec.start.astimezone(CHINA_TZ).date()
    return [first + timedelta(days=i) for i in range(spec.days)]


def plan_sessions(
    profile: Profile,
    verdict: Verdict,
    spec: FleetSpec,
    rng: random.Random,
    *,
    step_ms: int | None = None,
) -> list[Session]:
    """All sessions of one asset over the window, sorted, non-overlapping, on sample instants
    (or, with ``step_ms``, on that grid: 1 s for use that owes nothing to the samples)."""
    if verdict is Verdict.IDLE:
        return []
    usage = profile.under_used if verdict is Verdict.UNDER_USED else profile.in_use
    step = spec.sample_s * 1000 if step_ms is None else step_ms
    out: list[Session] = []
    days = local_days(spec)
    for i, day in enumerate(days):
        p = usage.p_workday if is_workday(day) else usage.p_restday
        if rng.random() >= p:
            continue
        day_ms = spec.start_ms + i * DAY_MS
        out.extend(_day_sessions(profile, usage, day_ms, step, rng))
    if not out:
        # an asset with no use at all in the window is idle, whatever its class says:
        # under-used (and in-use) assets get at least one active working day
        workdays = [i for i, d in enumerate(days) if is_workday(d)] or list(range(len(days)))
        day_ms = spec.start_ms + rng.choice(workdays) * DAY_MS
        out.extend(_day_sessions(profile, usage, day_ms, step, rng))
    return out


def _day_sessions(
    profile: Profile, usage: Usage, day_ms: int, step: int, rng: random.Random
) -> list[Session]:
    n = rng.randint(*usage.sessions)
    starts = sorted(rng.uniform(*usage.hours) for _ in range(n))
    sessions: list[Session] = []
    cursor = day_ms
    last_end = day_ms + 23 * HOUR_MS  # everything is over by 23:00 local
    for h in starts:
        start = max(day_ms + int(h * HOUR_MS), cursor)
        start = -(-(start - day_ms) // step) * step + day_ms  # up to a sample instant
        length = max(step, rng.randint(*usage.minutes) * 60_000 // step * step)
        end = start + length
        if end > last_end:
            break
        bearing = reach = 0.0
        if profile.kind is Kind.VEHICLE:
            speed_mps = rng.uniform(6.0, 12.0)  # 22–43 km/h average in town
            bearing = rng.uniform(0.0, 2 * math.pi)
            reach = speed_mps * (end - start) / 1000 / 2
        sessions.append(Session(start, end, bearing, reach))
        cursor = end + 2 * step  # at least one "off" sample between sessions
    return sessions


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def position(home: Home, session: Session | None, t_ms: int) -> tuple[float, float]:
    """A vehicle's true position: parked at home, or out and back along a straight road."""
    if session is None or not session.start_ms <= t_ms <= session.end_ms:
        return home.lat, home.lon
    f = (t_ms - session.start_ms) / (session.end_ms - session.start_ms)
    d = session.reach_m * (2 * f if f <= 0.5 else 2 - 2 * f)
    dlat = d * math.cos(session.bearing_rad) / EARTH_RADIUS_M
    dlon = d * math.sin(session.bearing_rad) / (EARTH_RADIUS_M * math.cos(math.radians(home.lat)))
    return round(home.lat + math.degrees(dlat), 6), round(home.lon + math.degrees(dlon), 6)


def trip_distance_m(home: Home, session: Session, step: int) -> float:
    """Path length through the positions a loc sensor samples during the trip."""
    total = 0.0
    prev = position(home, session, session.start_ms)
    t = session.start_ms + step
    while t <= session.end_ms:
        here = position(home, session, t)
        total += haversine_m(*prev, *here)
        prev = here
        t += step
    return total


def day_truths(
    profile: Profile,
    sessions: list[Session],
    spec: FleetSpec,
    home: Home,
    *,
    exact_distance: bool = False,
) -> list[DayTruth]:
    """Per local day: seconds in use, sessions (off→on), distance; from the plan alone.

    The distance is the path through the sampled positions, or with ``exact_distance`` the
    road driven (out and back: twice the reach), whatever a sensor sampled of it.
    """
    step = spec.sample_s * 1000
    per_day: dict[int, list[Session]] = {}
    for s in sessions:
        per_day.setdefault((s.start_ms - spec.start_ms) // DAY_MS, []).append(s)
    out = []
    for i, day in enumerate(local_days(spec)):
        todays = per_day.get(i, [])
        distance = 0.0
        if profile.kind is Kind.VEHICLE:
            if exact_distance:
                distance = sum(2 * s.reach_m for s in todays)
            else:
                distance = sum(trip_distance_m(home, s, step) for s in todays)
        out.append(
            DayTruth(
                day=day,
                workday=is_workday(day),
                in_use_s=sum(s.end_ms - s.start_ms for s in todays) // 1000,
                sessions=len(todays),
                distance_m=round(distance, 1),
            )
        )
    return out
