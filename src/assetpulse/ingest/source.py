"""The MQTT side of ingest (消息接收): paho-mqtt 2.x with acknowledgement after commit.

- ``manual_ack=True``: paho does not PUBACK on receipt; ``ack`` queues a token and the
  network thread sends it, because paho's write path is not safe to call from a second
  thread while this one reads (it would write straight to the socket).
- MQTT 5, ``clean_start=False`` and a session expiry: the broker keeps the session (the
  shared subscription and every unacknowledged message) while a worker is down, and
  redelivers to the same client id when it comes back, so client ids must be stable
  across restarts (``ingest-<host>-<n>``, never the pid).
- Flow control: the CONNECT's Receive Maximum equals the worker's in-flight limit, so the
  broker stops sending once that many messages are unacknowledged; for MQTT 3.1.1 brokers
  (amqtt) the ``on_message`` callback blocks instead, which stops the read loop. Either
  way memory is bounded and nothing is dropped.
- Acknowledgements carry the connection generation: after a reconnect the broker
  redelivers unacknowledged messages, possibly under packet ids that a new message will
  reuse, so an ack from before the reconnect is discarded, never sent.
- Own network loop instead of ``loop_forever``: paho's reconnect delay has no jitter, and
  paho reads one packet per ``loop()`` with several ``recv`` calls; our loop reads many
  packets per wake-up from a buffer and writes the queued acks together.
"""

from __future__ import annotations

import collections
import select
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
import structlog
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from assetpulse.ingest.backoff import Backoff

log = structlog.get_logger(__name__)

UP_TOPIC = "assetpulse/v1/gw/+/up"
STATE_TOPIC = "assetpulse/v1/gw/+/state"


class _BufferedClient(mqtt.Client):
    """paho reads a packet with three or more ``recv`` calls (type byte, length bytes,
    body); with one-reading messages those system calls were most of the worker's time
    in the network thread. This reads up to 256 KiB at once and serves paho from it.
    Relies on paho 2.x's ``_sock_recv``/``_sock_close`` (pinned ``<3``)."""

    _rbuf = b""
    _rpos = 0

    def buffered(self) -> bool:
        return self._rpos < len(self._rbuf)

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._rpos >= len(self._rbuf):
            self._rbuf = super()._sock_recv(262_144)  # raises BlockingIOError when empty
            self._rpos = 0
            if not self._rbuf:
                return b""  # EOF: paho sees the connection closed
        chunk = self._rbuf[self._rpos : self._rpos + bufsize]
        self._rpos += len(chunk)
        return chunk

    def _sock_close(self) -> None:
        self._rbuf, self._rpos = b"", 0
        super()._sock_close()


class Inbound(NamedTuple):
    """A message as the broker handed it over, with what it takes to acknowledge it:
    (generation, mid, qos) for MQTT, the reply subject (``reply``) for JetStream. A
    NamedTuple: made once per message, at a third of a frozen dataclass's cost."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int
    received_ms: int
    reply: str = ""

    @property
    def token(self) -> Any:
        """What the source's ``ack`` takes for this message."""
        return self.reply or (self.generation, self.mid, self.qos)


def parse_mqtt_url(url: str) -> tuple[str, int, str | None, str | None]:
    parts = urlsplit(url if "://" in url else f"mqtt://{url}")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return parts.hostname or "127.0.0.1", parts.port or 1883, user, password


