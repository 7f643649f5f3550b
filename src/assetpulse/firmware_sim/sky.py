"""The sky over a site (天空与天气): the sun's elevation, clouds, outdoor light and air.

The sun's elevation at a place and instant comes from ``astral`` (NOAA's solar equations,
pure Python, typed, no heavy dependencies; ``pvlib`` would bring pandas and scipy for the
same elevation). It is computed every 5 minutes of a local day and place (places are
rounded to 0.05°, about 5 km, which moves the elevation by under 0.05°) and interpolated.

Weather is shared by every asset of the site (one campus sees the same clouds). Cloud cover
has a level per local day that persists from one day to the next (AR(1) on a latent
variable), a slow drift within the day (knots every 10 minutes, interpolated: daylight
ramps, it never steps within one sample) and, on days of broken cloud, the sun going in
and out (knots every 2 minutes). Clear-sky light from the elevation is scaled by
Kasten & Czeplak's cloud factor ``1 - 0.75 N^3.4``. Air temperature has a mean per day
(AR(1) across days) and a swing that is larger on clear days, warmest mid-afternoon.
Every day's draws are seeded by (seed, day), so any stretch computes alone, in any order.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from datetime import UTC, datetime

from astral import Observer
from astral.sun import elevation

from assetpulse.firmware_sim.spec import seeded_rng

DAY_MS = 86_400_000
MINUTE_MS = 60_000
# the elevation is smooth: straight lines between 5-minute knots are off by under 0.02°
_SUN_KNOT_MS = 5 * MINUTE_MS
_CLOUD_KNOT_MS = 10 * MINUTE_MS
_FLICKER_KNOT_MS = 2 * MINUTE_MS
_CACHED_DAYS = 64  # elevation tables kept per place (a live run moves on day by day)


def clear_sky_lux(elevation_deg: float) -> float:
    """Outdoor horizontal illuminance under a clear sky (lux), from the sun's elevation.

    Direct beam ~129 klx at normal incidence through an air mass ``1/sin h`` plus a diffuse
    part; civil twilight fades to 0 at −6°. About 110 klx with the sun at 70°.
    """
    if elevation_deg <= -6.0:
        return 0.0
    if elevation_deg < 0.0:
        return 400.0 * ((elevation_deg + 6.0) / 6.0) ** 2
    sh = math.sin(math.radians(elevation_deg))
    return 400.0 + 129_000.0 * sh * math.exp(-0.21 / max(sh, 0.05)) + 16_000.0 * math.sqrt(sh)


def cloud_factor(cover: float) -> float:
    """Kasten & Czeplak (1980): global light under cloud cover N (0 … 1) over clear sky."""
    return 1.0 - 0.75 * math.pow(cover, 3.4)


def _place(degrees: float) -> float:
    """A place to 0.05° (~5 km): the sun's elevation differs by under 0.05° within it."""
    return round(degrees * 20) / 20


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _interp(knots: list[float], step_ms: int, since_ms: int) -> float:
    i = min(since_ms // step_ms, len(knots) - 2)
    f = min(1.0, (since_ms - i * step_ms) / step_ms)
    return knots[i] + (knots[i + 1] - knots[i]) * f


class Sky:
    """Sun, clouds, light and air temperature over one site for the fleet's window."""

    def __init__(self, *, seed: int, start_ms: int, days: int, mean_c: float = 27.0) -> None:
        self.seed = seed
        self.start_ms = start_ms  # local midnight of the first day
        self.days = days
        self.mean_c = mean_c
        rng = seeded_rng(seed, "sky", "days")
        z = rng.gauss(0.0, 1.0)
        t = rng.gauss(0.0, 1.0)
        self.day_cover: list[float] = []
        self.day_mean_c: list[float] = []
        for _ in range(days + 1):
            self.day_cover.append(_logistic(1.6 * z))
            self.day_mean_c.append(mean_c + 1.4 * t)
            z = 0.6 * z + 0.8 * rng.gauss(0.0, 1.0)  # weather lasts a few days
            t = 0.7 * t + 0.71 * rng.gauss(0.0, 1.0)
        self._cover_knots: OrderedDict[int, tuple[list[float], list[float]]] = OrderedDict()
        self._elevations: OrderedDict[tuple[float, float, int], list[float]] = OrderedDict()
        self._lux: dict[tuple[float, float, int], float] = {}
        self._air: dict[int, float] = {}

    def day_index(self, t_ms: int) -> int:
        return min(self.days, max(0, (t_ms - self.start_ms) // DAY_MS))

    # -- the sun ---------------------------------------------------------------------------
    def sun_elevation(self, lat: float, lon: float, t_ms: int) -> float:
        """The sun's elevation in degrees at (lat, lon) and ``t_ms`` (refraction included)."""
        day = (t_ms - self.start_ms) // DAY_MS
        key = (_place(lat), _place(lon), day)
        table = self._elevations.get(key)
        if table is None:
            observer = Observer(latitude=key[0], longitude=key[1])
            t0 = self.start_ms + day * DAY_MS
            table = [
                float(
                    elevation(observer, datetime.fromtimestamp((t0 + m * _SUN_KNOT_MS) / 1000, UTC))
                )
                for m in range(DAY_MS // _SUN_KNOT_MS + 1)
            ]
            self._elevations[key] = table
            if len(self._elevations) > _CACHED_DAYS:
                self._elevations.popitem(last=False)
        return _interp(table, _SUN_KNOT_MS, t_ms - self.start_ms - day * DAY_MS)

    # -- the clouds ------------------------------------------------------------------------
    def _knots(self, day: int) -> tuple[list[float], list[float]]:
        cached = self._cover_knots.get(day)
        if cached is not None:
            return cached
        rng = seeded_rng(self.seed, "sky", "day", day)
        base = self.day_cover[min(max(day, 0), self.days)]
        dev = rng.gauss(0.0, 0.12)
        cover = []
        for _ in range(DAY_MS // _CLOUD_KNOT_MS + 1):
            cover.append(min(1.0, max(0.0, base + dev)))
            dev = 0.9 * dev + 0.052 * rng.gauss(0.0, 1.0)  # stationary sd ≈ 0.12
        flicker = [rng.random() for _ in range(DAY_MS // _FLICKER_KNOT_MS + 1)]
        self._cover_knots[day] = (cover, flicker)
        if len(self._cover_knots) > _CACHED_DAYS:
            self._cover_knots.popitem(last=False)
        return cover, flicker

    def cloud_cover(self, t_ms: int) -> float:
        """Cloud cover N at ``t_ms``, 0 (clear) … 1 (overcast)."""
        day = (t_ms - self.start_ms) // DAY_MS
        cover, _ = self._knots(day)
        return _interp(cover, _CLOUD_KNOT_MS, t_ms - self.start_ms - day * DAY_MS)

    def sky_factor(self, t_ms: int) -> float:
        """Share of the clear-sky light that gets through the clouds at ``t_ms``."""
        day = (t_ms - self.start_ms) // DAY_MS
        cover, flicker = self._knots(day)
        since = t_ms - self.start_ms - day * DAY_MS
        n = _interp(cover, _CLOUD_KNOT_MS, since)
        broken = 4.0 * n * (1.0 - n)  # 1 at half cover: the sun goes in and out most
        return cloud_factor(n) * (1.0 - 0.35 * broken * _interp(flicker, _FLICKER_KNOT_MS, since))

    def outdoor_lux(self, lat: float, lon: float, t_ms: int) -> float:
        """Outdoor horizontal illuminance at (lat, lon) and ``t_ms``, clouds included."""
        return self.outdoor_lux_at((_place(lat), _place(lon)), t_ms)

    @staticmethod
    def site(lat: float, lon: float) -> tuple[float, float]:
        """The place as the sky's caches know it (``outdoor_lux_at`` takes it)."""
        return _place(lat), _place(lon)

    def outdoor_lux_at(self, site: tuple[float, float], t_ms: int) -> float:
        key = (site[0], site[1], t_ms)
        lux = self._lux.get(key)
        if lux is None:  # every asset of a site asks for the same instants: compute once
            h = self.sun_elevation(site[0], site[1], t_ms)
            lux = 0.0 if h <= -6.0 else clear_sky_lux(h) * self.sky_factor(t_ms)
            if len(self._lux) > 200_000:
                self._lux.clear()
            self._lux[key] = lux
        return lux

    # -- the air ---------------------------------------------------------------------------
    def outdoor_c(self, t_ms: int) -> float:
        """Air temperature: the day's mean (interpolated noon to noon) and its swing."""
        c = self._air.get(t_ms)
        if c is None:
            if len(self._air) > 200_000:
                self._air.clear()
            c = self._air[t_ms] = self._outdoor_c(t_ms)
        return c

    def _outdoor_c(self, t_ms: int) -> float:
        since = t_ms - self.start_ms
        x = since / DAY_MS - 0.5  # 0 at the first local noon
        i = min(self.days - 1, max(0, math.floor(x)))
        f = min(1.0, max(0.0, x - i))
        mean = self.day_mean_c[i] + (self.day_mean_c[i + 1] - self.day_mean_c[i]) * f
        day = self.day_index(t_ms)
        swing = 2.0 + 3.5 * (1.0 - self.day_cover[day])  # clear days swing more
        hour = (since % DAY_MS) / 3_600_000
        return mean + swing / 2 * math.cos(2 * math.pi * (hour - 14.5) / 24.0)
