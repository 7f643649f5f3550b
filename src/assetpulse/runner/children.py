"""Child processes of ``assetpulse run``: started, watched, restarted, stopped cleanly.

Each child is an ``assetpulse <command>`` in its own session (so a Ctrl-C in the terminal
reaches only the runner, which then stops the children in order), with its output in
``<data_dir>/logs/<name>.log``. A child that dies is restarted with a growing pause; a
periodic child (the analyser) is started again every ``every_s`` seconds once it exits.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import structlog

from assetpulse.cli import COMMANDS

log = structlog.get_logger(__name__)


def command_available(name: str) -> bool:
    """Whether ``assetpulse <name>`` exists in this installation (parts land over time)."""
    if name not in COMMANDS:
        return False
    module = COMMANDS[name][0].split(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def assetpulse_argv(*args: str) -> list[str]:
    """The command line of ``assetpulse …`` with this very interpreter."""
    return [
        sys.executable,
        "-c",
        "from assetpulse.cli import main; main(prog_name='assetpulse')",
        *args,
    ]


@dataclass
class Child:
    name: str
    args: tuple[str, ...]
    env: dict[str, str]
    log_dir: Path
    every_s: float | None = None  # periodic: run again this long after it last started
    delay_s: float = 0.0  # first start this long after the supervisor starts
    on_start: Callable[[str, int], None] | None = None  # told (name, pid) of every start
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    runs: int = 0
    last_exit: int | None = None
    _started_at: float = 0.0
    _next_start: float = 0.0
    _log: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self._log is None:
            self._log = (self.log_dir / f"{self.name}.log").open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed args
            assetpulse_argv(*self.args),
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.runs += 1
        self._started_at = time.monotonic()
        if self.on_start is not None:
            self.on_start(self.name, self.proc.pid)

    def schedule(self, delay_s: float) -> None:
        self._next_start = time.monotonic() + delay_s

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tend(self) -> None:
        """Restart a dead service child, or start a periodic one when its time comes."""
        now = time.monotonic()
        if self.running:
            return
        if self.proc is not None:  # it has exited since we last looked
            self.last_exit = self.proc.returncode
            self.proc = None
            if self.every_s is not None:
                self._next_start = self._started_at + self.every_s
            else:
                self.restarts += 1
                pause = min(30.0, 2.0 ** min(self.restarts, 5))
                self._next_start = now + pause
                log.warning("child exited; restarting", child=self.name, code=self.last_exit)
        if now >= self._next_start:
            self.start()

    def stop(self, *, timeout: float = 20.0) -> None:
        """SIGTERM (the child drains and commits), then SIGKILL after ``timeout``."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log.warning("child did not stop in time; killing it", child=self.name)
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self.proc is not None:
            self.last_exit = self.proc.returncode
        if self._log is not None:
            self._log.close()
            self._log = None

    @property
    def state(self) -> str:
        if self.running:
            return "running"
        if self.every_s is not None:
            return f"waiting (last exit {self.last_exit})" if self.runs else "scheduled"
        return "restarting" if self.restarts else "stopped"


@dataclass
class Supervisor:
    """The children, started in order and stopped in reverse order."""

    children: list[Child] = field(default_factory=list)
    on_start: Callable[[str, int], None] | None = None  # the watchdog, for every child

    def add(self, child: Child) -> Child:
        if child.on_start is None:
            child.on_start = self.on_start
        self.children.append(child)
        return child

    def start(self) -> None:
        for c in self.children:
            if c.delay_s > 0:
                c.schedule(c.delay_s)
            else:
                c.start()

    def tend(self) -> None:
        for c in self.children:
            c.tend()

    def stop(self) -> None:
        """Each child is stopped even when stopping another one fails."""
        for c in reversed(self.children):
            try:
                c.stop()
            except Exception:
                log.exception("stopping a child failed", child=c.name)
