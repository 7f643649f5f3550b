"""The runner's watchdog: whatever ``assetpulse run`` started stops when ``run`` ends, even
when ``run`` cannot stop it itself (kill -9, a crash half-way through its own shutdown).

``run`` starts this process first, in a session of its own (a Ctrl-C or a kill of the
terminal's process group does not reach it), and keeps the write end of a pipe to its
stdin. Over the pipe it names each process it starts (``watch <name> <pid> <signal>``:
the database, the broker, then every start of a child). The pipe closes when ``run``
exits, however it exits; the watchdog then stops each named process still alive, in the
reverse order of first naming (simulator, analyser, API, ingest, broker, database: the
README's order), each with its own signal, SIGKILL after a grace period. After a clean
``run`` they are all gone already and it just exits.

Linux only (``/proc``); a process is recognised by pid and start time, so a reused pid is
left alone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

GRACE_S = 20.0


@dataclass(frozen=True, slots=True)
class Watched:
    name: str
    pid: int
    started: str  # /proc/<pid>/stat start time: tells a reused pid apart
    sig: int


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces; fields after it are plain
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":  # exited, not yet reaped by its new parent
        return None
    return fields[19]


def _alive(w: Watched) -> bool:
    return _start_time(w.pid) == w.started


def stop_all(watched: dict[str, Watched], say: IO[str], grace_s: float = GRACE_S) -> None:
    """Stop every watched process still alive, last named first."""
    for w in reversed(list(watched.values())):
        if not _alive(w):
            continue
        print(f"run has gone: stopping {w.name} (pid {w.pid})", file=say, flush=True)
        with contextlib.suppress(ProcessLookupError):
            os.kill(w.pid, w.sig)
        deadline = time.monotonic() + grace_s
        while _alive(w) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(w):
            print(f"{w.name} did not stop in {grace_s:g} s: killing it", file=say, flush=True)
            with contextlib.suppress(ProcessLookupError):
                os.kill(w.pid, signal.SIGKILL)


def main() -> None:
    """The watchdog process: read names until the pipe closes, then stop what is left."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watched: dict[str, Watched] = {}
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 4 or parts[0] != "watch":
            continue
        name, pid, sig = parts[1], int(parts[2]), int(parts[3])
        started = _start_time(pid)
        if started is None:
            continue
        # a restarted child keeps the place of its first start in the order
        watched[name] = Watched(name, pid, started, sig)
    stop_all(watched, sys.stdout)


class Watchdog:
    """``run``'s end of the pipe."""

    def __init__(self, log_path: Path) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", "from assetpulse.runner.watchdog import main; main()"],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def watch(self, name: str, pid: int, sig: int = signal.SIGTERM) -> None:
        stdin = self._proc.stdin
        if stdin is None or stdin.closed:
            return
        try:
            stdin.write(f"watch {name} {pid} {int(sig)}\n".encode())
            stdin.flush()
        except OSError:  # the watchdog itself has gone: run still stops what it can
            pass

    def close(self) -> None:
        """Everything is stopped (or run is giving up): the watchdog checks and exits."""
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
