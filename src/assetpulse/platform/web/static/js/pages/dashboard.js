// 首页/数据看板: the viewer's scope (本单位 / 主管部门及所属单位 / 财政区划) at a glance —
// idle and under-used assets with their book value, the plazas by state and age, what was
// re-used and the money it saved, rates, sensor coverage and the months' trend. Every
// figure and bar opens its list below (drill down); 导出 gives the whole as XLSX.
import { api, download } from "../api.js";
import { barChart, lineChart, PALETTE, ring } from "../chart.js";
import { fmtTime, h, pageHead, table } from "../ui.js";

const KINDS = [["adjust", "调剂"], ["share", "共享"], ["demand", "需求"]];
const STATES = [["listed", "上架"], ["done", "已登记结果"], ["delisted", "下架"], ["withdrawn", "已撤回"]];
const yuan = (v) => `¥${Number(v || 0).toLocaleString("zh-CN", { maximumFractionDigits: 2 })}`;
const num = (v) => Number(v || 0).toLocaleString("zh-CN");

function kpi(label, value, sub, onPick) {
  const attrs = { class: `kpi${onPick ? " pick" : ""}` };
  if (onPick) Object.assign(attrs, { role: "button", tabindex: "0", onclick: onPick, onkeydown: (e) => { if (e.key === "Enter") onPick(); } });
  return h("div", attrs, h("div", { class: "kpi-label" }, label), h("div", { class: "kpi-value" }, value), sub ? h("div", { class: "kpi-sub" }, sub) : null);
}

const CARD_COLS = [
  { label: "资产编号", value: (r) => r.asset_code },
  { label: "资产名称", value: (r) => r.name },
  { label: "所属单位", value: (r) => r.unit_name },
  { label: "资产状态", value: (r) => r.status_text },
  { label: "账面价值（元）", value: (r) => r.net_value ?? r.original_value },
  { label: "监测依据", value: (r) => r.evidence_zh },
];
const LISTING_COLS = [
  { label: "资产 / 需求", value: (r) => r.name },
  { label: "发布单位", value: (r) => r.unit_name },
  { label: "发布时间", value: (r) => fmtTime(r.listed_at) },
  { label: "登记结果时间", value: (r) => fmtTime(r.done_at) },
  { label: "接收方 / 提供方", value: (r) => r.counterpart_unit_name },
  { label: "原值（元）", value: (r) => r.original_value },
  { label: "共享补偿（元）", value: (r) => r.compensation_yuan },
];

