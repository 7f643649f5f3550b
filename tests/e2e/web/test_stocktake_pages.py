"""资产盘点 in Chromium: a department's asset user scans on a phone from an uploaded photo
(a real photographed Code 39 label from the shared data), types and pastes codes, and the
unit sees the progress per department and the reconciliation report."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.fix_web import CardSeeder, WebApi, expect_toast, log_in, shot

# ZXing blackbox images (Apache-2.0, see ../shared/data/codes/README.md); 03.png reads
# "001EC947D49B", a valid asset code for a card made in the test.
CODES = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "codes"
LABEL_PHOTO = CODES / "code39-3" / "03.png"


def test_scan_from_uploaded_photo_shows_found_then_report_counts_it(
    phone_page: Page,
    web_page: Page,
    seed_card: CardSeeder,
    web_api: WebApi,
    demo_units: dict[str, int],
) -> None:
    assert LABEL_PHOTO.exists(), LABEL_PHOTO
    seed_card("示波器", department="D460001-01", status="in_use", asset_code="001EC947D49B")
    seed_card("功率计", department="D460001-01", status="in_use", asset_code="WEB-PM-0001")
    seed_card("打印机", department="D460001-02", status="in_use", asset_code="WEB-PR-0001")
    jb = web_api("hd_jb")
    task = jb.post("/stocktakes", json={"title": "2026 年度资产盘点", "deadline": "2026-12-31"})
    assert task.status_code == 201, task.text
    task_id = task.json()["stocktake"]["id"]
    r = jb.post(
        f"/stocktakes/{task_id}/assignments", json={"department_id": demo_units["D460001-01"]}
    )
    assert r.status_code == 201, r.text

    # the physics department's asset user, on a phone
    page = phone_page
    log_in(page, "hd_wl", "#/stocktakes")
    page.get_by_role("link", name="扫码盘点").click()
    expect(page.locator(".page-head")).to_contain_text("已盘到 0 / ")
    page.locator("input[name=camera]").set_input_files(str(LABEL_PHOTO))
    result = page.locator(".scan-result")
    expect(result).to_have_class("scan-result ok")
    expect(result).to_contain_text("已盘到：示波器（001EC947D49B）")
    assert page.evaluate("document.body.dataset.lastBeep") == "ok"
    shot(page, "phone-stocktake-scan", full_page=True)

    page.get_by_placeholder("资产编号或标签内容").fill("XYZ-0000-UNKNOWN")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(result).to_have_class("scan-result warn")
    expect(result).to_contain_text("盘盈")

    page.locator("textarea[name=paste]").fill("WEB-PM-0001\n001EC947D49B")
    page.get_by_role("button", name="批量提交").click()
    expect(result).to_contain_text("已盘到：功率计（WEB-PM-0001）")

    # a photo with no code in it is refused with the server's advice, in red
    page.locator("input[name=photo]").set_input_files(
        files=[{"name": "blank.png", "mimeType": "image/png", "buffer": _blank_png()}]
    )
    expect(result).to_have_class("scan-result bad")
    expect(result).to_contain_text("没有识别出二维码或条形码")

    # the unit's operator sees progress per department and the reconciliation
    log_in(web_page, "hd_jb", f"#/stocktakes/{task_id}")
    body = web_page.locator("#page")
    expect(body).to_contain_text("物理学院")
    expect(body).to_contain_text("2/2（100%）")
    # still open: what nobody has scanned yet is 未盘, not 盘亏
    expect(body).to_contain_text("未盘（尚未扫到，任务结束后计为盘亏） 1")
    expect(body).not_to_contain_text("盘亏（未盘到）")
    expect(body).to_contain_text("WEB-PR-0001")
    expect(body).to_contain_text("盘盈（账外） 1")
    expect(body).to_contain_text("XYZ-0000-UNKNOWN")

    # ... and hands the department's part on to one of its asset users (second level)
    web_page.get_by_role("button", name="下发给使用人").first.click()
    web_page.locator("dialog[open]").get_by_role("button", name="下发").click()
    expect(body.locator("tbody tr").filter(has_text="物理学院资产员")).to_have_count(1)
    shot(web_page, "stocktake-progress", full_page=True)

    # 应用盘点结果: the findings become card changes for the reviewer; the task closes
    web_page.get_by_role("button", name="应用盘点结果").click()
    web_page.locator("dialog[open]").get_by_role("button", name="应用").click()
    expect_toast(web_page, "条卡片变动，请到【卡片变动】审核")
    expect(body).to_contain_text("已结束")
    expect(body).to_contain_text("盘亏（未盘到） 1")  # closed: now it is 盘亏
    expect(web_page.get_by_role("link", name="扫码盘点")).to_have_count(0)


def _blank_png() -> bytes:
    import cv2
    import numpy as np

    ok, buf = cv2.imencode(".png", np.full((200, 200, 3), 255, np.uint8))
    assert ok
    return bytes(buf)
