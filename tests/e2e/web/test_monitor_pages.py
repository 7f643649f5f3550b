"""资产动态监管 in Chromium: suggestions made by the real analyser from sensor readings,
their evidence and usage chart, 采纳 → a card change the reviewer approves on 卡片变动 →
a draft adjust bill on 调剂资产发布; 忽略 with a reason; the sensor-health tab."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import psycopg
from click.testing import CliRunner
from playwright.sync_api import Page, expect

from assetpulse.monitor.cli import analyse
from tests.fix_monitor import MonitorWorld
from tests.fix_web import WebApi, expect_toast, log_in, open_tab, shot

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
    idle_box = page.locator(".suggestion").filter(has_text="闲置台式机")
    expect(idle_box).to_contain_text("闲置")
    expect(idle_box).to_contain_text("累计使用0.0小时")
    expect(idle_box.locator("svg.usage-chart rect")).to_have_count(DAYS)
    expect(idle_box.locator(".trace")).to_contain_text("判定依据：光照信号（PH-IDLE）")
    idle_box.get_by_role("button", name="按15分钟").click()
    expect(idle_box.locator("svg.usage-chart rect")).to_have_count(2 * 96)  # the last two days
    idle_box.get_by_role("button", name="按日").click()
    expect(idle_box.locator("svg.usage-chart rect")).to_have_count(DAYS)
    rare_box = page.locator(".suggestion").filter(has_text="少用台式机")
    expect(rare_box).to_contain_text("低效使用")
    expect(page.locator(".suggestion").filter(has_text="在用台式机")).to_have_count(0)
    shot(page, "monitor-suggestions", full_page=True)

    idle_box.get_by_role("button", name="采纳").click()
    expect_toast(page, "已采纳，生成卡片变动")
    expect(page.locator(".suggestion").filter(has_text="闲置台式机")).to_have_count(0)

    rare_box.get_by_role("button", name="忽略").click()
    dlg = page.locator("dialog[open]")
    dlg.get_by_role("button", name="忽略").click()
    expect_toast(page, "请检查以下字段", "error")  # a reason is required
    dlg.locator("textarea[name=reason]").fill("教学实验备用机，按学期使用")
    dlg.locator("input[name=snooze_days]").fill("90")
    dlg.get_by_role("button", name="忽略").click()
    expect_toast(page, "已忽略该建议")
    expect(page.locator("#page")).to_contain_text("暂无待处理的建议")
    open_tab(page, "已处理建议")
    done = page.locator(".suggestion")
    expect(done.filter(has_text="闲置台式机")).to_contain_text("已采纳")
    expect(done.filter(has_text="少用台式机")).to_contain_text("教学实验备用机，按学期使用")

    open_tab(page, "传感器状态")
    spare = page.locator("tbody tr").filter(has_text="PH-SPARE")
    expect(spare).to_contain_text("未绑定")
    expect(page.locator("#page")).to_contain_text("未绑定资产卡片 1 个")
    expect(page.locator("#page")).to_contain_text("离线 1 个")
    expect(page.locator("tbody tr").filter(has_text="GW-1").first).to_contain_text("离线")
    expect(page.locator("tbody tr").filter(has_text="not_json")).to_contain_text("报文不是 JSON")
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
    expect_toast(page, "卡片变动", "error")
