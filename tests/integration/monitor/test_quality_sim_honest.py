"""Quality on the simulator's *honest* profile (issue 11 point 9), with its faults on: sun
and weather in lux, lux-only rooms, each sensor on its own period (30 s … 5 min), sensors
failing one at a time, GPS jitter, multipath and wild fixes, and a truth of real use rather
than of the ``on`` flag (the legacy profile's quality test, whose truth was the flag the
detector read, is gone).

Asserted: an asset that lost the sensors carrying its use is never idle (always 数据不足);
plug- and ignition-carried kinds (PCs, instruments, vehicles, printers) meet the 0.98 P/R
target, vehicles and PCs their hours (a PC left on overnight is not in use); no used room
is called idle, and every idle room is found or not judged because its light meter, with no
lamp learned, could by day only see a lamp brighter than room lighting (2026-12-02: seed
1's three idle window rooms on such meters are 数据不足: idle P/R 1.0/0.812; seed 2 0.941/1.0,
seed 3 1.0/0.875, since a1b42d2..dcefde5 1.0/1.0 and under_used 1.0/1.0: a PC left on
overnight whose screen meter had learned no screen yet counts no dark hour, an idle
printer's wake-up straddling an hour is counted once, two wake-ups in one hour are two).
Printed for the record (run with ``-s``; ``bench/sim.py --seed N``
judges another draw of the same fleet): on 2026-12-01 two window rooms whose meters report
every 5 minutes were misjudged (idle P/R 0.889/1.0, under_used 1.0/0.938), where daylight
moves the meter by 80-330 lux from one sample to the next in office hours: one lit 13 times
(59 h of use) by a 161-lux lamp, one lit once for 2 h by a 241-lux lamp, both under the
swing daylight reached there on the meter's days off. A switch made within one sample that
stands six times the changes around it (``light._calm_change``) finds both in the hours
they were lit in calm weather: idle and under_used P/R 1.0/1.0 on 2026-12-02 — but the
161-lux room still reads about a third of its hours (its switches in broken-cloud hours
stay unseen). This draw is kind: seed 2 gives idle 0.789/0.938, under_used 0.857/0.75 (6
misjudged: three window rooms on 5-minute meters whose 164-445 lux lamps were lit 2-3
times, all in jittery hours, read idle; a 2-minute window room with a 226-lux lamp reads 14
of its 78 h; an idle room reads 0.5 h; a PC used 0.8 h reads idle). Since: the idle room
and the PC were lone readings of a skewed gateway clock (set aside, 49e8d78); three of the
rooms' meters cannot see a lamp by day (数据不足), one (a 188-lux lamp on a meter that sees
lamps above 412 lux) still reads idle.
"""

from __future__ import annotations

import polars as pl
import pytest

from assetpulse.firmware_sim import Fleet
from tests.fix_sim_quality import LABELS, SPEC, judge_fleet


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return Fleet.build(SPEC)


@pytest.mark.timeout(1800)  # ~3.5 M readings (legacy: 1.4 M): minutes, not seconds
def test_sim_honest_fleet_verdicts_and_hours_meet_targets(db, monitor_world, fleet):
    q = judge_fleet(db, monitor_world, fleet, SPEC)
    print("\n" + q.report())
    mistakes, per_kind = q.mistakes, q.per_kind
    assert (q.offline["verdict"] == "idle").sum() == 0, "an asset without its sensors was idle"
    assert (q.offline["verdict"] == "insufficient_data").all()
    # printers too: their self-cleaning wake-ups (by night as by day) are their rule's
    # off-hours background, taken out before judging (core.background)
    for kind in ("desktop", "lab_instrument", "vehicle", "printer"):
        for label in LABELS:
            assert min(per_kind[kind][label]) >= 0.98, (kind, label, per_kind[kind], mistakes)
    assert abs(q.kind_hours_error["vehicle"]) <= 0.03, q.kind_hours_error
    assert abs(q.kind_hours_error["desktop"]) <= 0.05, q.kind_hours_error  # screen lit, not powered
    # no used room is called idle; every idle room is found, or not judged where its light
    # meter could not have seen a lamp by day (verdicts: day_blind, the reason in evidence)
    assert per_kind["room"]["idle"][0] >= 0.98, (per_kind["room"], mistakes)
    idle_rooms = q.live.filter((pl.col("kind") == "room") & (pl.col("truth") == "idle"))
    assert idle_rooms["verdict"].is_in(["idle", "insufficient_data"]).all(), mistakes
