"""资产动态监管 in Chromium: suggestions made by the real analyser from sensor readings,
their evidence and usage chart, 采纳 → a card change the reviewer approves on 卡片变动 →
a draft adjust bill on 调剂资产发布; 忽略 with a reason; the sensor-health tab."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import psycopg
from click.testing import CliRunner
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from psycopg.types.json import Jsonb

from assetpulse.monitor.cli import analyse
from tests.fix_monitor import MonitorWorld
from tests.fix_web import WebApi, expect_toast, log_in, open_tab, shot, submit_query

END = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # local midnight 2026-11-03
DAYS = 14


def _photo_trace(sensor: str, on_hours: set[int], minutes: int) -> pl.DataFrame:
    """A photo sensor every 10 minutes; on during the first ``minutes`` of the local hours."""
    start = END - timedelta(days=DAYS)
    ts = [start + timedelta(minutes=10 * i) for i in range(DAYS * 144)]
    on = [((t.hour + 8) % 24) in on_hours and t.minute < minutes for t in ts]
    return pl.DataFrame({"sensor_id": sensor, "t": ts, "kind": 1, "on_state": on})


def test_accepting_a_suggestion_proposes_a_card_change_the_reviewer_approves(
    web_page: Page,
    monitor_world: MonitorWorld,
    db_url: str,
    demo_units: dict[str, int],
    web_api: WebApi,
) -> None:
    idle = monitor_world.card("闲置台式机", "A02010105")
    rare = monitor_world.card("少用台式机", "A02010105")
    busy = monitor_world.card("在用台式机", "A02010105")
    for sensor, card, hours, minutes in (
        ("PH-IDLE", idle, set(), 60),
        ("PH-RARE", rare, {10}, 30),
        ("PH-BUSY", busy, set(range(9, 17)), 60),
    ):
        monitor_world.bind(sensor, "photo", card, END - timedelta(days=DAYS + 1))
        monitor_world.write(_photo_trace(sensor, hours, minutes))
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into sensors (sensor_id, kind, gateway_id) values ('PH-SPARE', 'photo', 'GW-1')"
        )
        conn.execute("update sensors set unit_id = %s", (demo_units["U460001"],))
        conn.execute("insert into gateway_state (gateway_id, online) values ('GW-1', false)")
        conn.execute(
            "insert into ingest_dead_letters (topic, gateway_id, reason, detail, payload)"
            " values ('assetpulse/v1/gw/GW-1/up', 'GW-1', 'not_json', '报文不是 JSON', 'x')"
        )
    out = CliRunner().invoke(
        analyse,
        ["--window-days", str(DAYS), "--end", END.strftime("%Y-%m-%dT%H:%M:%S")],
        env={"ASSETPULSE_DATABASE_URL": db_url},
    )
    assert out.exit_code == 0, out.output

    page = web_page
    log_in(page, "hd_jb", "#/monitor")
    rows = page.locator("table tbody tr")
    idle_row = rows.filter(has_text="闲置台式机")
    expect(idle_row).to_contain_text("闲置")
    expect(idle_row).to_contain_text("累计使用0.0小时")
    rare_row = rows.filter(has_text="少用台式机")
    expect(rare_row).to_contain_text("低效使用")
    expect(rows.filter(has_text="在用台式机")).to_have_count(0)
    expect(page.locator(".totals")).to_contain_text("符合条件 2 条：闲置 1 条，低效使用 1 条")
    shot(page, "monitor-suggestions")

    # 详情: the evidence and the usage chart, by day and finer
    idle_row.get_by_role("button", name="详情").click()
    idle_box = page.locator("dialog[open] .suggestion")
    expect(idle_box).to_contain_text("累计使用0.0小时")
    expect(idle_box.locator("svg.usage-chart rect")).to_have_count(DAYS)
    expect(idle_box.locator(".trace")).to_contain_text("判定依据：光照信号（PH-IDLE）")
    idle_box.get_by_role("button", name="按15分钟").click()
    expect(idle_box.locator("svg.usage-chart rect")).to_have_count(2 * 96)  # the last two days
    idle_box.get_by_role("button", name="按日").click()
    expect(idle_box.locator("svg.usage-chart rect")).to_have_count(DAYS)
    shot(page, "monitor-detail")

    idle_box.get_by_role("button", name="采纳").click()
    expect_toast(page, "已采纳，生成卡片变动")
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(rows.filter(has_text="闲置台式机")).to_have_count(0)

    rare_row.get_by_role("button", name="忽略").click()
    dlg = page.locator("dialog[open]")
    dlg.get_by_role("button", name="忽略").click()
    expect_toast(page, "请检查以下字段", "error")  # a reason is required
    dlg.locator("textarea[name=reason]").fill("教学实验备用机，按学期使用")
    dlg.locator("input[name=snooze_days]").fill("90")
    dlg.get_by_role("button", name="忽略").click()
    expect_toast(page, "已忽略该建议")
    expect(page.locator("#page")).to_contain_text("暂无待处理的建议")
    open_tab(page, "已处理建议")
    done = page.locator("table tbody tr")
    expect(done.filter(has_text="闲置台式机")).to_contain_text("已采纳")
    expect(done.filter(has_text="少用台式机")).to_contain_text("教学实验备用机，按学期使用")

    open_tab(page, "传感器状态")
    spare = page.locator("tbody tr").filter(has_text="PH-SPARE")
    expect(spare).to_contain_text("未绑定")
    expect(page.locator("#page")).to_contain_text("未绑定资产卡片 1 个")
    expect(page.locator("#page")).to_contain_text("离线 1 个")
    expect(page.locator("tbody tr").filter(has_text="GW-1").first).to_contain_text("离线")
    dead = page.locator("tbody tr").filter(has_text="not_json")
    expect(dead).to_contain_text("报文不是合法 JSON（not_json）")  # the reason, in Chinese
    expect(dead).to_contain_text("报文不是 JSON")  # the detail
    shot(page, "monitor-sensors")

    # the reviewer approves the proposed change on 卡片变动; the card becomes 闲置
    log_in(page, "hd_sh", "#/card-changes")
    row = page.locator("tbody tr").filter(has_text="闲置台式机")
    expect(row).to_contain_text("闲置资产建议")
    expect(row).to_contain_text("资产状态 → 闲置")
    shot(page, "card-changes")
    row.get_by_role("button", name="审核通过").click()
    page.locator("dialog[open]").get_by_role("button", name="审核通过").click()
    expect_toast(page, "审核通过成功")
    assert web_api("hd_jb").get(f"/cards/{idle}").json()["status"] == "idle"

    # the approval opened a draft adjust bill; the card has no photo yet, so 送审 is refused
    # with the photo rule's message
    log_in(page, "hd_jb", "#/bills/adjust/publish")
    draft = page.locator("tbody tr").filter(has_text="闲置台式机")
    expect(draft).to_contain_text("闲置资产建议")
    expect(draft).to_contain_text("草稿")
    draft.get_by_role("button", name="送审").click()
    page.locator("dialog[open]").get_by_role("button", name="送审").click()  # 确定送审？
    expect_toast(page, "卡片变动", "error")


def test_finance_reviewer_filters_sorts_pages_and_exports_the_suggestion_table(
    web_page: Page, db_url: str, demo_units: dict[str, int], tmp_path: Path
) -> None:
    """45 open suggestions in two units of the province (SQL), read by finance's reviewer."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        for i in range(45):
            unit = "U460001" if i % 3 else "U460002"
            row = conn.execute(
                "insert into asset_cards (asset_code, name, category_code, unit_id)"
                " values (%s, %s, 'A02010105', %s) returning id",
                (f"TB-{i:04d}", f"设备{i:02d}", demo_units[unit]),
            ).fetchone()
            assert row is not None
            verdict = "idle" if i % 2 else "under_used"
            conn.execute(
                "insert into suggestions (card_id, unit_id, verdict, action, rule, score,"
                " metric, metric_value, evidence, evidence_zh, evidence_en, window_from,"
                " window_to) values (%s, %s, %s, %s, 'desktop', %s, 'usage_hours', 0, %s,"
                " '窗口内累计使用0.0小时', 'idle', %s, %s)",
                (
                    row[0],
                    demo_units[unit],
                    verdict,
                    "adjust" if verdict == "idle" else "share",
                    (i + 10) / 60,
                    Jsonb({}),
                    END - timedelta(days=DAYS),
                    END,
                ),
            )
    page = web_page
    log_in(page, "cz_sh", "#/monitor")
    rows = page.locator(".suggestions tbody tr")
    expect(page.locator(".totals")).to_contain_text("符合条件 45 条：闲置 22 条，低效使用 23 条")
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text("设备44")  # highest score first
    expect(page.locator(".pager")).to_contain_text("第 1/3 页")
    page.get_by_role("button", name="下一页").click()
    expect(page.locator(".pager")).to_contain_text("第 2/3 页")
    expect(rows.first).to_contain_text("设备24")

    page.locator("select[name=unit_id]").select_option(label="海南师范大学")
    page.locator("select[name=verdict]").select_option("idle")
    submit_query(page)
    expect(page.locator(".totals")).to_contain_text("符合条件 7 条：闲置 7 条")  # i = 3, 9, …, 39
    expect(rows).to_have_count(7)
    expect(page.locator(".pager")).to_contain_text("第 1/1 页")
    page.locator("thead").get_by_role("button", name="资产名称").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("资产名称")
    expect(rows.first).to_contain_text("设备03")
    expect(rows.last).to_contain_text("设备39")
    expect(rows.first).to_contain_text("海南师范大学")
    expect(rows.first.get_by_role("button", name="采纳")).to_have_count(0)  # finance reads only
    shot(page, "monitor-table-finance")

    with page.expect_download() as dl:
        page.get_by_role("button", name="导出").click()
    assert dl.value.suggested_filename == "闲置资产建议.xlsx"
    target = tmp_path / "export.xlsx"
    dl.value.save_as(target)
    sheet = load_workbook(target).active
    assert sheet is not None
    names = [r[3] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == [f"设备{i:02d}" for i in range(3, 45, 6)]  # the selection, in its order

    rows.first.get_by_role("button", name="详情").click()
    detail = page.locator("dialog[open] .suggestion")
    expect(detail.locator("svg.usage-chart rect")).to_have_count(DAYS)  # the chart, read-only
