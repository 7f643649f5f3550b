"""Labels we print, photographed synthetically (rotated, blurred, at an angle, noisy, dim),
decode back to exactly their payload, at the place they are in the frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp

from assetpulse.inventory.labels import encode_label, parse_label
from assetpulse.inventory.labels.render import Shot, label_image, photograph
from assetpulse.inventory.scanning import decode_image

FRAME = {"width": 1280, "height": 720}

QR_SHOTS = {
    "flat": Shot(**FRAME),
    "rotated-33": Shot(**FRAME, angle=33),
    "rotated-200": Shot(**FRAME, angle=200),
    "perspective": Shot(**FRAME, tilt=0.2, angle=-12),
    "blurred": Shot(**FRAME, blur=1.6),
    "noisy": Shot(**FRAME, noise=14),
    "low-contrast": Shot(**FRAME, contrast=0.3, background=120),
    "small": Shot(**FRAME, scale=0.45),
    "everything": Shot(**FRAME, angle=-70, tilt=0.1, blur=1.0, noise=8, contrast=0.5),
}
BARCODE_SHOTS = {
    "flat": Shot(**FRAME),
    "upside-down": Shot(**FRAME, angle=180),
    "vertical": Shot(**FRAME, angle=90, scale=0.8),
    "skewed-25": Shot(**FRAME, angle=25),
    "skewed-minus-40": Shot(**FRAME, angle=-40),
    "perspective": Shot(**FRAME, tilt=0.06, angle=5),
    "blurred": Shot(**FRAME, blur=0.9),
    "noisy": Shot(**FRAME, noise=12),
    "low-contrast": Shot(**FRAME, contrast=0.35, background=120),
    "everything": Shot(**FRAME, angle=-15, tilt=0.04, blur=0.6, noise=6, contrast=0.6),
}


def _inside(points, corners: np.ndarray, slack: float = 12.0) -> bool:
    x0, y0 = corners.min(axis=0) - slack
    x1, y1 = corners.max(axis=0) + slack
    return all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points)


@pytest.mark.parametrize("name", sorted(QR_SHOTS))
def test_decode_image_when_qr_label_photographed_then_exact_payload(name: str) -> None:
    rng = np.random.default_rng(sorted(QR_SHOTS).index(name))
    code = f"HD-2024-{rng.integers(10_000):04d}"
    frame, corners = photograph(label_image(code, kind="qr", module_px=8), QR_SHOTS[name], rng)
    result = decode_image(frame, budget_s=None)
    assert [(c.text, c.symbology) for c in result.codes] == [(encode_label(code), "qrcode")]
    assert parse_label(result.codes[0].text) == code
    assert _inside(result.codes[0].points, corners)


@pytest.mark.parametrize("name", sorted(BARCODE_SHOTS))
def test_decode_image_when_code128_label_photographed_then_exact_payload(name: str) -> None:
    rng = np.random.default_rng(100 + sorted(BARCODE_SHOTS).index(name))
    code = f"U460001-{rng.integers(100_000):05d}"
    label = label_image(code, kind="code128", module_px=3)
    frame, corners = photograph(label, BARCODE_SHOTS[name], rng)
    result = decode_image(frame, budget_s=None)
    assert [(c.text, c.symbology) for c in result.codes] == [(encode_label(code), "code128")]
    assert _inside(result.codes[0].points, corners)


def test_decode_image_when_label_payload_in_code39_then_its_check_characters_vouch() -> None:
    # Code 39 has no check of its own; our payload's check characters make one read enough
    payload = encode_label("HD-2024-0042")
    bars = np.asarray(
        zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.Code39).to_image(scale=2)
    )
    label = np.repeat(bars[:1], 90, axis=0)
    frame, _ = photograph(label, Shot(**FRAME, angle=4, noise=5), np.random.default_rng(5))
    assert decode_image(frame, budget_s=None).texts == (payload,)


def test_decode_image_when_several_labels_in_frame_then_all_reported() -> None:
    rng = np.random.default_rng(9)
    codes = ["HD-2024-0101", "HD-2024-0102", "HD-2024-0103"]
    frame = np.full((720, 1280), 180, np.uint8)
    for i, code in enumerate(codes):
        label = label_image(code, kind="qr", module_px=6)
        h, w = label.shape
        x, y = 60 + i * 400, 120 + (i % 2) * 200
        frame[y : y + h, x : x + w] = label
    frame = np.clip(frame + rng.normal(0, 4, frame.shape), 0, 255).astype(np.uint8)
    result = decode_image(frame)
    assert sorted(result.texts) == sorted(encode_label(c) for c in codes)


def test_decode_image_when_png_bytes_then_same_as_array() -> None:
    rng = np.random.default_rng(3)
    frame, _ = photograph(label_image("HD-2024-0001", module_px=6), Shot(**FRAME, angle=10), rng)
    ok, png = cv2.imencode(".png", frame)
    assert ok
    assert decode_image(png.tobytes()) == decode_image(frame)
    colour = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    assert decode_image(colour).texts == (encode_label("HD-2024-0001"),)


@pytest.mark.parametrize(
    ("fmt", "text", "symbology"),
    [
        (zxingcpp.BarcodeFormat.EAN13, "4006381333931", "ean13"),
        (zxingcpp.BarcodeFormat.EAN8, "96385074", "ean8"),
        (zxingcpp.BarcodeFormat.ITF, "30712345000010", "itf"),
        (zxingcpp.BarcodeFormat.Code39, "MOROVIA-42", "code39"),
    ],
)
def test_decode_image_when_weak_symbology_photographed_then_engines_agree_on_it(
    fmt, text: str, symbology: str
) -> None:
    # no check (Code 39, ITF) or a weak one (EAN): reported only when two decoders agree
    bars = np.asarray(zxingcpp.create_barcode(text, fmt).to_image(scale=4))
    label = np.repeat(bars[:1], 160, axis=0)
    label = np.pad(label, 20, constant_values=255)
    rng = np.random.default_rng(len(text))
    frame, corners = photograph(label, Shot(**FRAME, angle=-7, noise=6, blur=0.6), rng)
    result = decode_image(frame, budget_s=None)
    assert [(c.text, c.symbology) for c in result.codes] == [(text, symbology)]
    assert _inside(result.codes[0].points, corners)
