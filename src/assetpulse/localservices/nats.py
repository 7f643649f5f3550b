"""A private NATS server with JetStream and its MQTT gateway: the broker whose
acknowledgement means "written to disk".

Why NATS and not Mosquitto (measured, see docs/telemetry.md "Durability"): Mosquitto sends
PUBACK as soon as a message is in memory and writes its whole store to disk every
``autosave_interval`` (or every N changes with ``autosave_on_changes``, which rewrites the
whole queue each time and collapsed to ~70 msgs/s with a backlog). A kill -9 loses what
came in since the last save. nats-server stores a QoS 1 MQTT PUBLISH in the JetStream
stream ``$MQTT_msgs`` (a ``write`` to its file, flush in place for a one-replica stream)
before it sends the PUBACK, so a kill -9 of the broker loses nothing acknowledged; the
file is fsynced every ``sync_interval`` (60 s in 2.9), which matters only if the machine
itself loses power.

Gateways connect to ``mqtt_port`` with MQTT 3.1.1 (nats-server 2.9 has no MQTT 5);
ingest workers read the stream with the NATS protocol on ``port``
(``ingest/jetstream.py``), from one durable consumer that all workers pull from.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import nats

from assetpulse.ingest.jetstream import ensure_stream
from assetpulse.localservices.broker import BrokerProcess, find_binary
from assetpulse.localservices.ports import free_port, wait_for_port

# for NATS clients; MQTT publishes are bounded by the stream's max_msg_size, which the
# ingest workers set (ingest/jetstream.py BROKER_MAX_MESSAGE_BYTES, the same number)
MAX_PAYLOAD_BYTES = 1_048_576 + 65_536

CONFIG = """\
server_name: assetpulse-local
listen: 127.0.0.1:{port}
max_payload: {max_payload}
jetstream {{
  store_dir: "{datadir}/jetstream"
  max_file_store: 20G
}}
mqtt {{
  listen: 127.0.0.1:{mqtt_port}
}}
"""


def find_nats_server() -> str | None:
    return find_binary("nats-server")


class NatsProcess(BrokerProcess):
    """nats-server on two free ports (NATS, MQTT); ``kill9`` and ``start`` again keep its
    JetStream store. Same methods as ``MosquittoProcess`` so that tests can use either."""

    kind = "nats"

    def __init__(
        self,
        datadir: Path,
        *,
        port: int | None = None,
        mqtt_port: int | None = None,
        max_payload: int = MAX_PAYLOAD_BYTES,
    ) -> None:
        binary = find_nats_server()
        if binary is None:
            raise RuntimeError("nats-server not found: apt-get install nats-server")
        self.binary = binary
        self.datadir = Path(datadir)
        self.nats_port = port or free_port()
        self.port = mqtt_port or free_port()  # what gateways connect to, as with Mosquitto
        self.max_payload = max_payload
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The MQTT listener (gateways)."""
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def nats_url(self) -> str:
        """The NATS listener (ingest workers)."""
        return f"nats://127.0.0.1:{self.nats_port}"

    def start(self, *, timeout: float = 30.0) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        conf = self.datadir / "nats.conf"
        conf.write_text(
            CONFIG.format(
                port=self.nats_port,
                mqtt_port=self.port,
                datadir=self.datadir,
                max_payload=self.max_payload,
            )
        )
        with (self.datadir / "nats.log").open("ab") as out:
            self._proc = subprocess.Popen(
                [self.binary, "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT
            )
        # the MQTT listener opens once JetStream has recovered its store
        wait_for_port(self.nats_port, timeout=timeout)
        wait_for_port(self.port, timeout=timeout)
        # the work-queue stream before any gateway connects (else nats-server makes its
        # own, with interest retention: see ingest/jetstream.py)
        asyncio.run(_ensure_stream(self.nats_url))


async def _ensure_stream(url: str) -> None:
    nc = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        await ensure_stream(nc.jetstream())
    finally:
        await nc.close()
