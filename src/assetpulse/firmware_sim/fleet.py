"""A simulated fleet (模拟资产群): gateways, the assets on them, their sensors and use.

``Fleet.build(spec)`` is deterministic: the same spec gives the same assets, the same
sessions and therefore the same telemetry and ground truth. Verdict classes are assigned
by exact counts (rounded shares), shuffled over the fleet with the seed.

``spec.realism`` picks the profile: ``honest`` (the default;
``honest.py``: sensors as real ones behave; its assets carry a ``plan`` and their truth
adds ``powered_s``, what the ``on`` flag said, beside ``in_use_s``, the real use) or
``legacy`` (the flag-carried profile the first quality targets were met on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from assetpulse.firmware_sim.catalog import KIND_MIX, PROFILES, Kind, Profile, Verdict
from assetpulse.firmware_sim.honest import (
    HonestPlan,
    HonestSignals,
    honest_rng,
    honest_sensors,
    plan_asset,
    slow_trips,
)
from assetpulse.firmware_sim.signals import AssetSignals, Environment, SensorInfo
from assetpulse.firmware_sim.sky import Sky
from assetpulse.firmware_sim.spec import FleetSpec, Realism, seeded_rng
from assetpulse.firmware_sim.stream import MessageStream
from assetpulse.firmware_sim.usage import (
    DAY_MS,
    DayTruth,
    Home,
    Session,
    day_truths,
    plan_sessions,
)

_KIND_CODE = {
    Kind.LAB: "LAB",
    Kind.VEHICLE: "CAR",
    Kind.DESKTOP: "PC",
    Kind.PRINTER: "PRN",
    Kind.ROOM: "ROOM",
}
_SENSOR_CODE = {"photo": "PH", "temp": "TM", "loc": "LC"}
CAMPUS = (20.0583, 110.3250)  # 海南大学 海甸校区, Haikou


@dataclass(frozen=True, slots=True)
class Asset:
    """One simulated asset with its sensors and its whole use over the window."""

    asset_code: str
    name: str
    profile: Profile
    verdict: Verdict
    gateway_id: str
    sensors: tuple[SensorInfo, ...]
    sessions: tuple[Session, ...]
    home: Home
    env: Environment
    truth_days: tuple[DayTruth, ...]
    plan: HonestPlan | None = field(default=None, compare=False)  # the honest profile's

    @property
    def kind(self) -> Kind:
        return self.profile.kind

    @property
    def category_code(self) -> str:
        return self.profile.category_code

    def signals(self, spec: FleetSpec) -> AssetSignals | HonestSignals:
        """A fresh sensor state machine; its noise is seeded by the spec and asset."""
        if self.plan is not None:
            return HonestSignals(
                sensors=self.sensors,
                sessions=self.sessions,
                plan=self.plan,
                home=self.home,
                honest=spec.honest,
                window_start_ms=spec.start_ms,
                rng=seeded_rng(spec.seed, "noise", self.asset_code),
            )
        return AssetSignals(
            sensors=self.sensors,
            sessions=self.sessions,
            env=self.env,
            home=self.home,
            temp_rise=self.profile.temp_rise,
            temp_tau_s=self.profile.temp_tau_s,
            window_start_ms=spec.start_ms,
            step_ms=spec.sample_s * 1000,
            rng=seeded_rng(spec.seed, "noise", self.asset_code),
        )

    def truth(self) -> dict[str, Any]:
        """Ground truth as plain JSON-ready data: class, per-day use, totals."""
        days = [
            {
                "date": d.day.isoformat(),
                "workday": d.workday,
                "in_use_s": d.in_use_s,
                "sessions": d.sessions,
                "distance_m": d.distance_m,
            }
            for d in self.truth_days
        ]
        honest: dict[str, Any] = {}
        if self.plan is not None:
            p = self.plan
            honest = {
                # what the plug / ignition said (``on``), beside the real use above
                "powered_s": p.powered.on_ms_before(2**62) // 1000,
                "sensor_dead_from_ms": {
                    s.sensor_id: sp.dead_from_ms
                    for s, sp in zip(self.sensors, p.sensors, strict=True)
                    if sp.dead_from_ms is not None
                },
                "period_s": {
                    s.sensor_id: sp.period_ms // 1000
                    for s, sp in zip(self.sensors, p.sensors, strict=True)
                },
                "window_room": p.window_room,
                "lamp_lux": round(p.lamp_lux, 1),
            }
        return {
            "asset_code": self.asset_code,
            "kind": self.kind.value,
            "category_code": self.category_code,
            "verdict": self.verdict.value,
            "gateway_id": self.gateway_id,
            "sensors": [s.sensor_id for s in self.sensors],
            "in_use_s": sum(d.in_use_s for d in self.truth_days),
            "sessions": sum(d.sessions for d in self.truth_days),
            "distance_m": round(sum(d.distance_m for d in self.truth_days), 1),
            "days_moved": sum(1 for d in self.truth_days if d.distance_m > 0),
            "days_used": sum(1 for d in self.truth_days if d.in_use_s > 0),
            "days": days,
            **honest,
        }

    def day(self, on: date) -> DayTruth | None:
        return next((d for d in self.truth_days if d.day == on), None)


@dataclass(frozen=True, slots=True)
class Fleet:
    spec: FleetSpec
    gateway_ids: tuple[str, ...]
    assets: tuple[Asset, ...]

    @classmethod
    def build(cls, spec: FleetSpec) -> Fleet:
        rng = seeded_rng(spec.seed, "fleet")
        n = spec.gateways * spec.assets_per_gateway
        n_idle = round(spec.idle_share * n)
        n_under = round(spec.under_used_share * n)
        n_off = round(spec.offline_share * n)
        verdicts = (
            [Verdict.IDLE] * n_idle
            + [Verdict.UNDER_USED] * n_under
            + [Verdict.OFFLINE] * n_off
            + [Verdict.IN_USE] * max(0, n - n_idle - n_under - n_off)
        )[:n]
        rng.shuffle(verdicts)
        gateway_ids = tuple(f"{spec.prefix}-GW-{g + 1:04d}" for g in range(spec.gateways))
        # one sky over the campus: every room sees the same sun and the same clouds
        sky = Sky(seed=spec.seed, start_ms=spec.start_ms, days=spec.days)
        assets = []
        for g, gw in enumerate(gateway_ids):
            for a in range(spec.assets_per_gateway):
                kind = KIND_MIX[(g + a) % len(KIND_MIX)]
                verdict = verdicts[g * spec.assets_per_gateway + a]
                if spec.realism is Realism.HONEST:
                    assets.append(_make_honest_asset(spec, gw, g, a, PROFILES[kind], verdict, sky))
                else:
                    assets.append(_make_asset(spec, gw, g, a, PROFILES[kind], verdict))
        return cls(spec, gateway_ids, tuple(assets))

    def messages(
        self,
        *,
        readings_per_message: int = 50,
        max_batch_age_s: int = 300,
        from_ms: int | None = None,
        to_ms: int | None = None,
        track_keys: bool = True,
        rfc3339_gateways: bool = True,
    ) -> MessageStream:
        """The fleet's MQTT publishes in publish order, over [from_ms, to_ms) of the window.

        Iterate it once; ``stream.accounting`` then holds what was published. Every fourth
        gateway stamps times as RFC 3339 text (MQTT.md allows both) unless
        ``rfc3339_gateways`` is False.
        """
        return MessageStream(
            self,
            readings_per_message=readings_per_message,
            max_batch_age_s=max_batch_age_s,
            from_ms=from_ms,
            to_ms=to_ms,
            track_keys=track_keys,
            rfc3339_gateways=rfc3339_gateways,
        )

    def on_gateway(self, gateway_id: str) -> tuple[Asset, ...]:
        return tuple(a for a in self.assets if a.gateway_id == gateway_id)

    def truth(self) -> dict[str, Any]:
        """The fleet's ground truth as JSON-ready data (what ``--truth PATH`` writes)."""
        spec = self.spec
        return {
            "spec": {
                "gateways": spec.gateways,
                "assets_per_gateway": spec.assets_per_gateway,
                "seed": spec.seed,
                "start": spec.start.isoformat(),
                "start_ms": spec.start_ms,
                "days": spec.days,
                "sample_s": spec.sample_s,
                "prefix": spec.prefix,
                "realism": spec.realism.value,
                "faults": {k: getattr(spec.faults, k) for k in spec.faults.__slots__},
                **(
                    {"honest": {k: getattr(spec.honest, k) for k in spec.honest.__slots__}}
                    if spec.realism is Realism.HONEST
                    else {}
                ),
            },
            "assets": [a.truth() for a in self.assets],
        }


