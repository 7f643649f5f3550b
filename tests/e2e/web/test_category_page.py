"""资产分类代码 in Chromium (issue 16): the page says the installation has only the demo
subset; the finance 系统管理员 loads a file, sees the refused rows of a bad one, then the
good one loaded; a unit's administrator reads the status and has nothing to load."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.fix_web import log_in, shot

GOOD = "分类代码,分类名称\nA02,设备\nA0202,办公设备\nA020201,复印机\n".encode()
BAD = GOOD + "A02020,五位数字\nA0901,无上级\n".encode()


def _file(page: Page, label: str, name: str, data: bytes) -> None:
    page.get_by_label(label).set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )


def test_category_page_admin_sees_demo_subset_refused_rows_then_the_loaded_table(
    web_page: Page,
) -> None:
    page = web_page
    log_in(page, "cz_gly", "#/monitor")
    page.get_by_role("link", name="资产分类代码").click()
    page.locator("#page .loading").wait_for(state="detached")
    status = page.locator(".category-status")
    expect(status).to_contain_text("演示子集")
    expect(status).to_contain_text("16 个")

    _file(page, "分类代码表文件", "bad.csv", BAD)
    page.get_by_role("button", name="导入分类代码表").click()
    report = page.locator(".import-report").first
    expect(report.locator(".summary")).to_contain_text("整个文件未导入")
    rows = report.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="A02020")).to_contain_text("格式不对")
    expect(rows.filter(has_text="A0901")).to_contain_text("上级分类 A09")
    shot(page, "categories-refused")
    expect(status).to_contain_text("演示子集")  # nothing was loaded

    _file(page, "分类代码表文件", "codes.csv", GOOD)
    page.get_by_role("button", name="导入分类代码表").click()
    expect(report.locator(".summary")).to_contain_text("已导入")
    expect(report.locator(".summary")).to_contain_text("新增 2")
    expect(status).to_contain_text("由管理员导入")
    expect(status).to_contain_text("codes.csv")
    shot(page, "categories")

    log_in(page, "hd_jb", "#/categories")
    expect(page.locator(".category-status")).to_contain_text("由管理员导入")
    expect(page.get_by_role("button", name="导入分类代码表")).to_have_count(0)
