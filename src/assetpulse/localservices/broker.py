"""What the private brokers share: finding the binary and the process's life after start.

``MosquittoProcess`` and ``NatsProcess`` differ in their configuration and in how they
start; stopping, killing, restarting and removing them is the same, and the fault tests
rely on it being the same (they take either broker).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path


def find_binary(name: str) -> str | None:
    """On PATH, or in /usr/sbin where Debian puts daemons (not on a user's PATH)."""
    sbin = Path("/usr/sbin") / name
    return shutil.which(name) or (str(sbin) if sbin.exists() else None)


class BrokerProcess:
    """A broker child process with a data directory that outlives it (``kill9`` and
    ``start`` again keep the persisted state). Subclasses set ``binary`` and ``datadir``
    and implement ``start``, which sets ``_proc``."""

    binary: str
    datadir: Path
    _proc: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 30.0) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Graceful stop (SIGTERM: Mosquitto writes its persistence file then)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:  # never leave a broker behind
                self._proc.kill()
                self._proc.wait(timeout=15)
        self._proc = None

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def kill9(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=15)
        self._proc = None

    def restart(self, *, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)
