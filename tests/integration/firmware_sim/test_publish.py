"""Publishing a simulated fleet to the real broker: a subscriber receives every message."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from assetpulse.firmware_sim import FaultSpec, Fleet
from assetpulse.firmware_sim.publisher import BrokerAddress, Publisher, live, replay
from tests.fix_sim import SMALL


class Collector:
    """A plain paho subscriber that records every (topic, payload) it receives."""

    def __init__(self, port: int, topics: list[str]) -> None:
        self.got: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        self.client.max_queued_messages_set(0)

        def on_connect(client, *_):
            for t in topics:
                client.subscribe(t, qos=1)
            self.ready.set()

        def on_message(_c, _u, msg):
            with self.lock:
                self.got.append((msg.topic, msg.payload))

        self.client.on_connect = on_connect
        self.client.on_message = on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.ready.wait(10)
        time.sleep(0.2)  # let the subscriptions settle

    def wait_for(self, n: int, timeout: float = 30.0) -> None:
        self.wait_until(lambda got: len(got) >= n, timeout)

    def wait_until(self, done, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if done(list(self.got)):
                    return
            time.sleep(0.05)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _fleet(prefix: str, **faults: float) -> Fleet:
    spec = replace(SMALL, prefix=prefix, days=1, gateways=3, faults=FaultSpec(**faults))
    return Fleet.build(spec)


def test_replay_every_message_reaches_a_subscriber_duplicates_included(mqtt_broker, unique_id):
    fleet = _fleet("T" + unique_id.upper()[:8], duplicates=0.1, malformed=0.05)
    up = [f"assetpulse/v1/gw/{gw}/up" for gw in fleet.gateway_ids]
    sub = Collector(mqtt_broker.port, up)
    stream = fleet.messages(readings_per_message=20)
    publisher = Publisher(BrokerAddress.parse(mqtt_broker.url), fleet.gateway_ids, max_inflight=50)
    publisher.connect()
    try:
        sent = replay(stream, publisher, threading.Event())
    finally:
        publisher.close()
    expected = Counter((m.topic, m.payload) for m in fleet.messages(readings_per_message=20))
    assert sent == sum(expected.values())
    assert stream.accounting.duplicates > 0
    sub.wait_for(sent)
    sub.close()
    assert Counter(sub.got) == expected


def test_gateway_state_online_while_connected_offline_after(mqtt_broker, unique_id):
    fleet = _fleet("T" + unique_id.upper()[:8])
    publisher = Publisher(BrokerAddress.parse(mqtt_broker.url), fleet.gateway_ids)
    publisher.connect()
    state = [f"assetpulse/v1/gw/{gw}/state" for gw in fleet.gateway_ids]
    sub = Collector(mqtt_broker.port, state)
    sub.wait_for(3, timeout=5)
    assert sorted(sub.got) == sorted((t, b"online") for t in state)
    publisher.close()
    sub.wait_for(6, timeout=5)
    sub.close()
    assert Counter(p for _, p in sub.got) == {b"online": 3, b"offline": 3}


def test_live_sends_nothing_before_its_time_and_catches_up_fast(mqtt_broker, unique_id):
    fleet = _fleet("T" + unique_id.upper()[:8])
    publisher = Publisher(BrokerAddress.parse(mqtt_broker.url), fleet.gateway_ids)
    publisher.connect()
    start = fleet.spec.start_ms
    # a whole simulated hour from a window long past, at 3600x: about one second of wall time
    stream = fleet.messages(from_ms=start, to_ms=start + 3_600_000)
    began = time.monotonic()
    try:
        sent = live(stream, publisher, threading.Event(), start_ms=start, speed=3600.0)
        publisher.flush()
    finally:
        publisher.close()
    took = time.monotonic() - began
    assert sent == stream.accounting.messages > 0
    assert 0.5 < took < 10


def test_live_reboot_drops_the_connection_will_says_offline_then_online_nothing_lost(
    mqtt_broker, unique_id
):
    fleet = _fleet("T" + unique_id.upper()[:8], gateway_reboots=12.0)
    start = fleet.spec.start_ms
    # four hours of the day in which a gateway reboots (the fleet's seed comes from its
    # unique prefix: which hours hold a reboot varies from run to run)
    for h in (8, 12, 4, 16, 0, 20):
        window = {"from_ms": start + h * 3_600_000, "to_ms": start + (h + 4) * 3_600_000}
        rebooted = [m for m in fleet.messages(**window) if m.after_reboot]
        if rebooted:
            break
    assert rebooted
    expected = Counter((m.topic, m.payload) for m in fleet.messages(**window))
    topics = [
        f"assetpulse/v1/gw/{gw}/{what}" for gw in fleet.gateway_ids for what in ("up", "state")
    ]
    sub = Collector(mqtt_broker.port, topics)
    publisher = Publisher(BrokerAddress.parse(mqtt_broker.url), fleet.gateway_ids)
    publisher.connect()
    try:
        live(fleet.messages(**window), publisher, threading.Event(),
             start_ms=window["from_ms"], speed=36_000.0)  # fmt: skip
        publisher.flush()
    finally:
        publisher.close()
    sub.wait_until(lambda got: set(expected) <= set(got), timeout=20)
    time.sleep(0.3)  # the last state messages
    sub.close()
    ups = Counter(x for x in sub.got if x[0].endswith("/up"))
    assert set(ups) == set(expected)  # every batch arrived (a resend may repeat one)
    states = [p for t, p in sub.got if t.endswith(f"{rebooted[0].gateway_id}/state")]
    assert states[0] == b"online"
    assert b"offline" in states[1:-1]  # the will, while the gateway was rebooting
    assert states.count(b"online") >= 2
