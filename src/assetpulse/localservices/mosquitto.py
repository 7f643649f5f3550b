"""A private Mosquitto broker with the settings that make "nothing lost" true.

Mosquitto's defaults queue at most 1000 QoS 1 messages per offline or slow client and drop
the rest; persistence is off. Both would break at-least-once delivery, so the private
broker (like the production config in ``deploy/mosquitto``) lifts the queue limits and
persists sessions and queued messages to disk. It refuses payloads over 1 MiB + 64 KiB
(the decoder dead-letters what is between its own 1 MiB limit and that).

A kill -9 of Mosquitto still loses QoS 1 messages it acknowledged since its last autosave
(measured; docs/telemetry.md "Durability"): the durable set-up is ``NatsProcess``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from assetpulse.localservices.broker import BrokerProcess, find_binary
from assetpulse.localservices.ports import free_port, wait_for_port

CONFIG = """\
listener {port} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {datadir}/
autosave_interval 1
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 1000
message_size_limit 1114112
persistent_client_expiration 1d
log_dest file {datadir}/mosquitto.log
log_type error
log_type warning
"""


def find_mosquitto() -> str | None:
    return find_binary("mosquitto")


class MosquittoProcess(BrokerProcess):
    """One broker on a free port; ``kill9`` and ``start`` again keep its persisted state."""

    def __init__(self, datadir: Path, *, port: int | None = None) -> None:
        binary = find_mosquitto()
        if binary is None:
            raise RuntimeError("mosquitto not found: apt-get install mosquitto")
        self.binary = binary
        self.datadir = Path(datadir)
        self.port = port or free_port()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 15.0) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        conf = self.datadir / "mosquitto.conf"
        conf.write_text(CONFIG.format(port=self.port, datadir=self.datadir))
        # under root, mosquitto drops privileges to "mosquitto" unless told otherwise
        with conf.open("a") as f:
            f.write("user root\n")
        self._proc = subprocess.Popen(
            [self.binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port, timeout=timeout)
