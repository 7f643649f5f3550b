"""The JetStream side of ingest (消息接收): a durable pull consumer, acknowledged after commit.

Gateways publish MQTT QoS 1 to nats-server's MQTT listener; the server writes each message
to the JetStream stream ``$MQTT_msgs`` before it sends the PUBACK (localservices/nats.py
says why that, and not Mosquitto). Workers read that stream through one durable consumer
(``durable``, filter ``$MQTT.msgs.assetpulse.v1.gw.>``) with the NATS protocol:

- work queue: all workers pull from the same consumer and JetStream hands each message to
  one of them. No subscription has to be re-made after a broker restart: the consumer is
  in the stream's store.
- the stream is a work queue (``retention: workqueue``): a message stays until our
  consumer acknowledges it, whether or not a consumer exists at that moment. nats-server
  makes ``$MQTT_msgs`` with interest retention, which deletes a message that arrives while
  no consumer is loaded: measured, a broker restart while gateways publish lost 80 of 8,000
  acknowledged messages that way (during shutdown or recovery the consumer is not there).
  So the workers create the stream as a work queue before gateways come, or replace the
  server's one while it is empty, and the server uses what exists. When full
  (``STREAM_MAX_BYTES``) it refuses new messages (no PUBACK: gateways retry) rather than
  dropping old ones. One consequence: MQTT QoS 1 subscriptions to these topics are refused
  (a work queue has one reader per subject: ours).
- ack after commit: ``ack`` sends ``+ACK`` for messages whose batch is committed; nothing
  else acknowledges. A worker that dies leaves its messages unacknowledged: after
  ``ack_wait`` JetStream hands them to another worker (or the restarted one).
- held messages stay ours: while a batch waits for the database, a ``+WPI`` (work in
  progress) every ``ack_wait / 3`` restarts their ack timer, so an outage longer than
  ``ack_wait`` does not make JetStream redeliver the whole window to the other workers.
- flow control: we pull only what the worker's in-flight window has room for, in messages
  and in bytes (``room``), so memory stays bounded however big the backlog is.

nats-py's own ``fetch`` costs a task and a ``wait_for`` per message (measured ~1,400
msgs/s); pull requests on a plain subscription with a callback measured several times that.
The asyncio loop runs in its own thread; ``ack`` is called from the worker's writer thread.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import nats
import orjson
import structlog
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from assetpulse.ingest.backoff import Backoff
from assetpulse.ingest.source import Inbound

log = structlog.get_logger(__name__)

STREAM = "$MQTT_msgs"  # nats-server's stream of QoS 1 MQTT messages
SUBJECT_PREFIX = "$MQTT.msgs."
FILTER = SUBJECT_PREFIX + "assetpulse.v1.gw.>"
_ACK, _WPI = b"+ACK", b"+WPI"
_PULL_EXPIRES_S = 1.0
# the broker's size limit: nats-server 2.9 applies its max_payload to NATS clients only, so
# the stream carries it (``max_msg_size``): a larger MQTT PUBLISH is not stored and its
# gateway is disconnected without a PUBACK. 1 MiB (the decoder's limit) + 64 KiB for the
# topic and headers; what lies between the two limits is dead-lettered by the decoder.
BROKER_MAX_MESSAGE_BYTES = 1_048_576 + 65_536
STREAM_MAX_BYTES = 16 * 1024**3  # backlog kept while no worker reads (a day at ~180 kB/s)


def stream_config() -> StreamConfig:
    return StreamConfig(
        name=STREAM,
        subjects=[SUBJECT_PREFIX + ">"],
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        num_replicas=1,
        max_msg_size=BROKER_MAX_MESSAGE_BYTES,
        max_bytes=STREAM_MAX_BYTES,
        discard=DiscardPolicy.NEW,
    )


_MAX_PULL = 1000


def subject_to_topic(subject: str) -> str:
    """``$MQTT.msgs.assetpulse.v1.gw.G.up`` -> ``assetpulse/v1/gw/G/up`` (nats-server 2.9
    refuses '.' inside an MQTT topic, so every '.' after the prefix was a '/')."""
    return subject.removeprefix(SUBJECT_PREFIX).replace(".", "/")


async def ensure_stream(js: Any) -> None:
    """``$MQTT_msgs`` as a work queue with our limits (see the module's docstring)."""
    want = stream_config()
    try:
        info = await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(want)
        return
    config = info.config
    if config.retention != RetentionPolicy.WORK_QUEUE:
        if info.state.messages == 0:
            # made by nats-server for an MQTT client that came first; retention cannot be
            # changed in place, and nothing is lost by replacing an empty stream
            log.warning("replacing the broker's interest-retention stream", stream=STREAM)
            await js.delete_stream(STREAM)
            await js.add_stream(want)
        else:
            log.error(
                "stream has interest retention and holds messages: a broker restart can"
                " lose acknowledged messages until it is recreated (docs/telemetry.md)",
                stream=STREAM, messages=info.state.messages,
            )  # fmt: skip
        return
    if (config.max_msg_size, config.max_bytes, config.discard) != (
        want.max_msg_size, want.max_bytes, want.discard,
    ):  # fmt: skip
        await js.update_stream(want)


class JetStreamSource:
    """Pulls from one durable consumer; ``deliver`` is called on the source's thread with
    the messages that one read from the socket brought (a list, in order)."""

    def __init__(
        self,
        *,
        url: str,
        durable: str,
        deliver: Callable[[list[Inbound]], None],
        room: Callable[[], tuple[int, int]],
        ack_wait_s: float = 30.0,
        idle_poll_s: float = 0.25,
    ) -> None:
        self.url = url
        self.durable = durable
        self.deliver = deliver
        self.room = room  # (messages, bytes) the worker can take now
        self.ack_wait_s = ack_wait_s
        # how long the pull loop sleeps when nothing wakes it (acks to send, room freed, a
        # request filled or over); only a lost request's retry depends on it
        self.idle_poll_s = idle_poll_s
        self.connected = threading.Event()
        self.subscribed = threading.Event()  # the consumer exists and we pull (tests wait)
        self._acks: collections.deque[str] = collections.deque()
        self._held: dict[str, float] = {}  # reply subject -> when received (monotonic)
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    # --- called from other threads ---
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="jetstream", daemon=True)
        self._thread.start()

    def ack(self, tokens: list[Any]) -> None:
        """Queue acknowledgements (reply subjects) for the source's thread."""
        self._acks.extend(tokens)
        self._poke()

    def poke(self) -> None:
        """The worker freed room in its window: pull again without waiting for the timer."""
        self._poke()

    def stop(self, *, timeout: float = 5.0) -> None:
        """Send the queued acknowledgements, then disconnect."""
        self._stop.set()
        self._poke()
        if self._thread is not None:
            self._thread.join(timeout)

    def _poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(wake.set)

    # --- the source's thread ---
    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        finally:
            loop.close()

    async def _main(self) -> None:
        self._wake = asyncio.Event()
        nc = await self._connect()
        if nc is None:
            return
        try:
            await self._ensure_consumer(nc)
            if not self._stop.is_set():
                await self._pull_loop(nc)
        finally:
            await self._send_acks(nc)
            with contextlib.suppress(Exception):  # broker gone: unacked ones come again
                await nc.flush(timeout=2)
            await nc.close()

    async def _connect(self) -> NatsClient | None:
        backoff = Backoff(first=0.2, cap=5.0)

        async def on_disconnect() -> None:
            self.connected.clear()
            log.warning("broker connection lost", url=self.url)

        async def on_reconnect() -> None:
            self.connected.set()
            log.info("reconnected to broker", url=self.url)

        async def on_error(exc: Exception) -> None:
            log.debug("nats client error", error=str(exc)[:200])

        while not self._stop.is_set():
            try:
                nc = await nats.connect(
                    self.url,
                    name=self.durable,
                    connect_timeout=2,
                    reconnect_time_wait=0.5,
                    max_reconnect_attempts=-1,  # forever: the broker comes back
                    pending_size=64 * 1024 * 1024,  # acks buffered while disconnected
                    disconnected_cb=on_disconnect,
                    reconnected_cb=on_reconnect,
                    error_cb=on_error,
                )
            except Exception as exc:  # unreachable, refused, timeout: retry
                log.warning("broker unreachable", url=self.url, error=str(exc)[:200])
                await asyncio.sleep(backoff.next())
                continue
            self.connected.set()
            log.info("connected to broker", url=self.url)
            return nc
        return None

    async def _ensure_consumer(self, nc: NatsClient) -> None:
        """The stream (nats-server makes it when the first MQTT client connects; we make it
        with the same settings if no gateway came yet) and our durable consumer."""
        js = nc.jetstream()
        backoff = Backoff(first=0.2, cap=5.0)
        while not self._stop.is_set():
            try:
                await ensure_stream(js)
                try:
                    await js.consumer_info(STREAM, self.durable)
                except NotFoundError:
                    await js.add_consumer(
                        STREAM,
                        ConsumerConfig(
                            durable_name=self.durable,
                            filter_subject=FILTER,
                            deliver_policy=DeliverPolicy.ALL,
                            ack_policy=AckPolicy.EXPLICIT,
                            ack_wait=self.ack_wait_s,
                            max_ack_pending=1_000_000,
                            max_waiting=512,
                        ),
                    )
                log.info("subscribed", consumer=self.durable, stream=STREAM)
                return
            except Exception as exc:  # JetStream not ready yet: retry
                log.warning("consumer not ready", error=str(exc)[:200])
                await asyncio.sleep(backoff.next())

    async def _pull_loop(self, nc: NatsClient) -> None:
        wake = self._wake
        assert wake is not None
        inbox = nc.new_inbox()
        state = {"asked": 0, "until": 0.0}  # the open pull request: messages still due
        topics: dict[str, str] = {}  # subject -> topic: a gateway sends on one all day
        loop = asyncio.get_running_loop()
        # what nats-py parsed from one read, handed on at once: per message, the hand-off
        # to the batcher (window lock, queue, thread wake-up) cost more than the decode
        arrived: list[Inbound] = []

        def hand_on() -> None:
            got = arrived.copy()
            arrived.clear()
            self.deliver(got)

        async def on_msg(msg: Msg) -> None:
            reply = msg.reply
            if not reply:  # a status (404 no messages, 408 expired, 409): request over
                state["asked"] = 0
                wake.set()
                return
            state["asked"] = max(0, state["asked"] - 1)
            if not state["asked"]:
                wake.set()  # request filled (no status follows): ask again at once
            self._held[reply] = time.monotonic()
            subject = msg.subject
            topic = topics.get(subject)
            if topic is None:
                topic = subject_to_topic(subject)
                if len(topics) < 100_000:
                    topics[subject] = topic
            if not arrived:
                loop.call_soon(hand_on)  # after the callbacks of this read
            arrived.append(Inbound(topic, msg.data, 0, 1, 0, time.time_ns() // 1_000_000, reply))

        await nc.subscribe(
            inbox, cb=on_msg, pending_msgs_limit=-1, pending_bytes_limit=-1
        )  # fmt: skip
        self.subscribed.set()
        next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{STREAM}.{self.durable}"
        last_wpi = time.monotonic()
        while not self._stop.is_set():
            wake.clear()
            await self._send_acks(nc)
            now = time.monotonic()
            if now - last_wpi > self.ack_wait_s / 3:
                last_wpi = now
                await self._keep_held(nc, now)
            if state["asked"] and now > state["until"]:
                state["asked"] = 0  # its answer was lost (broker restarted): ask again
            msgs, nbytes = self.room()
            if not state["asked"] and msgs > 0 and nbytes > 0 and nc.is_connected:
                batch = min(msgs, _MAX_PULL)
                request = {
                    "batch": batch,
                    "max_bytes": nbytes,
                    "expires": int(_PULL_EXPIRES_S * 1e9),
                }
                try:
                    await nc.publish(next_subject, orjson.dumps(request), reply=inbox)
                    state["asked"] = batch
                    state["until"] = now + _PULL_EXPIRES_S + 1.0
                except Exception as exc:  # disconnected: the timer retries
                    log.debug("pull request failed", error=str(exc)[:200])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self.idle_poll_s)

    async def _send_acks(self, nc: NatsClient) -> None:
        acks, held = self._acks, self._held
        while acks:
            reply = acks.popleft()
            held.pop(reply, None)
            try:
                await nc.publish(reply, _ACK)
            except Exception as exc:  # lost ack: JetStream redelivers, deduped
                log.debug("ack not sent", error=str(exc)[:200])

    async def _keep_held(self, nc: NatsClient, now: float) -> None:
        """+WPI for messages held a while (their batch waits for the database)."""
        old = now - self.ack_wait_s / 3
        for reply, since in list(self._held.items()):
            if since < old:
                try:
                    await nc.publish(reply, _WPI)
                except Exception:  # next round tries again
                    return
