"""``assetpulse scan IMAGE…``: one JSON line per image, errors as JSON, exit status."""

from __future__ import annotations

import json

from click.testing import CliRunner

from assetpulse.cli import main


def test_scan_when_images_given_then_one_json_line_each_in_order(codes_dir) -> None:
    images = [str(codes_dir / "ean13-3" / "01.png"), str(codes_dir / "qrcode-3" / "01.png")]
    result = CliRunner().invoke(main, ["scan", *images])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["image"] for line in lines] == images
    first = lines[0]["codes"][0]
    assert first["text"] == "9780764544200"
    assert first["symbology"] == "ean13"
    assert len(first["points"]) >= 2
    assert all(len(p) == 2 and all(isinstance(v, int) for v in p) for p in first["points"])
    assert lines[1]["codes"][0]["symbology"] == "qrcode"


def test_scan_when_some_files_unusable_then_error_lines_and_nonzero_exit(
    codes_dir, tmp_path
) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("不是图片", encoding="utf-8")
    missing = tmp_path / "missing.png"
    good = str(codes_dir / "ean8-1" / "1.png")
    result = CliRunner().invoke(main, ["scan", str(text_file), good, str(missing)])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["image"] for line in lines] == [str(text_file), good, str(missing)]
    assert lines[0]["error"]["code"] == "SCAN_NOT_IMAGE"
    assert lines[0]["codes"] == []
    assert "error" not in lines[1]
    assert lines[1]["codes"]
    assert lines[2]["error"]["code"] == "SCAN_FILE_UNREADABLE"


def test_scan_when_image_has_no_code_then_empty_codes_and_success(tmp_path) -> None:
    import cv2
    import numpy as np

    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((100, 100), 255, np.uint8))
    result = CliRunner().invoke(main, ["scan", str(blank)])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"image": str(blank), "codes": []}
