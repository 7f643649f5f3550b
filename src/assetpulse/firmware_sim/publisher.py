"""Publishes simulated gateway traffic to an MQTT broker (paho-mqtt 2.x), live or replayed.

One client per gateway, as real gateways connect: MQTT 3.1.1 (every broker speaks it),
last will ``offline`` on ``…/state`` retained, ``online`` retained once connected, batches
with QoS 1. In-flight publishes are bounded: past ``max_inflight`` unacknowledged
messages the publisher waits for the broker, so replay runs as fast as the pipeline takes
it and never piles up memory.

Live mode maps simulated time onto the wall clock at ``speed`` × real time, but never
ahead of now: a live run that starts days back catches up fast and then goes on in real
time.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
import structlog
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from assetpulse.firmware_sim.payload import state_topic
from assetpulse.firmware_sim.stream import SimMessage

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """``mqtt://user:pass@host:port`` (port 1883 when left out)."""
        parts = urlsplit(url if "://" in url else f"mqtt://{url}")
        if parts.scheme not in ("mqtt", "tcp"):
            raise ValueError(f"unsupported MQTT URL scheme: {parts.scheme}")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 1883,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class Publisher:
    """A connected client per gateway; ``publish`` blocks while too much is in flight."""

    def __init__(
        self,
        broker: BrokerAddress,
        gateway_ids: Iterable[str],
        *,
        max_inflight: int = 1000,
        client_prefix: str = "sim",
    ) -> None:
        self.broker = broker
        self.max_inflight = max_inflight
        self._pending: deque[mqtt.MQTTMessageInfo] = deque()
        self._clients: dict[str, mqtt.Client] = {}
        self._connected: dict[str, threading.Event] = {}
        for gw in gateway_ids:
            self._clients[gw] = self._client(gw, client_prefix)
        self.published = 0

    def _client(self, gw: str, prefix: str) -> mqtt.Client:
        c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"{prefix}-{gw}",
            protocol=mqtt.MQTTv311,
            clean_session=True,
        )
        if self.broker.username:
            c.username_pw_set(self.broker.username, self.broker.password)
        c.will_set(state_topic(gw), b"offline", qos=1, retain=True)
        c.max_inflight_messages_set(max(20, self.max_inflight))
        c.max_queued_messages_set(0)  # unlimited: bounded by our own in-flight window
        c.reconnect_delay_set(min_delay=1, max_delay=10)
        event = threading.Event()
        self._connected[gw] = event

        def on_connect(
            client: mqtt.Client, _u: object, _f: object, rc: ReasonCode, _p: object
        ) -> None:
            if rc.is_failure:
                log.warning("gateway connect refused", gateway=gw, reason=str(rc))
                return
            client.publish(state_topic(gw), b"online", qos=1, retain=True)
            event.set()

        def on_disconnect(*_: object) -> None:
            event.clear()

        c.on_connect = on_connect
        c.on_disconnect = on_disconnect
        return c

    def connect(self, *, timeout: float = 30.0) -> None:
        for c in self._clients.values():
            c.connect_async(self.broker.host, self.broker.port, keepalive=30)
            c.loop_start()
        deadline = time.monotonic() + timeout
        for gw, event in self._connected.items():
            if not event.wait(max(0.0, deadline - time.monotonic())):
                raise TimeoutError(f"gateway {gw} could not connect to the broker")

    def publish(self, m: SimMessage) -> None:
        info = self._clients[m.gateway_id].publish(m.topic, m.payload, qos=1)
        if info.rc == MQTTErrorCode.MQTT_ERR_NO_CONN:
            # not lost: paho keeps QoS 1 messages and sends them once reconnected; clear the
            # code so that waiting for the broker's PUBACK works as for any other message
            info.rc = MQTTErrorCode.MQTT_ERR_SUCCESS
        self._pending.append(info)
        self.published += 1
        while len(self._pending) > self.max_inflight or (
            self._pending and self._pending[0].is_published()
        ):
            oldest = self._pending[0]
            if not oldest.is_published():
                oldest.wait_for_publish(timeout=60)
            self._pending.popleft()

    def drop_connection(self, gateway_id: str) -> None:
        """Cut a gateway's connection as a power loss would: no DISCONNECT is sent, so the
        broker publishes its last will (``offline``); paho reconnects, says ``online`` again
        and resends what was in flight (QoS 1: maybe twice, never lost)."""
        sock = self._clients[gateway_id].socket()
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):  # already gone
                sock.shutdown(socket.SHUT_RDWR)

    def flush(self, *, timeout: float = 60.0) -> None:
        """Wait until the broker acknowledged everything published so far."""
        deadline = time.monotonic() + timeout
        while self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{len(self._pending)} publishes still unacknowledged")
            self._pending[0].wait_for_publish(timeout=left)
            if self._pending[0].is_published():
                self._pending.popleft()

    def close(self) -> None:
        """Say ``offline`` as a gateway shutting down cleanly would, then disconnect."""
        for gw, c in self._clients.items():
            if self._connected[gw].is_set():
                c.publish(state_topic(gw), b"offline", qos=1, retain=True).wait_for_publish(5)
            c.disconnect()
            c.loop_stop()


def replay(messages: Iterable[SimMessage], publisher: Publisher, stop: threading.Event) -> int:
    """Publish as fast as the broker acknowledges; returns the number published."""
    n = 0
    for m in messages:
        if stop.is_set():
            break
        publisher.publish(m)
        n += 1
    publisher.flush()
    return n


def live(
    messages: Iterable[SimMessage],
    publisher: Publisher,
    stop: threading.Event,
    *,
    start_ms: int,
    speed: float,
    reboots_disconnect: bool = True,
) -> int:
    """Publish each message when the simulated clock reaches it (never ahead of now).

    A gateway that rebooted (fault ``gateway_reboots``) drops its connection first, so the
    broker's ``…/state`` shows ``offline`` and then ``online`` as with real hardware.
    """
    wall0 = time.time()
    n = 0
    for m in messages:
        while not stop.is_set():
            now_ms = time.time() * 1000
            sim_ms = min(now_ms, start_ms + (now_ms - wall0 * 1000) * speed)
            wait_ms = m.publish_at_ms - sim_ms
            if wait_ms <= 0:
                break
            # a simulated wait of w ms lasts w/speed ms of wall time while catching up
            pace = speed if sim_ms < now_ms - 1000 else 1.0
            stop.wait(min(1.0, wait_ms / 1000 / pace))
        if stop.is_set():
            break
        if m.after_reboot and reboots_disconnect:
            publisher.drop_connection(m.gateway_id)
        publisher.publish(m)
        n += 1
    return n
