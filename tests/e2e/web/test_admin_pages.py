"""组织机构管理 and 汇总系统上报 in Chromium (issue 16): a unit administrator builds a
department and its first user, who must set a password at first login; the import's row
report; the change log. The finance reviewer sends a batch, downloads it, is told why a
feedback file was refused and reads MOF's reason once the right one is loaded."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from playwright.sync_api import Page, expect

from tests.e2e.platform.mofhub import feedback_file
from tests.fix_platform import Flow
from tests.fix_web import WebApi, expect_toast, log_in, open_tab, shot


def _org_workbook() -> bytes:
    wb = Workbook()
    units = wb.active
    assert units is not None
    units.title = "单位"
    units.append(["单位编码", "单位名称", "单位类型", "财政区划", "上级单位编码"])
    units.append(["D460001-08", "档案馆", "内设部门", "", "U460001"])
    people = wb.create_sheet("人员")
    people.append(["用户名", "姓名", "单位编码", "部门编码", "用户类型", "角色"])
    people.append(["hd_da", "档案馆资产员", "U460001", "D460001-08", "003", "资产使用人"])
    people.append(["hd_x", "外单位", "U460002", "", "003", "经办岗"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_admin_page_when_unit_admin_adds_department_and_user_then_user_sets_password(
    web_page: Page,
) -> None:
    page = web_page
    log_in(page, "hd_jb", "#/plaza/adjust")
    page.get_by_role("link", name="组织机构管理").click()
    tree = page.get_by_role("navigation", name="单位树")
    expect(tree).to_contain_text("物理学院")
    expect(tree).not_to_contain_text("海南师范大学")
    expect(page.locator("tbody tr").filter(has_text="hd_sh")).to_contain_text("审核岗")

    page.get_by_role("button", name="新增内设部门").click()
    dlg = page.locator("dialog[open]")
    dlg.locator("input[name=code]").fill("D460001-07")
    dlg.locator("input[name=name]").fill("图书馆")
    dlg.get_by_role("button", name="保存").click()
    expect_toast(page, "已新增内设部门：图书馆")
    tree.get_by_role("button", name=re.compile("图书馆")).click()
    expect(page.locator("section.org-unit h3")).to_have_text("图书馆")
    page.get_by_role("button", name="新增用户").click()
    dlg = page.locator("dialog[open]")
    dlg.locator("input[name=username]").fill("hd_tsg")
    dlg.locator("input[name=display_name]").fill("图书馆资产员")
    expect(dlg.locator("select[name=department_id]")).to_have_value(re.compile(r"\d+"))
    dlg.get_by_label("资产使用人").check()
    dlg.get_by_role("button", name="保存").click()
    temp = page.locator("dialog[open] code.temp-password").inner_text()
    page.locator("dialog[open]").get_by_role("button", name="关闭").first.click()
    expect(page.locator("tbody tr").filter(has_text="hd_tsg")).to_contain_text("待修改密码")
    shot(page, "org-admin")

    # deactivate a colleague: the row says so at once
    tree.get_by_role("button", name=re.compile("后勤处")).click()
    row = page.locator("tbody tr").filter(has_text="hd_hq")
    row.get_by_role("button", name="停用").click()
    expect_toast(page, "已停用")
    expect(page.locator("tbody tr").filter(has_text="hd_hq")).to_contain_text("已停用")

    # the import: one row applied, one refused with its reason
    open_tab(page, "导入")
    page.get_by_label("组织机构文件").set_input_files(
        files=[
            {"name": "org.xlsx", "mimeType": "application/octet-stream", "buffer": _org_workbook()}
        ]
    )
    page.get_by_label("只校验，不保存").check()  # the report alike, without argon2 work
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.locator(".import-report .summary")).to_contain_text("未保存")
    expect(page.locator(".import-report .summary")).to_contain_text("新增 2 行")
    expect(page.locator(".import-report .summary")).to_contain_text("错误 1 行")
    refused = page.locator(".import-report tbody tr").filter(has_text="hd_x")
    expect(refused).to_contain_text("错误")
    expect(refused).to_contain_text("管理范围")
    shot(page, "org-import-report")

    open_tab(page, "变更记录")
    log = page.locator("tbody tr")
    expect(log.filter(has_text="hd_hq").first).to_contain_text("停用")
    expect(log.filter(has_text="hd_tsg").first).to_contain_text("海大经办员")
    shot(page, "org-audit")

    # the new user's first login asks for a new password before anything else
    page.goto("/#/login")
    page.get_by_label("用户名").fill("hd_tsg")
    page.get_by_label("密码").fill(temp)
    page.get_by_role("button", name="登录").click()
    dlg = page.locator("dialog[open]")
    expect(dlg).to_contain_text("设置新密码")
    dlg.locator("input[name=new_password]").fill("Library2026")
    dlg.locator("input[name=confirm_password]").fill("Library2026")
    dlg.get_by_role("button", name="保存并登录").click()
    expect(page.locator(".topbar .who")).to_contain_text("图书馆资产员")


def _load_feedback(page: Page, content: bytes) -> None:
    page.get_by_label("反馈文件").set_input_files(
        files=[{"name": "feedback.jsonl", "mimeType": "application/x-ndjson", "buffer": content}]
    )
    page.get_by_role("button", name="导入反馈").click()


def test_mof_page_when_feedback_loaded_then_items_states_reasons_and_refusals_shown(
    web_page: Page, web_api: WebApi, flow: Flow
) -> None:
    page = web_page
    demand = {
        "kind": "demand", "title": "急需投影仪", "demand_type": "adjust", "scope": "national",
        "category_code": "A020104", "region_code": "460100", "quantity": "2",
        "measure_unit": "台", "contact_name": "王五", "end_date": "2099-12-31",
    }  # fmt: skip
    bill = flow.create("hd_jb", **demand)
    flow.final(bill)
    log_in(page, "cz_sh", "#/plaza/adjust")
    page.get_by_role("link", name="汇总系统上报").click()
    expect(page.locator("#page")).to_contain_text("尚未向汇总系统上报")
    page.get_by_role("button", name="生成上报批次").click()
    expect_toast(page, "已生成上报批次")
    items = page.locator("section.batch-detail .table-wrap").first.locator("tbody tr")
    expect(items).to_have_count(1)
    expect(items).to_contain_text("01-待财政部审核")
    expect(items).to_contain_text("首次上报")
    expect(page.locator("section.batch-detail")).to_contain_text("尚未反馈")

    with page.expect_download() as dl:
        page.get_by_role("button", name="下载").first.click()
    batch = web_api("cz_sh").get("/mof/batches").json()[0]
    assert dl.value.suggested_filename == batch["file_name"]

    # MOF's file names a bill this batch never held: refused as a whole, and the page says why
    wrong = [{"bill_no": "NO-SUCH-BILL", "decision": "approved"}]
    _load_feedback(page, feedback_file("46", batch["batch_no"], wrong))
    refused = page.locator(".feedback-refused")
    expect(refused).to_contain_text("未做任何修改")
    expect(refused.locator("li")).to_contain_text("NO-SUCH-BILL")
    expect(refused).to_contain_text("MOF_FEEDBACK_REFUSED")
    shot(page, "mof-feedback-refused")
    expect(items).to_contain_text("尚未反馈")

    # MOF sends the demand back with its reason
    back = [{"bill_no": bill["bill_no"], "decision": "rejected", "reason": "车辆编制未核定"}]
    _load_feedback(page, feedback_file("46", batch["batch_no"], back))
    expect(page.locator(".feedback-ok")).to_contain_text("生效 1 条")
    expect(items).to_contain_text("已退回单位")
    expect(items).to_contain_text("车辆编制未核定")
    expect(page.locator("section.batch-detail .table-wrap").nth(1)).to_contain_text("财政审核员")
    shot(page, "mof-batches")
