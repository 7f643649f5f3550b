"""The in-flight window of one worker (在途窗口): messages received and not yet acknowledged,
bounded both in count and in bytes.

A count alone did not bound memory: 1000 messages of 4 MiB each are 4 GiB. Every message
takes its payload size from the byte budget until its batch is committed (or given up);
one message bigger than the whole budget is still taken when the window is empty, else it
would never be taken at all.
"""

from __future__ import annotations

import threading


class InflightWindow:
    def __init__(self, *, max_messages: int, max_bytes: int) -> None:
        if max_messages < 1 or max_bytes < 1:
            raise ValueError("window bounds must be positive")
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self._messages = 0
        self._bytes = 0
        self._cond = threading.Condition()

    def fits(self, nbytes: int) -> bool:
        with self._cond:
            return self._fits(nbytes)

    def _fits(self, nbytes: int, messages: int = 1) -> bool:
        if self._messages == 0:
            return True
        return (
            self._messages + messages <= self.max_messages
            and self._bytes + nbytes <= self.max_bytes
        )

    def acquire(self, nbytes: int, *, timeout: float, messages: int = 1) -> bool:
        """Take room for ``messages`` messages of ``nbytes`` in all; False if none came
        within ``timeout``."""
        with self._cond:
            if not self._fits(nbytes, messages) and not self._cond.wait_for(
                lambda: self._fits(nbytes, messages), timeout
            ):
                return False
            self._messages += messages
            self._bytes += nbytes
            return True

    def release(self, messages: int, nbytes: int) -> None:
        with self._cond:
            self._messages -= messages
            self._bytes -= nbytes
            self._cond.notify_all()

    def room(self) -> tuple[int, int]:
        """(messages, bytes) that can still be taken; at least one message when empty."""
        with self._cond:
            if self._messages == 0:
                return self.max_messages, self.max_bytes
            return self.max_messages - self._messages, self.max_bytes - self._bytes

    def held(self) -> tuple[int, int]:
        with self._cond:
            return self._messages, self._bytes
