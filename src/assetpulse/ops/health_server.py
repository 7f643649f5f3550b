"""``/health`` and ``/metrics`` of a process without a web framework (ingest, analyser).

A thread with the standard library's HTTP server: the worker's own loop is never touched
by a probe, and a probe never waits on the database (``health`` reads what the worker
already knows). ``/health`` answers 200 when the process says it is fine, 503 otherwise,
with its state as JSON either way; the compose healthchecks and Prometheus read them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

Health = Callable[[], tuple[bool, dict[str, Any]]]


class HealthServer:
    def __init__(
        self,
        port: int,
        registry: CollectorRegistry,
        health: Health,
        host: str = "0.0.0.0",  # noqa: S104 - probed by the container runtime and Prometheus
    ) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = self.path.split("?", 1)[0].rstrip("/")
                if route == "/health":
                    ok, body = server.health()
                    self._answer(200 if ok else 503, "application/json", orjson.dumps(body))
                elif route == "/metrics":
                    self._answer(200, CONTENT_TYPE_LATEST, generate_latest(server.registry))
                else:
                    self._answer(404, "text/plain", b"not found\n")

            def _answer(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return  # one line per probe every few seconds would drown the logs

        self.registry = registry
        self.health = health
        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="health-http", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
