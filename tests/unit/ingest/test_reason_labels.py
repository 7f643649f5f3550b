"""Every dead-letter reason the ingest can give has a Chinese label on the sensor page."""

from __future__ import annotations

import re
from pathlib import Path

import assetpulse
from assetpulse.ingest.model import Reason

MONITOR_JS = Path(assetpulse.__file__).parent / "platform/web/static/js/pages/monitor.js"


def test_reason_labels_when_ingest_has_a_reason_then_sensor_page_names_it_in_chinese() -> None:
    js = MONITOR_JS.read_text(encoding="utf-8")
    block = re.search(r"const REASON = \{(.*?)\};", js, re.S)
    assert block is not None, "monitor.js has no REASON labels"
    labels = dict(re.findall(r'(\w+): "([^"]+)"', block.group(1)))
    assert set(labels) == {r.value for r in Reason}
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels.values())