def _make_asset(
    spec: FleetSpec, gw: str, g: int, a: int, profile: Profile, verdict: Verdict
) -> Asset:
    code = f"{spec.prefix}-{_KIND_CODE[profile.kind]}-{g + 1:04d}{a + 1:03d}"
    rng = seeded_rng(spec.seed, "asset", code)
    sensors = tuple(
        SensorInfo(
            sensor_id=f"{spec.prefix}-{_SENSOR_CODE[k]}-{g + 1:04d}{a + 1:03d}",
            kind=k,
            on_flag=profile.on_flag if k == "photo" else False,
            counters=profile.counters if k == "photo" else False,
        )
        for k in profile.sensors
    )
    # offline assets are used like ones in use; what fails is their telemetry
    usage_class = Verdict.IN_USE if verdict is Verdict.OFFLINE else verdict
    sessions = tuple(plan_sessions(profile, usage_class, spec, rng))
    home = Home(
        lat=round(CAMPUS[0] + rng.uniform(-0.004, 0.004), 6),
        lon=round(CAMPUS[1] + rng.uniform(-0.004, 0.004), 6),
        zone=f"P{g + 1}" if profile.kind is Kind.VEHICLE else f"B{g + 1}-{a + 101}",
    )
    dead_from: int | None = None
    sparse_p = 1.0
    if verdict is Verdict.OFFLINE:
        if rng.random() < 0.5:  # battery died early: in the first fifth, at most 3 days in
            early_days = min(0.2 * spec.days, 3.0)  # (live windows run a year ahead)
            dead_from = spec.start_ms + int(rng.uniform(0.0, 1.0) * early_days * DAY_MS)
        else:  # radio link so poor that only a few samples get through
            sparse_p = rng.uniform(0.005, 0.03)
    env = Environment(
        ambient_c=round(rng.uniform(24.0, 28.0), 1),
        sunlit=rng.random() < 0.5,
        cloud=tuple(round(rng.uniform(0.3, 1.0), 3) for _ in range(spec.days)),
        lamp_lux=round(rng.uniform(300.0, 450.0), 1),
        screen_lux=round(rng.uniform(150.0, 260.0), 1),
        dead_from_ms=dead_from,
        sparse_p=sparse_p,
    )
    return Asset(
        asset_code=code,
        name=f"{profile.name} {g + 1}-{a + 1}",
        profile=profile,
        verdict=verdict,
        gateway_id=gw,
        sensors=sensors,
        sessions=sessions,
        home=home,
        env=env,
        truth_days=tuple(day_truths(profile, list(sessions), spec, home)),
    )


