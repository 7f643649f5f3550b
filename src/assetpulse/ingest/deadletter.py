"""What a dead letter keeps of what came (死信留存): a bounded prefix, the size, the SHA-256.

Pure. A dead letter is there for an operator to see what a gateway sent and why it was
refused; the first few KiB show that, and size plus hash identify the whole of it without
storing it (40 oversized messages once put 160 MiB into the table).
"""

from __future__ import annotations

import hashlib

PREFIX_BYTES = 4096  # also the table's check constraint (migration 1002)


def bounded(payload: bytes) -> tuple[bytes, int, bytes]:
    """(prefix, size, sha256) of ``payload``."""
    return payload[:PREFIX_BYTES], len(payload), hashlib.sha256(payload).digest()
