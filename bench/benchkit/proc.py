"""Process accounting shared by the benchmarks (a library, not a benchmark: `make bench` runs
the scripts directly in bench/ only)."""

from __future__ import annotations

import contextlib

import psutil


def tree_cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) a process has used so far, with its children: the live
    ones and those it has reaped (a PostgreSQL postmaster's backends, a supervisor's
    workers)."""
    if pid is None:
        return 0.0
    try:
        root = psutil.Process(pid)
        t = root.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for kid in root.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                k = kid.cpu_times()
                total += k.user + k.system
        return total
    except psutil.NoSuchProcess:
        return 0.0
