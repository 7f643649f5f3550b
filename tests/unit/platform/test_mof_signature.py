"""The MOF exchange file's signature (format version 3): what is signed, what is refused."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from assetpulse.platform import mofformat, mofkeys
from assetpulse.settings import Settings

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
NOW = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def _batch() -> mofformat.Batch:
    items = [{"bill_no": "PB1", "quantity": Decimal("1.50"), "title": "显微镜"}]
    return mofformat.build_batch("MOF46202601020000001", "46", NOW, items, KEY)


def _code(content: bytes, keys: list[object] | None = None) -> str:
    with pytest.raises(mofformat.ExchangeFileError) as err:
        mofformat.read_document(content, keys or [KEY.public_key()])  # type: ignore[arg-type]
    return err.value.code


def test_signed_batch_reads_back_with_the_senders_public_key() -> None:
    batch = _batch()
    doc = mofformat.read_document(batch.content, [OTHER.public_key(), KEY.public_key()])
    assert doc.header["type"] == "report"
    assert doc.items == [{"seq": 1, "bill_no": "PB1", "quantity": "1.50", "title": "显微镜"}]
    assert doc.key_id == batch.key_id == mofformat.key_id(KEY.public_key())
    assert "显微镜".encode() in batch.content  # UTF-8, not \\u escapes


def test_signature_covers_canonical_lines_without_the_signature_member() -> None:
    lines = [json.loads(x) for x in _batch().content.decode().splitlines()]
    signature = base64.b64decode(lines[0].pop("signature")["value"])
    message = "".join(mofformat.canonical(x) + "\n" for x in lines).encode()
    KEY.public_key().verify(signature, message)  # raises if the documented bytes differ
    # the receiver re-serialises: the same content laid out differently still verifies
    pretty = "\n".join(json.dumps(json.loads(x), indent=None, separators=(", ", ": "))
                       for x in _batch().content.decode().splitlines())  # fmt: skip
    assert mofformat.read_document(pretty.encode(), [KEY.public_key()]).items[0]["bill_no"]


def test_altered_unsigned_or_foreign_signed_files_are_refused() -> None:
    content = _batch().content
    assert _code(content.replace(b"PB1", b"PB2")) == "MOF_SIGNATURE_INVALID"
    assert _code(content, [OTHER.public_key()]) == "MOF_SIGNATURE_INVALID"
    header, *rest = content.decode().splitlines()
    head = json.loads(header)
    head.pop("signature")
    unsigned = "\n".join([json.dumps(head), *rest]).encode()
    assert _code(unsigned) == "MOF_SIGNATURE_MISSING"
    garbled = json.loads(header)
    garbled["signature"]["value"] = "not base64!"
    assert _code("\n".join([json.dumps(garbled), *rest]).encode()) == "MOF_SIGNATURE_INVALID"
    assert _code(b'{"batch_no": "x", "items": []}') == "MOF_SIGNATURE_MISSING"
    assert _code(b"\xff\xfe") == "MOF_FILE_INVALID"
    # an intact file of another type than the endpoint takes
    with pytest.raises(mofformat.ExchangeFileError) as err:
        mofformat.read_document(content, [KEY.public_key()], "feedback")
    assert err.value.code == "MOF_FILE_TYPE"


def test_keys_load_from_base64_or_pem_files(tmp_path: Path) -> None:
    raw = KEY.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    pem = tmp_path / "province.pem"
    pem.write_bytes(KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    pub = tmp_path / "mof.pub.pem"
    pub.write_bytes(
        OTHER.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    other_raw = OTHER.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    for signing in (str(pem), "base64:" + base64.b64encode(raw).decode()):
        keys = mofkeys.ExchangeKeys.from_settings(Settings(
            mof_signing_key=signing,
            mof_verify_keys=f"{pub}, base64:{base64.b64encode(other_raw).decode()}",
        ))  # fmt: skip
        assert mofformat.key_id(keys.signer().public_key()) == mofformat.key_id(KEY.public_key())
        assert len(keys.verifiers()) == 2
    with pytest.raises(mofkeys.KeySettingError):
        mofkeys.private_key("base64:" + base64.b64encode(b"short").decode())
    with pytest.raises(mofkeys.KeySettingError):
        mofkeys.public_key(str(tmp_path / "missing.pem"))
    empty = mofkeys.ExchangeKeys.from_settings(Settings())
    with pytest.raises(mofkeys.PlatformError) as err:
        empty.signer()
    assert err.value.code == "MOF_SIGNING_KEY_MISSING"


def test_run_installation_key_is_made_once_private_and_loads(tmp_path: Path) -> None:
    path = mofkeys.installation_signing_key(tmp_path)
    assert mofkeys.installation_signing_key(tmp_path) == path
    assert Path(path).stat().st_mode & 0o777 == 0o600
    assert mofformat.key_id(mofkeys.private_key(path).public_key())