export async function render(view, { params }) {
  const months = Math.min(24, Math.max(1, Number(params.months) || 12));
  const d = await api(`/dashboard?months=${months}`);
  const drill = h("section", { class: "dash-drill", "aria-live": "polite" });

  async function show(title, query, page = 1) {
    const data = await api(`/dashboard/rows?${new URLSearchParams({ ...query, page, page_size: 20 })}`);
    const cols = query.list === "listings" ? LISTING_COLS : CARD_COLS;
    drill.replaceChildren(
      h("h3", {}, `明细：${title}`),
      table(cols, data.items, { rowKey: (r) => r.listing_id || r.card_id }),
      h("div", { class: "toolbar pager" },
        h("span", { class: "evidence" }, `第 ${data.page} 页`),
        h("span", { class: "spacer" }),
        page > 1 ? h("button", { onclick: () => show(title, query, page - 1) }, "上一页") : null,
        data.has_more ? h("button", { onclick: () => show(title, query, page + 1) }, "下一页") : null));
    drill.scrollIntoView({ block: "nearest" });
  }

  const o = d.outcomes;
  const idle = d.idle;
  const pick = (title, query) => () => show(title, query);
  const tiles = h("div", { class: "kpis" },
    kpi("闲置资产", `${num(idle.idle_cards)} 张`, `账面价值 ${yuan(idle.idle_book_value)}`, pick("闲置资产", { list: "idle" })),
    kpi("监测判定闲置", `${num(idle.suggested_idle_cards)} 张`, `账面价值 ${yuan(idle.suggested_idle_book_value)}`, pick("监测判定闲置", { list: "suggested_idle" })),
    kpi("低效使用", `${num(idle.under_used_cards)} 张`, `账面价值 ${yuan(idle.under_used_book_value)}`, pick("低效使用资产", { list: "under_used" })),
    kpi("已调剂", `${num(o.adjust_done)} 项`, null, pick("已调剂", { list: "listings", kind: "adjust", state: "done" })),
    kpi("已共享", `${num(o.share_done)} 项`, `补偿 ${yuan(o.compensation_yuan)}`, pick("已共享", { list: "listings", kind: "share", state: "done" })),
    kpi("节约资金", yuan(o.yuan_saved), "再利用资产的原值（免于新购）", null),
  );
  const rings = h("div", { class: "rings" }, [
    [o.reuse_rate, "调剂完成率", PALETTE[0]],
    [o.share_rate, "共享完成率", PALETTE[1]],
    [o.demand_fulfilment, "需求满足率", PALETTE[2]],
    [d.sensors.coverage, "传感器覆盖率", PALETTE[3]],
  ].map(([rate, caption, color]) => h("figure", { class: "ring" }, ring(rate, caption, { color }), h("figcaption", {}, caption))));

  const byState = barChart(KINDS.map(([, l]) => l), STATES.map(([s, name]) => ({
    name, values: KINDS.map(([k]) => d.listings.by_state[k][s]),
  })), {
    stacked: true, label: "广场资产按状态",
    onPick: (i, j) => show(`${KINDS[i][1]} · ${STATES[j][1]}`, { list: "listings", kind: KINDS[i][0], state: STATES[j][0] }),
  });
  const byAge = barChart(d.listings.age_labels, KINDS.map(([k, name]) => ({ name, values: d.listings.age[k] })), {
    label: "上架中资产按上架月份",
    onPick: (i, j) => show(`${KINDS[j][1]} · ${d.listings.age_labels[i]}`, { list: "listings", kind: KINDS[j][0], state: "listed", age: i }),
  });
  const monthsLabels = d.trend.map((m) => m.month.slice(2));
  const trend = barChart(monthsLabels, [
    ...KINDS.map(([k, name]) => ({ name: `发布${name}`, values: d.trend.map((m) => m.published[k]) })),
  ], { label: "每月发布" });
  const doneTrend = barChart(monthsLabels, KINDS.map(([k, name], j) => ({
    name: `完成${name}`, values: d.trend.map((m) => m.done[k]), color: PALETTE[j],
  })), { stacked: true, label: "每月完成" });
  const saved = lineChart(monthsLabels, d.trend.map((m) => Number(m.yuan_saved)), { label: "每月节约资金（元）" });

  const select = h("select", { "aria-label": "趋势月数", onchange: (e) => { location.hash = `#/dashboard?months=${e.target.value}`; } },
    [6, 12, 24].map((m) => h("option", { value: m, selected: m === months }, `近 ${m} 个月`)));
  view.replaceChildren(
    pageHead("数据看板", select,
      h("button", { onclick: async () => download(await api(`/dashboard/export?months=${months}`, { raw: true }), "数据看板.xlsx") }, "导出")),
    h("p", { class: "evidence dash-scope" }, `数据范围：${d.scope.label} · 更新于 ${fmtTime(d.generated_at)}`),
    tiles,
    rings,
    h("div", { class: "dash-grid" },
      h("figure", { class: "dash-panel" }, h("figcaption", {}, "广场资产按状态（点击柱查看明细）"), byState),
      h("figure", { class: "dash-panel" }, h("figcaption", {}, "上架中资产按上架月份"), byAge),
      h("figure", { class: "dash-panel" }, h("figcaption", {}, "每月发布"), trend),
      h("figure", { class: "dash-panel" }, h("figcaption", {}, "每月完成调剂 / 共享 / 需求"), doneTrend),
      h("figure", { class: "dash-panel wide" }, h("figcaption", {}, "每月节约资金（元）"), saved)),
    drill);
}
