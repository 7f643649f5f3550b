"""The honest profile's sky: daylight follows the sun at the place, clouds and air vary."""

from __future__ import annotations

import itertools
import statistics

from assetpulse.firmware_sim.sky import DAY_MS, Sky, clear_sky_lux
from tests.fix_sim import HONEST

MINUTE_MS = 60_000
HAIKOU = (20.06, 110.33)


def _sky(days: int = 28, seed: int = 3) -> Sky:
    return Sky(seed=seed, start_ms=HONEST.start_ms, days=days)


def _local_hour(sky: Sky, t_ms: int) -> float:
    return ((t_ms - sky.start_ms) % DAY_MS) / 3_600_000


def _clear_sky_peak_hour(sky: Sky, lat: float, lon: float, day: int) -> float:
    t0 = sky.start_ms + day * DAY_MS
    ts = range(t0, t0 + DAY_MS, MINUTE_MS)
    best = max(ts, key=lambda t: clear_sky_lux(sky.sun_elevation(lat, lon, t)))
    return _local_hour(sky, best)


def _solar_noon_hour(lon: float) -> float:
    """Local mean solar noon in UTC+8 from the longitude alone (the zone's meridian: 120°E);
    the equation of time moves the true noon by at most ±16.5 minutes."""
    return 12.0 + (120.0 - lon) / 15.0


def test_sky_daylight_peaks_near_local_solar_noon_of_the_place():
    sky = _sky(days=3)
    for lon in (HAIKOU[1], 87.6):  # Haikou, and Urumqi's longitude in the same time zone
        expected = _solar_noon_hour(lon)
        for day in range(3):
            peak = _clear_sky_peak_hour(sky, HAIKOU[0], lon, day)
            assert abs(peak - expected) < 17 / 60, (lon, day, peak, expected)
    assert _solar_noon_hour(87.6) - _solar_noon_hour(HAIKOU[1]) > 1.5  # the place matters


def test_sky_daylight_zero_at_night_and_up_by_day():
    sky = _sky(days=3)
    for t in range(sky.start_ms, sky.start_ms + 3 * DAY_MS, 10 * MINUTE_MS):
        hour = _local_hour(sky, t)
        lux = sky.outdoor_lux(*HAIKOU, t)
        if hour < 5.5 or hour > 19.5:
            assert lux == 0.0, hour
        if 9.0 < hour < 16.0:
            assert lux > 10_000, hour  # even under full overcast, a bright day outside


def test_sky_clear_days_brighter_than_overcast():
    sky = _sky()
    noon_lux = []
    for day in range(28):
        t0 = sky.start_ms + day * DAY_MS + 11 * 3_600_000
        noon = [sky.outdoor_lux(*HAIKOU, t) for t in range(t0, t0 + 3 * 3_600_000, 5 * MINUTE_MS)]
        noon_lux.append((sky.day_cover[day], statistics.fmean(noon)))
    noon_lux.sort()
    clearest = statistics.fmean(lux for _, lux in noon_lux[:5])
    cloudiest = statistics.fmean(lux for _, lux in noon_lux[-5:])
    assert noon_lux[0][0] < 0.3 < 0.7 < noon_lux[-1][0]  # the window has both kinds of days
    assert clearest > 1.8 * cloudiest


def test_sky_cloud_cover_varies_day_to_day_and_within_a_day():
    sky = _sky()
    assert statistics.pstdev(sky.day_cover[:28]) > 0.15
    varied = 0
    for day in range(28):
        t0 = sky.start_ms + day * DAY_MS
        cover = [sky.cloud_cover(t) for t in range(t0, t0 + DAY_MS, 10 * MINUTE_MS)]
        varied += statistics.pstdev(cover) > 0.03
        steps = [abs(b - a) for a, b in itertools.pairwise(cover)]
        assert max(steps) < 0.3  # weather drifts in 10 minutes, it does not jump
    assert varied >= 20


def test_sky_air_temperature_differs_day_to_day_and_peaks_in_the_afternoon():
    sky = _sky()
    means = []
    for day in range(28):
        t0 = sky.start_ms + day * DAY_MS
        temps = [(sky.outdoor_c(t), t) for t in range(t0, t0 + DAY_MS, 10 * MINUTE_MS)]
        means.append(statistics.fmean(c for c, _ in temps))
        assert 12.0 < _local_hour(sky, max(temps)[1]) < 17.0
        assert _local_hour(sky, min(temps)[1]) < 8.0 or _local_hour(sky, min(temps)[1]) > 23.0
    assert statistics.pstdev(means) > 0.5
    assert max(means) - min(means) > 2.0


def test_sky_same_seed_same_weather_in_any_order():
    a, b = _sky(seed=5), _sky(seed=5)
    ts = [a.start_ms + k * 7 * MINUTE_MS for k in range(0, 7 * 200, 3)]  # a week, in steps
    forward = [a.outdoor_lux(*HAIKOU, t) for t in ts]
    backward = [b.outdoor_lux(*HAIKOU, t) for t in reversed(ts)]
    assert forward == backward[::-1]
    assert forward != [_sky(seed=6).outdoor_lux(*HAIKOU, t) for t in ts]
