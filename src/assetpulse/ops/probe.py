"""``python -m assetpulse.ops.probe URL``: exit 0 if URL answers 200, else 1.

The compose healthchecks use it: the slim Python image has neither curl nor wget, and a
probe in the image's own Python needs nothing installed.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def probe(url: str, timeout: float = 3.0) -> bool:
    if not url.startswith(("http://", "https://")):
        return False
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - checked above
            return int(response.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m assetpulse.ops.probe URL", file=sys.stderr)
        return 2
    return 0 if probe(argv[0]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
