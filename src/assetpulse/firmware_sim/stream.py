"""Gateway batches in publish order (消息流), with faults and an account of what was sent.

Each gateway steps its assets' sensors through the sample instants, batches readings into
messages of ``readings_per_message`` (or fewer when the oldest waits ``max_batch_age_s``),
numbers them with ``seq``, and applies its faults. All gateways' messages are merged by
publish time. The ``Accounting`` tells tests what a correct pipeline must end up with:
the valid (sensor, t) keys published, the malformed messages and the invalid readings.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assetpulse.firmware_sim import payload as pl
from assetpulse.firmware_sim.spec import FaultSpec, seeded_rng

if TYPE_CHECKING:
    from assetpulse.firmware_sim.fleet import Fleet

DAY_MS = 86_400_000
# Skewed times are moved off the whole-second sample grid by this many ms, so that a
# skewed reading never takes the key (sensor, t) of a real sample, and tests can tell it.
SKEW_MARK_MS = 137


@dataclass(frozen=True, slots=True)
class SimMessage:
    """One MQTT publish: topic and payload, plus what a correct ingest makes of it."""

    topic: str
    payload: bytes
    gateway_id: str
    seq: int
    publish_at_ms: int  # simulated time at which the gateway sends it
    keys: tuple[tuple[str, int], ...]  # valid (sensor_id, t_ms) it carries
    invalid: tuple[int, ...] = ()  # indexes in readings[] that are invalid
    malformed: str | None = None  # reason, when the envelope is invalid
    duplicate: bool = False  # a repeat of an earlier publish
    after_reboot: bool = False  # first message after the gateway rebooted


@dataclass(slots=True)
class Accounting:
    """What was published, for tests to compare with what got stored."""

    track_keys: bool = True
    valid_keys: set[tuple[str, int]] = field(default_factory=set)
    skewed_keys: set[tuple[str, int]] = field(default_factory=set)
    messages: int = 0
    readings: int = 0  # valid readings published, duplicates included
    duplicates: int = 0
    malformed: list[tuple[str, str]] = field(default_factory=list)  # (gateway, reason)
    invalid_readings: int = 0
    dropped_messages: int = 0
    dropped_readings: int = 0
    reboots: int = 0

    def add(self, m: SimMessage) -> None:
        self.messages += 1
        self.invalid_readings += len(m.invalid)
        self.readings += len(m.keys)
        if m.malformed is not None:
            self.malformed.append((m.gateway_id, m.malformed))
        if m.duplicate:
            self.duplicates += 1
        if self.track_keys:
            self.valid_keys.update(m.keys)
            self.skewed_keys.update(k for k in m.keys if k[1] % 1000 == SKEW_MARK_MS)


class MessageStream:
    """Iterable of ``SimMessage`` in publish order; ``accounting`` fills as it is consumed."""

    def __init__(
        self,
        fleet: Fleet,
        *,
        readings_per_message: int,
        max_batch_age_s: int,
        from_ms: int | None,
        to_ms: int | None,
        track_keys: bool,
        rfc3339_gateways: bool,
    ) -> None:
        if not 1 <= readings_per_message <= 10_000:
            raise ValueError("readings_per_message must be 1 … 10000 (MQTT.md)")
        self.fleet = fleet
        self.rpm = readings_per_message
        self.max_age_ms = max_batch_age_s * 1000
        spec = fleet.spec
        step = spec.sample_s * 1000
        lo = spec.start_ms if from_ms is None else max(spec.start_ms, from_ms)
        self.from_ms = spec.start_ms + -(-(lo - spec.start_ms) // step) * step
        self.to_ms = spec.end_ms if to_ms is None else min(spec.end_ms, to_ms)
        self.rfc3339_gateways = rfc3339_gateways
        self.accounting = Accounting(track_keys=track_keys)

    def __iter__(self) -> Iterator[SimMessage]:
        gens = [self._keyed(gw, g) for g, gw in enumerate(self.fleet.gateway_ids)]
        for _, _, _, m in heapq.merge(*gens):
            self.accounting.add(m)
            yield m

    def _keyed(self, gw: str, g: int) -> Iterator[tuple[int, int, int, SimMessage]]:
        for n, m in enumerate(self._gateway(gw, g)):
            yield m.publish_at_ms, g, n, m

    def _gateway(self, gw: str, g: int) -> Iterator[SimMessage]:
        spec = self.fleet.spec
        f: FaultSpec = spec.faults
        step = spec.sample_s * 1000
        rng = seeded_rng(spec.seed, "gw", gw, self.from_ms)
        assets = self.fleet.on_gateway(gw)
        signals = [a.signals(spec) for a in assets]
        counter_signals = [
            s for s, a in zip(signals, assets, strict=True) if any(x.counters for x in a.sensors)
        ]
        as_text = self.rfc3339_gateways and g % 4 == 3  # some firmware sends RFC 3339 times
        reboots = _events(rng, f.gateway_reboots, self.from_ms, self.to_ms)
        skews = _events(rng, f.clock_skew, self.from_ms, self.to_ms)
        skew_ms = f.skew_s * 1000 + SKEW_MARK_MS
        down_until = -1
        skew_until = -1
        seq = 0
        after_reboot = False
        pending: list[dict[str, Any]] = []
        pending_keys: list[tuple[str, int]] = []
        heap: list[tuple[int, int, SimMessage]] = []
        order = itertools.count()
        held: SimMessage | None = None

        def push(m: SimMessage) -> None:
            heapq.heappush(heap, (m.publish_at_ms, next(order), m))

        def form(now: int) -> None:
            nonlocal seq, after_reboot, held
            readings, keys = pending[: self.rpm], pending_keys[: self.rpm]
            del pending[: self.rpm], pending_keys[: self.rpm]
            this_seq, seq = seq, (seq + 1) % pl.SEQ_MOD
            invalid: list[int] = []
            while rng.random() < f.invalid_readings / (1 + f.invalid_readings):
                reason = pl.pick(rng, pl.INVALID_READING_REASONS)
                bad = pl.invalid_reading(assets[0].sensors[0].sensor_id, now + 3, reason)
                at = rng.randint(0, len(readings))
                readings.insert(at, bad)
                invalid = [i + 1 if i >= at else i for i in invalid] + [at]
            if f.malformed and rng.random() < f.malformed:
                reason = pl.pick(rng, pl.MALFORMED_REASONS)
                push(
                    SimMessage(
                        pl.up_topic(gw), pl.malformed(gw, this_seq, readings[0], reason),
                        gw, this_seq, now, (), malformed=reason,
                    )
                )  # fmt: skip
            if f.dropouts and rng.random() < f.dropouts:
                self.accounting.dropped_messages += 1
                self.accounting.dropped_readings += len(keys)
                return
            m = SimMessage(
                pl.up_topic(gw), pl.encode(gw, this_seq, readings), gw, this_seq, now,
                tuple(keys), tuple(sorted(invalid)), after_reboot=after_reboot,
            )  # fmt: skip
            after_reboot = False
            if f.late and rng.random() < f.late:
                m = _delayed(m, rng.randint(*f.late_s) * 1000)
            elif f.out_of_order and held is None and rng.random() < f.out_of_order:
                held = m  # overtaken: published right after the next message
                return
            push(m)
            if f.duplicates and rng.random() < f.duplicates:
                push(_delayed(m, rng.randint(0, 2000), duplicate=True))
            if held is not None:
                push(_delayed(held, m.publish_at_ms - held.publish_at_ms))
                held = None

        t = self.from_ms
        while t < self.to_ms:
            if reboots and t >= reboots[0]:
                reboots.pop(0)
                down_until = t + rng.randint(1, 5) * 60_000
                pending.clear()  # the unsent buffer dies with the gateway
                pending_keys.clear()
                self.accounting.reboots += 1
            if skews and t >= skews[0]:
                skews.pop(0)
                skew_until = t + f.skew_duration_s * 1000
            if f.counter_resets:
                for s in counter_signals:
                    if rng.random() < f.counter_resets * step / DAY_MS:
                        s.reset_counters()
            down = t < down_until
            for s in signals:
                readings = s.step(t)
                if not s.emits(t) or down:
                    continue
                for r in readings:
                    if t < skew_until:
                        r["t"] = t + skew_ms
                    pending_keys.append((r["s"], r["t"]))
                    if as_text:
                        r["t"] = pl.rfc3339(r["t"])
                    pending.append(r)
            if down and t + step >= down_until:
                seq = 0  # firmware restarts its counter and its sensors' counters
                after_reboot = True
                for s in signals:
                    s.reset_counters()
            while len(pending) >= self.rpm or (
                pending and t - pending_keys[0][1] >= self.max_age_ms - step
            ):
                form(t + 1000)
            while heap and heap[0][0] <= t:
                yield heapq.heappop(heap)[2]
            t += step
        while pending:
            form(t)
        if held is not None:
            push(held)
        while heap:
            yield heapq.heappop(heap)[2]


def _delayed(m: SimMessage, by_ms: int, *, duplicate: bool = False) -> SimMessage:
    return SimMessage(
        m.topic, m.payload, m.gateway_id, m.seq, m.publish_at_ms + by_ms, m.keys,
        m.invalid, m.malformed, duplicate or m.duplicate, m.after_reboot,
    )  # fmt: skip


def _events(rng: random.Random, per_day: float, lo: int, hi: int) -> list[int]:
    """Instants of a Poisson process with ``per_day`` events per day in [lo, hi)."""
    out: list[int] = []
    if per_day <= 0:
        return out
    t = float(lo)
    while True:
        t += rng.expovariate(per_day / DAY_MS)
        if t >= hi:
            return out
        out.append(int(t))
