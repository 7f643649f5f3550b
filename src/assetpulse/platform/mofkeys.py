"""The Ed25519 keys of the MOF exchange, from settings (``docs/mof-exchange.md`` §Keys).

``ASSETPULSE_MOF_SIGNING_KEY`` is this province's private key: it signs every report
batch. ``ASSETPULSE_MOF_VERIFY_KEYS`` are the public keys of MOF's summary system (the
national hub), comma-separated so that a key can be rotated without a gap: feedback and
national downlink files must carry a signature one of them verifies. Each value is either
``base64:<the raw 32-byte key in base64>`` or the path of a PEM file (PKCS#8 private key,
SubjectPublicKeyInfo public key), as ``openssl genpkey -algorithm ed25519`` writes them.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from assetpulse.errors import ErrorKind
from assetpulse.platform.errors import PlatformError
from assetpulse.settings import Settings

PREFIX = "base64:"
INSTALLATION_KEY = "mof-signing-key.pem"


class KeySettingError(ValueError):
    """A key setting that does not hold an Ed25519 key (the service refuses to start)."""


def _material(value: str, setting: str) -> bytes:
    if value.startswith(PREFIX):
        try:
            return base64.b64decode(value[len(PREFIX) :], validate=True)
        except binascii.Error:
            raise KeySettingError(f"{setting}: not valid base64") from None
    path = Path(value).expanduser()
    if not path.is_file():
        raise KeySettingError(f"{setting}: no key file at {path} (or write base64:<key>)")
    return path.read_bytes()


def private_key(value: str, setting: str = "ASSETPULSE_MOF_SIGNING_KEY") -> Ed25519PrivateKey:
    raw = _material(value.strip(), setting)
    if len(raw) == 32:
        return Ed25519PrivateKey.from_private_bytes(raw)
    try:
        key = load_pem_private_key(raw, password=None)
    except ValueError:
        raise KeySettingError(f"{setting}: neither 32 raw bytes nor a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeySettingError(f"{setting}: the key is not an Ed25519 key")
    return key


def public_key(value: str, setting: str = "ASSETPULSE_MOF_VERIFY_KEYS") -> Ed25519PublicKey:
    raw = _material(value.strip(), setting)
    if len(raw) == 32:
        return Ed25519PublicKey.from_public_bytes(raw)
    try:
        key = load_pem_public_key(raw)
    except ValueError:
        raise KeySettingError(f"{setting}: neither 32 raw bytes nor a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeySettingError(f"{setting}: the key is not an Ed25519 key")
    return key


@dataclass(frozen=True, slots=True)
class ExchangeKeys:
    signing: Ed25519PrivateKey | None
    verify: tuple[Ed25519PublicKey, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> ExchangeKeys:
        signing = settings.mof_signing_key
        text = "" if signing is None else signing.get_secret_value().strip()
        verify = [v for v in (settings.mof_verify_keys or "").split(",") if v.strip()]
        return cls(
            private_key(text) if text else None,
            tuple(public_key(v) for v in verify),
        )

    def signer(self) -> Ed25519PrivateKey:
        if self.signing is None:
            raise PlatformError(
                "MOF_SIGNING_KEY_MISSING",
                "未配置本省汇总系统签名私钥（ASSETPULSE_MOF_SIGNING_KEY），不能生成上报批次；"
                "请联系系统管理员。",
                kind=ErrorKind.UNAVAILABLE,
            )
        return self.signing

    def verifiers(self) -> list[Ed25519PublicKey]:
        if not self.verify:
            raise PlatformError(
                "MOF_VERIFY_KEY_MISSING",
                "未配置财政部汇总系统的验签公钥（ASSETPULSE_MOF_VERIFY_KEYS），不能导入下发文件；"
                "请联系系统管理员。",
                kind=ErrorKind.UNAVAILABLE,
            )
        return list(self.verify)


def installation_signing_key(data_dir: Path) -> str:
    """The path of ``assetpulse run``'s own province key, made once (mode 0600).

    A demo installation reports to no real MOF, yet its finance users build batches; a
    key of its own keeps them signed. Production sets ``ASSETPULSE_MOF_SIGNING_KEY``.
    """
    path = data_dir / INSTALLATION_KEY
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
    return str(path)
