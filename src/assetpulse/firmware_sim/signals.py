"""What each simulated sensor reads at a sample instant (传感器读数), given the asset's use.

- photo: ``on`` while the device is powered or the vehicle's ignition is on; ``lux`` from
  the device's screen or lamp over the room's ambient light. Room light meters send lux
  only: a lamp is a step of 300–450 lux, sunlight a smooth arc that in a sun-lit room is
  brighter than the lamp, so daylight must not look like use. Counters ``on_ms`` / ``cyc``
  count from the sensor's last boot and restart at 0 on a reboot or counter reset.
- temp: ambient baseline with a daily swing, plus a rise that approaches the profile's
  ``temp_rise`` while in use and decays after (first-order, time constant ``temp_tau_s``).
- loc: vehicles only; parked in the garage zone, or out and back along a road on a trip.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from assetpulse.firmware_sim.usage import DAY_MS, HOUR_MS, Home, Session, position

Reading = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SensorInfo:
    """One sensor on an asset: its id, kind, and which photo fields it sends."""

    sensor_id: str
    kind: str  # photo | temp | loc
    on_flag: bool = False
    counters: bool = False
    lux: bool = True  # photo: sends ``lux`` (a plug or an ignition sensor does not)


@dataclass(frozen=True, slots=True)
class Environment:
    """The asset's surroundings: ambient temperature, daylight, how it is sensed."""

    ambient_c: float
    sunlit: bool  # a room with windows to the sun: daylight up to ~700 lux
    cloud: tuple[float, ...]  # per local day, 0.3 (overcast) … 1.0 (clear)
    lamp_lux: float
    screen_lux: float
    dead_from_ms: int | None  # sensors stop for good (battery) from this instant
    sparse_p: float  # chance a sample is sent at all (1.0: every sample)


def daylight(hour: float) -> float:
    """0 … 1 over the day in Hainan (sunrise ~06:30, sunset ~18:30 local)."""
    if not 6.5 < hour < 18.5:
        return 0.0
    return math.sin(math.pi * (hour - 6.5) / 12.0)


class AssetSignals:
    """The sensor state of one asset, stepped forward one sample instant at a time."""

    def __init__(
        self,
        *,
        sensors: tuple[SensorInfo, ...],
        sessions: tuple[Session, ...],
        env: Environment,
        home: Home,
        temp_rise: float,
        temp_tau_s: int,
        window_start_ms: int,
        step_ms: int,
        rng: random.Random,
    ) -> None:
        self.sensors = sensors
        self.sessions = sessions
        self.env = env
        self.home = home
        self.temp_rise = temp_rise
        self.decay = math.exp(-step_ms / 1000 / max(1, temp_tau_s))
        self.window_start_ms = window_start_ms
        self.step_ms = step_ms
        self.rng = rng
        self.link_rng = random.Random(rng.random())  # noqa: S311 - whether samples get through
        self._next = 0  # index of the first session not yet over
        self.rise = 0.0
        self.on_ms = 0
        self.cyc = 0
        self.prev_on = False

    def reset_counters(self) -> None:
        """A reboot: the sensor's counters restart from zero."""
        self.on_ms = 0
        self.cyc = 0
        self.prev_on = False

    def _session_at(self, t_ms: int) -> Session | None:
        while self._next < len(self.sessions) and self.sessions[self._next].end_ms <= t_ms:
            self._next += 1
        if self._next < len(self.sessions) and self.sessions[self._next].start_ms <= t_ms:
            return self.sessions[self._next]
        return None

    def emits(self, t_ms: int) -> bool:
        """Whether this asset's sensors send at all (offline and sparse assets do not)."""
        if self.env.dead_from_ms is not None and t_ms >= self.env.dead_from_ms:
            return False
        return self.env.sparse_p >= 1.0 or self.link_rng.random() < self.env.sparse_p

    def step(self, t_ms: int) -> list[Reading]:
        """Readings of every sensor at ``t_ms``; state advances whether or not they are sent."""
        session = self._session_at(t_ms)
        on = session is not None
        if on and not self.prev_on:
            self.cyc += 1
        since = t_ms - self.window_start_ms
        hour = (since % DAY_MS) / HOUR_MS
        cloud = self.env.cloud[min(len(self.env.cloud) - 1, max(0, since // DAY_MS))]
        sun = daylight(hour) * cloud
        ambient = self.env.ambient_c + 1.5 * math.sin(2 * math.pi * (hour - 9.0) / 24.0)
        self.rise = (self.temp_rise if on else 0.0) + (
            self.rise - (self.temp_rise if on else 0.0)
        ) * self.decay
        out: list[Reading] = []
        for s in self.sensors:
            if s.kind == "photo":
                out.append(self._photo(s, t_ms, on, sun))
            elif s.kind == "temp":
                c = ambient + self.rise + self.rng.gauss(0.0, 0.05)
                out.append({"s": s.sensor_id, "k": "temp", "t": t_ms, "c": round(c, 2)})
            else:
                lat, lon = position(self.home, session, t_ms)
                r: Reading = {"s": s.sensor_id, "k": "loc", "t": t_ms, "lat": lat, "lon": lon}
                if on:
                    r["acc"] = 8.0
                else:
                    r["acc"] = 4.0
                    r["zone"] = self.home.zone
                out.append(r)
        # counters count on-time over [boot, t): this interval is added after the sample
        if on:
            self.on_ms += self.step_ms
        self.prev_on = on
        return out

    def _photo(self, s: SensorInfo, t_ms: int, on: bool, sun: float) -> Reading:
        noise = 1.0 + self.rng.gauss(0.0, 0.02)
        if s.on_flag:  # device-mounted: screen / indicator over dim room light
            lux = (self.env.screen_lux if on else 0.0) + 35.0 * sun
        else:  # a room's light meter: lamp over daylight through the windows
            lux = (self.env.lamp_lux if on else 0.0) + (700.0 if self.env.sunlit else 40.0) * sun
        r: Reading = {"s": s.sensor_id, "k": "photo", "t": t_ms}
        if s.on_flag:
            r["on"] = on
        r["lux"] = round(max(0.0, lux * noise), 1)
        if s.counters:
            r["on_ms"] = self.on_ms
            r["cyc"] = self.cyc
        return r
