"""Properties of any fleet the spec allows (Hypothesis): classes, sessions, truth."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from assetpulse.firmware_sim import Fleet, FleetSpec, Realism, Verdict
from assetpulse.firmware_sim.spec import CHINA_TZ


@st.composite
def specs(draw):
    idle = draw(st.floats(0, 0.5))
    under = draw(st.floats(0, 0.5 - idle / 2))
    offline = draw(st.floats(0, 1 - idle - under))
    return FleetSpec(
        gateways=draw(st.integers(1, 3)),
        assets_per_gateway=draw(st.integers(1, 6)),
        idle_share=idle,
        under_used_share=under,
        offline_share=offline,
        seed=draw(st.integers(0, 2**31)),
        start=datetime(2025, 1, 1, tzinfo=CHINA_TZ) + timedelta(days=draw(st.integers(0, 700))),
        days=draw(st.integers(1, 20)),
        sample_s=draw(st.sampled_from([60, 300, 900])),
        realism=Realism.LEGACY,  # its truth is the flag the readings carry: checked here
    )


@settings(max_examples=60, deadline=None)
@given(specs())
def test_any_fleet_classes_sessions_and_truth_agree(spec):
    fleet = Fleet.build(spec)
    n = len(fleet.assets)
    assert sum(a.verdict is Verdict.IDLE for a in fleet.assets) == round(spec.idle_share * n)
    step = spec.sample_s * 1000
    for a in fleet.assets:
        used = sum(d.in_use_s for d in a.truth_days)
        assert used == sum(s.end_ms - s.start_ms for s in a.sessions) // 1000
        assert (used == 0) == (a.verdict is Verdict.IDLE)
        assert sum(d.sessions for d in a.truth_days) == len(a.sessions)
        for s, nxt in zip(a.sessions, a.sessions[1:], strict=False):
            assert nxt.start_ms > s.end_ms  # at least one "off" sample between sessions
        for s in a.sessions:
            assert (s.start_ms - spec.start_ms) % step == 0
            assert (s.end_ms - s.start_ms) % step == 0
            assert spec.start_ms <= s.start_ms < s.end_ms <= spec.end_ms
