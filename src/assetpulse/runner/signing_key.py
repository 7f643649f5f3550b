"""The token signing key of an ``assetpulse run`` installation.

The API refuses the default key; ``run`` must work with no settings at all, so it makes a
random key once per installation and keeps it in ``<data_dir>/jwt-secret`` (mode 0600):
logins survive a restart, and no two installations share a key. An
``ASSETPULSE_JWT_SECRET`` that is set wins (and must be a proper key).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from assetpulse.org.tokens import DEFAULT_SECRET, check_signing_key
from assetpulse.settings import Settings

FILE_NAME = "jwt-secret"


def installation_key(settings: Settings, data_dir: Path) -> tuple[str, str]:
    """(key, where it comes from, for the first screen)."""
    given = settings.jwt_secret.get_secret_value()
    if given != DEFAULT_SECRET:
        return check_signing_key(given), "ASSETPULSE_JWT_SECRET"
    path = data_dir / FILE_NAME
    if path.exists():
        return check_signing_key(path.read_text(encoding="ascii").strip()), f"{path}"
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key, f"{path} (generated now for this installation)"
