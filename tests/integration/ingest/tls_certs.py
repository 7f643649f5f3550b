"""A throwaway self-signed certificate for 127.0.0.1, as a province's CA would issue one
for its broker; gateways trust it as their CA file."""

from __future__ import annotations

import subprocess
from pathlib import Path


def server_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) in ``directory``; the certificate is its own CA."""
    cert, key = directory / "server.pem", directory / "server-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    key.chmod(0o600)
    return cert, key
