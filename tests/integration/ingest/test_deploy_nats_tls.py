"""The production broker config (deploy/nats/nats.conf) on a real nats-server: gateways
reach MQTT only over TLS, and the monitoring port answers the compose healthcheck."""

from __future__ import annotations

import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from assetpulse.localservices import free_port
from assetpulse.localservices.nats import find_nats_server
from assetpulse.localservices.ports import wait_for_port
from tests.fix_ingest import REPO, wait_until
from tests.integration.ingest.tls_certs import server_certificate

# plain passwords are fine for a test; production uses bcrypt hashes (users.conf.example)
USERS = """
users: [
  {user: "GW-1", password: "gw1-pw",
   permissions: {publish: ["assetpulse.v1.gw.GW-1.up", "assetpulse.v1.gw.GW-1.state"],
                 subscribe: []}}
]
"""


@pytest.fixture
def deploy_nats(tmp_path: Path) -> Iterator[dict[str, Any]]:
    cert, key = server_certificate(tmp_path)
    ports = {"nats": free_port(), "mqtt": free_port(), "http": free_port()}
    conf = (
        (REPO / "deploy" / "nats" / "nats.conf").read_text()
        .replace("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{ports['nats']}")
        .replace("listen: 0.0.0.0:8883", f"listen: 127.0.0.1:{ports['mqtt']}")
        .replace("http: 0.0.0.0:8222", f"http: 127.0.0.1:{ports['http']}")
        .replace("/data/jetstream", str(tmp_path / "js"))
        .replace("/etc/nats/certs/server.pem", str(cert))
        .replace("/etc/nats/certs/server-key.pem", str(key))
        .replace("max_file_store: 64G", "max_file_store: 1G")
    )  # fmt: skip
    (tmp_path / "nats.conf").write_text(conf)
    (tmp_path / "users.conf").write_text(USERS)
    binary = find_nats_server()
    if binary is None:
        pytest.skip("nats-server not installed")
    log = (tmp_path / "nats.log").open("wb")
    proc = subprocess.Popen([binary, "-c", str(tmp_path / "nats.conf")], stdout=log, stderr=log)
    try:
        wait_for_port(ports["mqtt"], timeout=20)
        yield {**ports, "ca": cert}
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()


def _gateway(port: int, ca: Path | None) -> mqtt.Client:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"GW-1-{time.monotonic_ns()}",
                    protocol=mqtt.MQTTv311)  # fmt: skip
    c.username_pw_set("GW-1", "gw1-pw")
    if ca is not None:
        c.tls_set(ca_certs=str(ca), cert_reqs=ssl.CERT_REQUIRED)
    return c


def test_deploy_nats_gateway_over_tls_publishes_and_plain_mqtt_is_refused(
    deploy_nats: dict[str, Any],
) -> None:
    gw = _gateway(deploy_nats["mqtt"], deploy_nats["ca"])
    gw.connect("127.0.0.1", deploy_nats["mqtt"])
    gw.loop_start()
    try:
        wait_until(gw.is_connected, timeout=10, what="gateway connected over TLS")
        info = gw.publish("assetpulse/v1/gw/GW-1/state", b"online", qos=1)
        info.wait_for_publish(5)
        assert info.is_published()
    finally:
        gw.disconnect()
        gw.loop_stop()
    plain = _gateway(deploy_nats["mqtt"], None)  # the listener speaks TLS only
    try:
        plain.connect("127.0.0.1", deploy_nats["mqtt"], keepalive=5)
        plain.loop_start()
        time.sleep(1)
        assert not plain.is_connected()
    except OSError:
        pass  # refused at once: as good
    finally:
        plain.loop_stop()


def test_deploy_nats_monitoring_port_answers_the_healthcheck(deploy_nats: dict[str, Any]) -> None:
    url = f"http://127.0.0.1:{deploy_nats['http']}/healthz"
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.status == 200
