"""The pieces `assetpulse run` stands on: the amqtt fallback broker and child supervision."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace

from assetpulse.firmware_sim import Fleet
from assetpulse.firmware_sim.publisher import BrokerAddress, Publisher, replay
from assetpulse.localservices import free_port
from assetpulse.runner.children import Child, command_available
from assetpulse.runner.services import AmqttBroker
from tests.fix_sim import SMALL
from tests.integration.firmware_sim.test_publish import Collector


def test_amqtt_fallback_broker_carries_the_simulated_fleet():
    broker = AmqttBroker(free_port())
    broker.start()
    try:
        fleet = Fleet.build(replace(SMALL, prefix="AMQTT", days=1, gateways=2))
        sub = Collector(broker.port, [f"assetpulse/v1/gw/{g}/up" for g in fleet.gateway_ids])
        publisher = Publisher(BrokerAddress.parse(f"mqtt://127.0.0.1:{broker.port}"),
                              fleet.gateway_ids, max_inflight=20)  # fmt: skip
        publisher.connect()
        try:
            sent = replay(fleet.messages(to_ms=fleet.spec.start_ms + 6 * 3_600_000),
                          publisher, threading.Event())  # fmt: skip
        finally:
            publisher.close()
        sub.wait_for(sent, timeout=20)
        sub.close()
        expected = Counter(
            (m.topic, m.payload) for m in fleet.messages(to_ms=fleet.spec.start_ms + 6 * 3_600_000)
        )
        assert Counter(sub.got) == expected
    finally:
        broker.stop()


def test_child_that_dies_is_restarted_and_periodic_child_runs_again(tmp_path, monkeypatch):
    env = {"PATH": "/usr/bin:/bin"}
    dying = Child("dies", ("--version",), env, tmp_path)
    periodic = Child("again", ("--version",), env, tmp_path, every_s=0.5)
    for c in (dying, periodic):
        c.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (dying.restarts < 1 or periodic.runs < 3):
        dying.tend()
        periodic.tend()
        time.sleep(0.1)
    for c in (dying, periodic):
        c.stop()
    assert dying.restarts >= 1
    assert periodic.runs >= 3
    assert periodic.restarts == 0
    assert "assetpulse" in (tmp_path / "again.log").read_text()


def test_command_available_knows_commands_that_exist():
    assert command_available("sim")
    assert command_available("api")
    assert not command_available("no-such-command")
