"""The production broker config (deploy/mosquitto) on a real Mosquitto: passwords required,
each gateway writes only its own topics, the ingest account reads them through a shared
subscription; gateways reach it over TLS."""

from __future__ import annotations

import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.subscribeoptions import SubscribeOptions

from assetpulse.localservices import free_port
from assetpulse.localservices.mosquitto import find_mosquitto
from assetpulse.localservices.ports import wait_for_port
from tests.fix_ingest import REPO, wait_until
from tests.integration.ingest.tls_certs import server_certificate

DEPLOY = REPO / "deploy" / "mosquitto"
USERS = {"ingest": "ingest-pw", "GW-1": "gw1-pw", "GW-2": "gw2-pw"}


@dataclass(frozen=True)
class Broker:
    port: int  # plain MQTT, for the ingest workers inside the compose network
    tls_port: int  # gateways
    ca: Path


@pytest.fixture
def deploy_broker(tmp_path: Path) -> Iterator[Broker]:
    cert, key = server_certificate(tmp_path)
    passwd = tmp_path / "passwd"
    passwd.touch()
    for user, password in USERS.items():
        subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True)
    port, tls_port = free_port(), free_port()
    conf = (DEPLOY / "mosquitto.conf").read_text()
    conf = (
        conf.replace("listener 1883", f"listener {port} 127.0.0.1")
        .replace("listener 8883", f"listener {tls_port} 127.0.0.1")
        .replace("/mosquitto/config/certs/server.pem", str(cert))
        .replace("/mosquitto/config/certs/server-key.pem", str(key))
        .replace("/mosquitto/config/passwd", str(passwd))
        .replace("/mosquitto/config/acl", str(DEPLOY / "acl"))
        .replace("/mosquitto/data/", f"{tmp_path}/")
        .replace("log_dest stdout", f"log_dest file {tmp_path}/mosquitto.log")
    )
    (tmp_path / "mosquitto.conf").write_text(conf + "user root\n")
    binary = find_mosquitto()
    assert binary is not None
    proc = subprocess.Popen([binary, "-c", str(tmp_path / "mosquitto.conf")])
    try:
        wait_for_port(port, timeout=15)
        wait_for_port(tls_port, timeout=15)
        yield Broker(port, tls_port, cert)
    finally:
        proc.terminate()
        proc.wait(15)


def _client(
    port: int, user: str | None, password: str | None, ca: Path | None = None
) -> tuple[mqtt.Client, list[Any]]:
    got: list[Any] = []
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{user}-{time.monotonic_ns()}",
                    protocol=mqtt.MQTTv5)  # fmt: skip
    if user is not None:
        c.username_pw_set(user, password)
    c.on_message = lambda _c, _u, m: got.append((m.topic, m.payload))
    if ca is not None:
        c.tls_set(ca_certs=str(ca), cert_reqs=ssl.CERT_REQUIRED)
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c, got


def test_deploy_broker_gateway_writes_only_its_own_topics(deploy_broker: Broker) -> None:
    ingest, received = _client(deploy_broker.port, "ingest", USERS["ingest"])
    wait_until(ingest.is_connected, timeout=5, what="ingest connected")
    ingest.subscribe("$share/ingest/assetpulse/v1/gw/+/up", options=SubscribeOptions(qos=1))
    snoop, snooped = _client(deploy_broker.tls_port, "GW-2", USERS["GW-2"], deploy_broker.ca)
    wait_until(snoop.is_connected, timeout=5, what="GW-2 connected")
    snoop.subscribe("assetpulse/v1/gw/+/up", options=SubscribeOptions(qos=1))
    gw1, _ = _client(deploy_broker.tls_port, "GW-1", USERS["GW-1"], deploy_broker.ca)
    wait_until(gw1.is_connected, timeout=5, what="GW-1 connected")
    time.sleep(0.3)
    gw1.publish("assetpulse/v1/gw/GW-1/up", b"mine", qos=1).wait_for_publish(5)
    gw1.publish("assetpulse/v1/gw/GW-2/up", b"forged", qos=1).wait_for_publish(5)
    gw1.publish("assetpulse/v1/gw/GW-1/state", b"online", qos=1).wait_for_publish(5)
    wait_until(lambda: len(received) >= 1, timeout=5, what="the gateway's own message")
    time.sleep(0.5)
    assert received == [("assetpulse/v1/gw/GW-1/up", b"mine")]
    assert snooped == []  # a gateway reads nothing, not even other gateways' data
    for c in (ingest, snoop, gw1):
        c.disconnect()
        c.loop_stop()


def test_deploy_broker_refuses_anonymous_and_wrong_passwords(deploy_broker: Broker) -> None:
    for user, password in [(None, None), ("GW-1", "wrong")]:
        c, _ = _client(deploy_broker.tls_port, user, password, deploy_broker.ca)
        time.sleep(0.5)
        assert not c.is_connected()
        c.loop_stop()
