"""Decoding the photographed codes of ``../shared/data/codes``: right text, never a misread."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from assetpulse.inventory.scanning import decode_image
from tests.fix_scan import code_folders, code_samples

# Images per folder the scanner must read (all but one EAN-13 photo that only one decoder
# can read, and an uncorroborated EAN-13 is never reported). Lowering a floor is a regression.
FLOORS = {"ean13-1": 33}


@pytest.mark.parametrize("folder", code_folders())
def test_decode_image_when_real_photos_then_truth_read_and_nothing_misread(
    folder: str, codes_dir
) -> None:
    samples = code_samples(folder)
    assert samples
    read, misread = [], []
    for sample in samples:
        result = decode_image(sample.path.read_bytes(), budget_s=None)
        texts = set(result.texts)
        if sample.truth in texts:
            read.append(sample.key)
        wrong = texts - {sample.truth} - sample.extra
        if wrong:
            misread.append((sample.key, sorted(wrong)))
        for code in result.codes:
            assert all(0 <= x < result.width and 0 <= y < result.height for x, y in code.points)
    assert misread == []
    assert len(read) >= FLOORS.get(folder, len(samples)), sorted(
        {s.key for s in samples} - set(read)
    )


def test_decode_image_when_real_photo_then_symbology_and_position_reported(codes_dir) -> None:
    result = decode_image((codes_dir / "ean13-3" / "01.png").read_bytes())
    (code,) = result.codes
    assert (code.text, code.symbology) == ("9780764544200", "ean13")
    xs = [x for x, _ in code.points]
    ys = [y for _, y in code.points]
    # the barcode spans most of this 240-px-wide crop
    assert max(xs) - min(xs) > 120
    assert max(ys) - min(ys) > 40


def test_decode_image_when_two_codes_in_frame_then_both_reported_top_down(codes_dir) -> None:
    result = decode_image((codes_dir / "code39-3" / "08.png").read_bytes(), budget_s=None)
    assert result.texts == ("165340", "001EC9476B0A")
    assert {c.symbology for c in result.codes} == {"code39"}


@pytest.mark.parametrize("folder", code_folders())
def test_decode_image_when_photos_enlarged_to_phone_size_then_still_read(
    folder: str, codes_dir
) -> None:
    # the originals are 240-640 px wide; phones take 3000-4000 px: same codes, many pixels
    rng = np.random.default_rng(4)
    for sample in code_samples(folder)[:3]:
        gray = cv2.imread(str(sample.path), cv2.IMREAD_GRAYSCALE)
        big = cv2.resize(gray, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
        big = np.clip(big + rng.normal(0, 3, big.shape), 0, 255).astype(np.uint8)
        texts = set(decode_image(big, budget_s=None).texts)
        assert sample.truth in texts, sample.key
        assert texts <= {sample.truth} | sample.extra, sample.key
