"""The JetStream source keeps a backlog flowing: the next pull request goes out as soon as
the last one is filled, not when the loop's idle timer happens to fire.

JetStream sends no status when a pull request is filled, so a loop that waited for one
(or for its timer) took one request's worth per timer tick: 1,000 messages per 0.25 s,
which capped a worker at ~4,000 single-reading messages/s however fast the rest was."""

from __future__ import annotations

import asyncio
import threading

import nats

from assetpulse.ingest.jetstream import STREAM, SUBJECT_PREFIX, JetStreamSource, ensure_stream
from assetpulse.ingest.source import Inbound
from assetpulse.localservices import NatsProcess
from tests.fix_ingest import wait_until

BACKLOG = 2_500  # more than one pull request (1,000) holds


async def _fill(url: str, gateway: str, n: int) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await ensure_stream(js)
        subject = f"{SUBJECT_PREFIX}assetpulse.v1.gw.{gateway}.up"
        for i in range(n):
            await js.publish(subject, b'{"i": %d}' % i, stream=STREAM)
    finally:
        await nc.close()


def test_backlog_larger_than_one_pull_when_idle_timer_never_fires_then_all_delivered(
    nats_broker: NatsProcess, unique_id: str
) -> None:
    asyncio.run(_fill(nats_broker.nats_url, f"G{unique_id}", BACKLOG))
    got: list[Inbound] = []
    lock = threading.Lock()

    def deliver(msgs: list[Inbound]) -> None:  # held, as while a worker's batch waits to commit
        with lock:
            got.extend(msgs)

    source = JetStreamSource(
        url=nats_broker.nats_url,
        durable=f"pull-{unique_id}",
        deliver=deliver,
        room=lambda: (10_000, 64 * 1024 * 1024),
        idle_poll_s=3600.0,  # only a wake-up can make it ask again
    )
    source.start()
    try:
        wait_until(lambda: len(got) >= BACKLOG, timeout=30, what=f"{BACKLOG} messages")
        source.ack([m.token for m in got])
    finally:
        source.stop()
    assert len({m.token for m in got}) == BACKLOG
    assert got[0].topic == f"assetpulse/v1/gw/G{unique_id}/up"