class MqttSource:
    """One MQTT connection; ``deliver`` is called on the network thread for each message."""

    def __init__(
        self,
        *,
        url: str,
        client_id: str,
        group: str,
        max_inflight: int,
        deliver: Callable[[Inbound], None],
        session_expiry_s: int = 86_400,
        keepalive_s: int = 30,
    ) -> None:
        self.host, self.port, user, password = parse_mqtt_url(url)
        self.group = group
        self.v5 = bool(group)  # shared subscriptions need MQTT 5
        self.max_inflight = max_inflight
        self.deliver = deliver
        self.session_expiry_s = session_expiry_s
        self.keepalive_s = keepalive_s
        self.generation = 0
        self.connected = threading.Event()
        self.subscribed = threading.Event()  # first SUBACK seen (tests wait for it)
        self._acks: collections.deque[tuple[int, int, int]] = collections.deque()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._backoff = Backoff(first=0.2, cap=10.0)
        if self.v5:
            client = _BufferedClient(
                CallbackAPIVersion.VERSION2,
                client_id=client_id,
                protocol=mqtt.MQTTv5,
                manual_ack=True,
            )
        else:
            client = _BufferedClient(
                CallbackAPIVersion.VERSION2,
                client_id=client_id,
                protocol=mqtt.MQTTv311,
                clean_session=False,
                manual_ack=True,
            )
        if user is not None:
            client.username_pw_set(user, password)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        # queued packets (acks) are written by our loop in one go, not one send per ack
        client.on_socket_register_write = lambda *_: None
        self._client = client

    # --- called from other threads ---
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mqtt", daemon=True)
        self._thread.start()

    def ack(self, tokens: list[tuple[int, int, int]]) -> None:
        """Queue (generation, mid, qos) acknowledgements for the network thread."""
        self._acks.extend(tokens)

    def stop(self, *, timeout: float = 5.0) -> None:
        """Send the queued acknowledgements, then disconnect (the session stays)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    # --- network thread ---
    def _run(self) -> None:
        fresh = True
        while not self._stop.is_set():
            if not self.connected.is_set() and not self._connect(fresh):
                self._stop.wait(self._backoff.next())
                continue
            fresh = False
            self._send_acks()
            rc = self._pump(0.01)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                self._lost(f"loop: {mqtt.error_string(rc)}")
        self._send_acks()
        try:
            self._pump(0.05)  # let the acks reach the socket
            self._client.disconnect()
            self._pump(0.05)
        except (OSError, ValueError):
            pass

    def _pump(self, timeout: float) -> MQTTErrorCode:
        """One round of our own loop: write what is queued, wait for data unless some is
        buffered, read up to 1000 packets, keep the connection alive."""
        client = self._client
        sock = client.socket()
        if sock is None:
            return mqtt.MQTT_ERR_NO_CONN
        if client.want_write():
            rc = client.loop_write()
            if rc:
                return rc
        if not client.buffered():
            wlist = [sock] if client.want_write() else []
            try:
                readable, _, _ = select.select([sock], wlist, [], timeout)
            except (OSError, ValueError, TypeError):
                return mqtt.MQTT_ERR_CONN_LOST
            if not readable:
                return client.loop_misc()
        for _ in range(1000):
            rc = client.loop_read()
            if rc or not client.buffered():
                break
        if rc:
            return rc
        return client.loop_misc()

    def _connect(self, fresh: bool) -> bool:
        try:
            if fresh:
                props = None
                if self.v5:
                    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
                    props.SessionExpiryInterval = self.session_expiry_s
                    props.ReceiveMaximum = min(self.max_inflight, 65_535)
                    self._client.connect(
                        self.host, self.port, self.keepalive_s, clean_start=False,
                        properties=props,
                    )  # fmt: skip
                else:
                    self._client.connect(self.host, self.port, self.keepalive_s)
            else:
                self._client.reconnect()
        except (OSError, ValueError) as exc:
            log.warning("broker unreachable", host=self.host, port=self.port, error=str(exc))
            return False
        # CONNACK arrives through the loop; wait for it a little, reading as we go
        deadline = time.monotonic() + 10
        while not self.connected.is_set() and time.monotonic() < deadline:
            if self._pump(0.05) != mqtt.MQTT_ERR_SUCCESS:
                return False
        return self.connected.is_set()

    def _lost(self, why: str) -> None:
        if self.connected.is_set():
            log.warning("broker connection lost", reason=why)
        self.connected.clear()
        self.generation += 1
        self._stop.wait(self._backoff.next())

    def _send_acks(self) -> None:
        acks = self._acks
        gen = self.generation
        while acks:
            g, mid, qos = acks.popleft()
            if g == gen:
                self._client.ack(mid, qos)

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the connection", reason=str(reason))
            return
        share = f"$share/{self.group}/" if self.group else ""
        if self.v5:
            opts = SubscribeOptions(qos=1)
            # retained states are never sent to shared subscriptions: subscribe plainly
            client.subscribe([(share + UP_TOPIC, opts), (STATE_TOPIC, SubscribeOptions(qos=1))])
        else:
            client.subscribe([(UP_TOPIC, 1), (STATE_TOPIC, 1)])
        self._backoff.reset()
        self.connected.set()
        log.info(
            "connected to broker", host=self.host, port=self.port,
            session_present=bool(getattr(flags, "session_present", False)),
        )  # fmt: skip

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any
    ) -> None:
        codes = [str(r) for r in reasons]
        if any(getattr(r, "is_failure", False) for r in reasons):
            log.error("subscription refused", reasons=codes)
        else:
            self.subscribed.set()
            log.info("subscribed", group=self.group or None, granted=codes)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            topic = msg.topic
        except UnicodeDecodeError:  # the decoder dead-letters it as a bad topic
            topic = bytes(msg._topic).decode("utf-8", "replace")
        self.deliver(
            Inbound(
                topic, bytes(msg.payload), msg.mid, msg.qos, self.generation,
                time.time_ns() // 1_000_000,
            )
        )  # fmt: skip
