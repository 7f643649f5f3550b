"""The compose healthchecks' probe against the health endpoint the workers serve."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from assetpulse.ops.health_server import HealthServer
from assetpulse.ops.probe import main


def test_probe_exit_code_follows_the_health_answer() -> None:
    healthy = {"now": True}
    server = HealthServer(0, CollectorRegistry(), lambda: (healthy["now"], {}), host="127.0.0.1")
    server.start()
    try:
        url = f"http://127.0.0.1:{server.port}/health"
        assert main([url]) == 0
        healthy["now"] = False
        assert main([url]) == 1  # 503: the container is marked unhealthy
        assert main([f"http://127.0.0.1:{server.port}/nothing"]) == 1
    finally:
        server.stop()
    assert main([url]) == 1  # nobody listening
    assert main(["file:///etc/passwd"]) == 1
