"""A GPS receiver's errors (定位误差): jitter, multipath jumps and rare wild fixes.

- jitter: a fix wanders around the true position by ``gps_jitter_m`` per axis (standard
  deviation), correlated over ``gps_jitter_tau_s`` as real receivers' errors are (AR(1) in
  the time between fixes), so a parked car's track is a slow scribble, not white noise;
- multipath: a share ``multipath_rate`` of fixes lands tens of metres off (a reflection off
  a building), for that one fix, while the receiver still claims its usual accuracy;
- wild fixes: a share ``wild_fix_rate`` is far away: a lost leading digit of the latitude
  (20.06 → 0.06, as 47.6 became 7.6 in the AIS data), null island (0, 0), or the longitude
  off by degrees.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from assetpulse.firmware_sim.spec import HonestSpec
from assetpulse.firmware_sim.usage import EARTH_RADIUS_M


@dataclass(frozen=True, slots=True)
class Fix:
    lat: float
    lon: float
    acc: float  # what the receiver claims, metres
    error: str  # "jitter" | "multipath" | "wild": what the simulator did (for tests)


class GpsReceiver:
    """One receiver's error state; ``fix`` turns a true position into a reported one."""

    def __init__(self, honest: HonestSpec, rng: random.Random) -> None:
        self.sigma = honest.gps_jitter_m
        self.tau_ms = honest.gps_jitter_tau_s * 1000
        self.multipath_rate = honest.multipath_rate
        self.multipath_m = honest.multipath_m
        self.wild_rate = honest.wild_fix_rate
        self.rng = rng
        self.east = rng.gauss(0.0, self.sigma)
        self.north = rng.gauss(0.0, self.sigma)
        self.last_ms: int | None = None

    def fix(self, lat: float, lon: float, t_ms: int) -> Fix:
        rng = self.rng
        if self.last_ms is not None:
            phi = math.exp(-max(0, t_ms - self.last_ms) / self.tau_ms)
            kick = self.sigma * math.sqrt(1.0 - phi * phi)
            self.east = phi * self.east + kick * rng.gauss(0.0, 1.0)
            self.north = phi * self.north + kick * rng.gauss(0.0, 1.0)
        self.last_ms = t_ms
        east, north, error = self.east, self.north, "jitter"
        u = rng.random()
        if u < self.wild_rate:
            return self._wild(lat, lon)
        if u < self.wild_rate + self.multipath_rate:
            r = rng.uniform(*self.multipath_m)
            bearing = rng.uniform(0.0, 2 * math.pi)
            east += r * math.sin(bearing)
            north += r * math.cos(bearing)
            error = "multipath"
        dlat = math.degrees(north / EARTH_RADIUS_M)
        dlon = math.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
        acc = round(max(2.0, 1.5 * self.sigma * rng.uniform(0.7, 1.3)), 1)
        return Fix(round(lat + dlat, 6), round(lon + dlon, 6), acc, error)

    def _wild(self, lat: float, lon: float) -> Fix:
        rng = self.rng
        way = rng.randrange(3)
        if way == 0:  # the leading digit of the latitude lost
            lat = math.copysign(abs(lat) % 10.0, lat)
        elif way == 1:  # null island: a receiver reporting before it has a solution
            lat, lon = 0.0, 0.0
        else:
            lon = max(-180.0, min(180.0, lon + rng.choice((-1, 1)) * rng.uniform(5.0, 60.0)))
        return Fix(round(lat, 6), round(lon, 6), round(rng.uniform(5.0, 30.0), 1), "wild")