def _make_honest_asset(
    spec: FleetSpec, gw: str, g: int, a: int, profile: Profile, verdict: Verdict, sky: Sky
) -> Asset:
    """An asset of the ``honest`` profile: use to the second, sensors as real ones are."""
    code = f"{spec.prefix}-{_KIND_CODE[profile.kind]}-{g + 1:04d}{a + 1:03d}"
    rng = seeded_rng(spec.seed, "asset", code)
    extra = honest_rng(spec, code)
    sensors = honest_sensors(profile, spec, g, a, extra)
    usage_class = Verdict.IN_USE if verdict is Verdict.OFFLINE else verdict
    sessions = plan_sessions(profile, usage_class, spec, rng, step_ms=1000)
    if profile.kind is Kind.VEHICLE:
        sessions = slow_trips(sessions, spec.honest, extra)
    home = Home(
        lat=round(CAMPUS[0] + rng.uniform(-0.004, 0.004), 6),
        lon=round(CAMPUS[1] + rng.uniform(-0.004, 0.004), 6),
        zone=f"P{g + 1}" if profile.kind is Kind.VEHICLE else f"B{g + 1}-{a + 101}",
    )
    plan = plan_asset(profile, verdict, spec, sensors, tuple(sessions), home, sky, extra)
    env = Environment(  # kept for callers of the legacy fields; the plan is what counts
        ambient_c=27.0 + plan.base_offset_c,
        sunlit=plan.window_room,
        cloud=tuple(1.0 - c for c in sky.day_cover[: spec.days]),
        lamp_lux=plan.lamp_lux,
        screen_lux=plan.lamp_lux,
        dead_from_ms=None,
        sparse_p=1.0,
    )
    return Asset(
        asset_code=code,
        name=f"{profile.name} {g + 1}-{a + 1}",
        profile=profile,
        verdict=verdict,
        gateway_id=gw,
        sensors=sensors,
        sessions=tuple(sessions),
        home=home,
        env=env,
        truth_days=tuple(day_truths(profile, sessions, spec, home, exact_distance=True)),
        plan=plan,
    )
