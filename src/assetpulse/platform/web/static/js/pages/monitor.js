// 资产动态监管: idle / under-used suggestions from the sensors as a table a reviewer can work
// through at hundreds of assets (filters, sorting, pages and the totals from the server,
// 导出 XLSX of the same selection); 详情 shows the evidence and the usage charts, 采纳
// (proposes the card change for review) or 忽略 (reason, snooze); and 传感器状态 — the
// unit's sensors and which are not bound to any card.
// Finance and competent departments read every unit's suggestions in their scope (with the
// unit) and the idle rules (闲置判定规则), and act on none: the unit's operators do.
import { api, download, itemsOf } from "../api.js";
import { usageChart } from "../chart.js";
import { references } from "../fields.js";
import { isOperator, seesManyUnits } from "../roles.js";
import { badge, dialog, field, fmtTime, h, pageHead, pageOf, pager, table, tabs, toast } from "../ui.js";

let rulesCache = null;
/** The idle rules (GET /idle-rules), fetched once: the same for every user. */
export function idleRules() {
  if (!rulesCache) rulesCache = api("/idle-rules", { quiet: true }).catch((err) => { rulesCache = null; throw err; });
  return rulesCache;
}

/** A rule's Chinese name (规则 id → name_zh); the id itself when the rules are unknown. */
export async function ruleNames() {
  try {
    const r = await idleRules();
    return Object.fromEntries(r.rules.map((x) => [x.id, x.name_zh]));
  } catch {
    return {};
  }
}
const METRIC_ZH = {
  annual_hours: "年化使用机时", usage_hours_per_workday: "每工作日使用时长", working_hours_share: "工作时间占用比例",
  sessions_per_workday: "每工作日使用次数", days_moved_per_workday: "出车工作日占比", utilisation: "利用率",
};

const VERDICT = { idle: ["闲置", "bad"], under_used: ["低效使用", "warn"] };
const ACTION = { adjust: "建议调剂（资产状态变动为闲置）", share: "建议共享（是否共享共用变动为是）" };
// dead-letter reasons of the telemetry contract (docs/telemetry.md section 4), for the 原因 column
const REASON = {
  bad_topic: "主题不符合约定", too_large: "报文过大", not_json: "报文不是合法 JSON", not_object: "报文不是 JSON 对象",
  bad_version: "版本号不是 1", bad_gateway: "网关编号无效", gateway_mismatch: "报文网关与主题不符", bad_seq: "序号无效",
  no_readings: "没有读数", too_many_readings: "读数过多", bad_state: "网关状态无效", reading_not_object: "读数不是 JSON 对象",
  bad_sensor: "传感器编号无效", bad_kind: "传感器类型无效", bad_time: "采样时间无效", time_too_old: "采样时间超出保留期限",
  time_too_far_ahead: "采样时间超前过多", missing_value: "缺少读数值", bad_value: "读数值类型错误", out_of_range: "读数值超出范围",
  sensor_gateway_mismatch: "传感器登记在其他网关", new_sensor_limit: "网关新传感器过多（限流）",
  conflicting_reading: "同一时刻已存另一读数（保留先到者）", store_failed: "数据库写入失败（已保留）",
};
const STATE = { new: "待处理", accepted: "已采纳", dismissed: "已忽略", superseded: "已失效" };
const EVIDENCE = {
  usage_hours: ["累计使用", "小时"], usage_hours_per_workday: ["每工作日使用", "小时"], annual_hours: ["年化机时", "小时"],
  sessions: ["使用次数", "次"], sessions_per_workday: ["每工作日使用次数", "次"], utilisation: ["利用率", ""],
  working_hours_share: ["工作时间占用比例", ""], days_since_last_use: ["距上次使用", "天"], distance_km: ["移动距离", "公里"],
  days_moved: ["移动天数", "天"], coverage: ["数据覆盖率", ""], covered_days: ["有数据天数", "天"], workdays: ["窗口内工作日", "天"],
};

function fmtNum(v) {
  return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v);
}

// the finer the bucket, the shorter the stretch it shows (ending where the window ends)
const BUCKETS = [
  ["day", "按日", null, "每日"], ["hour", "按小时", 7, "每小时"], ["15min", "按15分钟", 2, "每15分钟"], ["minute", "按分钟", 1, "每分钟"],
];
const SIGNAL = { photo: "光照", loc: "定位", temp: "温度" };

export function chartFor(s) {
  const box = h("div", { class: "chart" });
  const body = h("div", {});
  const show = (bucket, days, label) => {
    body.replaceChildren(h("p", { class: "evidence" }, "正在加载使用情况…"));
    const to = new Date(s.window_to);
    const from = days ? new Date(Math.max(new Date(s.window_from).getTime(), to.getTime() - days * 86400e3)) : new Date(s.window_from);
    api(`/assets/${s.card_id}/usage`, { quiet: true, query: { from: from.toISOString(), to: to.toISOString(), bucket } })
      .then((u) => body.replaceChildren(u.items.length ? usageChart(u.items) : h("p", { class: "evidence" }, "该时段没有使用数据"),
        h("p", { class: "evidence" }, `柱：${label}使用时长；绿线：使用次数；橙点：有移动；浅色柱：数据覆盖不足一半`)))
      .catch((err) => body.replaceChildren(h("p", { class: "evidence" }, `使用情况加载失败：${err.message}`)));
  };
  const picks = BUCKETS.map(([bucket, name, days, label]) => h("button", {
    class: bucket === "day" ? "small primary" : "small", dataset: { bucket },
    onclick: (ev) => {
      for (const b of picks) b.classList.toggle("primary", b === ev.currentTarget);
      show(bucket, days, label);
    },
  }, name));
  box.append(h("div", { class: "toolbar bucket-picker" }, ...picks), body);
  show("day", null, "每日");
  return box;
}

function traceOf(s, names) {
  const t = (s.evidence || {}).trace;
  if (!t) return null;
  const silent = t.silent_sensors && t.silent_sensors.length ? `；无数据的传感器：${t.silent_sensors.join("、")}` : "";
  const bar = t.threshold === null || t.threshold === undefined ? "窗口内未使用" : `判定线 ${fmtNum(t.threshold)}`;
  return h("p", { class: "evidence trace" },
    `判定依据：${SIGNAL[t.signal] || t.signal || "传感器"}信号（${(t.sensors || []).join("、")}）· 规则 ${names[t.rule] || t.rule} · ${METRIC_ZH[t.metric] || t.metric} = ${fmtNum(t.metric_value)}，${bar}${silent}`);
}

/** What a suggestion rests on: verdict, the sentence, the figures, the trace and the usage
 * chart — shown on the monitor page and to the reviewer who approves its card change. */
export function evidenceBlock(s, names) {
  const [vText, vKind] = VERDICT[s.verdict] || [s.verdict, ""];
  const facts = Object.entries(s.evidence || {}).filter(([k]) => EVIDENCE[k]).map(([k, v]) =>
    h("span", { class: "badge" }, `${EVIDENCE[k][0]} ${k === "coverage" || k === "utilisation" || k === "working_hours_share" ? `${Math.round(v * 100)}%` : fmtNum(v)}${EVIDENCE[k][1]}`));
  return h("div", { class: "usage-evidence" },
    h("p", {}, badge(vText, vKind), " ", s.evidence_zh),
    h("div", { class: "toolbar" }, facts),
    traceOf(s, names),
    h("p", { class: "evidence" }, `统计时段：${fmtTime(s.window_from)} 至 ${fmtTime(s.window_to)} · 规则 ${names[s.rule] || s.rule}`),
    chartFor(s));
}

/** The draft bill the platform opened once the suggestion's card change was approved. */
export async function draftOf(s) {
  if (s.state !== "accepted") return null;
  const data = await api("/bills", { quiet: true, query: { card_id: s.card_id, origin: "suggestion", kind: s.action, page_size: 1 } }).catch(() => null);
  const b = data && itemsOf(data)[0];
  return b || null;
}

/** In a list row: the draft bill's link once it is known (fetched after the row is drawn). */
export function draftSlot(s) {
  const slot = h("span", { class: "draft-slot" });
  if (s.state === "accepted") draftOf(s).then((b) => { if (b) slot.replaceChildren(" ", draftLink(b)); });
  return slot;
}

/** "已生成草稿发布单 PB…" with a link to where it is sent for review (发布). */
export function draftLink(b) {
  const where = b.stage === "draft" || b.stage === "returned" ? "待送审" : b.stage_text;
  return h("a", { class: "draft-link", href: `#/bills/${b.kind}/publish?tab=${b.stage === "draft" || b.stage === "returned" ? "pending" : "submitted"}&bill=${b.id}` },
    `已生成${b.kind === "adjust" ? "调剂" : "共享"}资产发布单 ${b.bill_no}（${where}）`);
}

function dismiss(s, reload) {
  const reason = h("textarea", { name: "reason", placeholder: "如：设备为应急备用，平时不开机" });
  const snooze = h("input", { name: "snooze_days", type: "number", min: "1", max: "730", placeholder: "不填则直到证据明显变化" });
  dialog(`忽略建议 — ${s.card_name}`, h("div", { class: "form-grid" }, field("忽略原因", reason, "wide"), field("不再提示天数", snooze)), [{
    label: "忽略", primary: true,
    action: async () => {
      await api(`/suggestions/${s.id}/dismiss`, { method: "POST", json: { reason: reason.value.trim(), snooze_days: snooze.value ? Number(snooze.value) : null } });
      toast("已忽略该建议。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

async function suggestionCard(s, reload, operator, names, wide) {
  const [vText, vKind] = VERDICT[s.verdict] || [s.verdict, ""];
  const draft = await draftOf(s);
  const actions = s.state === "new" ? (!operator ? [h("span", { class: "evidence" }, wide ? "由资产所属单位的经办岗采纳或忽略" : "由经办岗采纳或忽略")] : [
    h("button", { class: "primary", onclick: async () => {
      const out = await api(`/suggestions/${s.id}/accept`, { method: "POST", json: {} });
      toast(`已采纳，生成卡片变动（编号 ${out.card_change_id}），请审核岗在【卡片变动】审核；审核通过后系统生成草稿发布单，在【${s.action === "adjust" ? "调剂" : "共享"}资产发布】送审。`, "ok");
      await reload();
    } }, "采纳"),
    h("button", { onclick: () => dismiss(s, reload) }, "忽略"),
  ]) : [badge(STATE[s.state] || s.state, s.state === "accepted" ? "ok" : ""), s.dismiss_reason ? h("span", { class: "evidence" }, `原因：${s.dismiss_reason}`) : null,
    s.card_change_id && !wide ? h("a", { href: "#/card-changes" }, `卡片变动 ${s.card_change_id}`) : null,
    draft ? draftLink(draft) : null];
  return h("div", { class: "card suggestion", dataset: { id: s.id } },
    h("div", { class: "toolbar", style: "margin-top:0" }, h("h3", { style: "margin:0" }, `${s.card_name}（${s.asset_code}）`), badge(vText, vKind),
      h("span", { class: "evidence" }, ACTION[s.action]), wide && s.unit_name ? badge(s.unit_name, "info") : null,
      h("span", { class: "spacer" }), h("span", { class: "evidence" }, `评分 ${Math.round(s.score * 100)}`)),
    evidenceBlock(s, names),
    h("div", { class: "toolbar" }, actions));
}

/** 闲置判定规则, read-only: what finance staff review (the file is changed by the operator
 * of the installation, ASSETPULSE_IDLE_RULES_PATH). */
async function rulesView() {
  const r = await idleRules();
  const num = (v) => (v === null || v === undefined ? "" : fmtNum(v));
  return h("div", {},
    h("p", { class: "evidence" }, `规则文件：${r.source === "packaged" ? "系统默认规则" : r.source}（只读）。默认分析窗口 ${r.window_days} 天；`
      + `数据覆盖率低于 ${Math.round(r.min_coverage * 100)}% 或有效观测工作日少于 ${r.min_covered_workdays} 天时判为数据不足，不判闲置；`
      + `窗口内累计使用不足 ${num(r.unused_hours)} 小时且无使用次数视为未使用（闲置）。`),
    table([
      { label: "规则", value: (x) => x.name_zh },
      { label: "资产分类", value: (x) => x.categories.join("、") },
      { label: "使用指标", value: (x) => `${x.metric_zh}${x.metric_unit ? `（${x.metric_unit}）` : ""}` },
      { label: "分析窗口（天）", value: (x) => String(x.window_days) },
      { label: "闲置线（低于）", value: (x) => (x.idle_below === null ? "窗口内未使用" : num(x.idle_below)) },
      { label: "低效使用线（低于）", value: (x) => num(x.under_used_below) },
      { label: "定额", value: (x) => num(x.norm) },
    ], r.rules, { rowKey: (x) => x.id }));
}

async function sensorHealth() {
  const [sensors, health] = await Promise.all([api("/sensors"), api("/sensor-health")]);
  const unbound = sensors.filter((s) => !s.bound_card_id);
  const KIND = { photo: "光电", temp: "温度", loc: "位置" };
  const online = (g) => (g.online === null ? badge("未上报", "info") : g.online ? badge("在线", "ok") : badge("离线", "warn"));
  return h("div", {},
    h("div", { class: "card" },
      `本单位网关 ${health.gateways.length} 个（离线 ${health.offline_gateways} 个）；传感器 ${sensors.length} 个，其中未绑定资产卡片 ${unbound.length} 个；`
      + `近 7 天死信 ${health.dead_letter_counts.reduce((n, c) => n + c.count, 0)} 条。`),
    h("h3", {}, "网关在线状态"),
    table([
      { label: "网关", value: (g) => g.gateway_id },
      { label: "状态", value: online },
      { label: "状态变化时间", value: (g) => fmtTime(g.changed_at) },
      { label: "传感器数", value: (g) => g.sensors },
      { label: "丢失报文", value: (g) => g.missing_messages },
    ], health.gateways, { rowKey: (g) => g.gateway_id, empty: "本单位尚无网关上报" }),
    h("h3", {}, "传感器"),
    table([
      { label: "传感器编号", value: (s) => s.sensor_id },
      { label: "类型", value: (s) => KIND[s.kind] || s.kind },
      { label: "网关", value: (s) => s.gateway_id },
      { label: "标签", value: (s) => s.label },
      { label: "绑定资产卡片", value: (s) => (s.bound_card_id ? `卡片 ${s.bound_card_id}` : badge("未绑定", "warn")) },
      { label: "登记时间", value: (s) => fmtTime(s.created_at) },
    ], [...unbound, ...sensors.filter((s) => s.bound_card_id)], { rowKey: (s) => s.sensor_id, empty: "本单位尚未登记传感器" }),
    h("h3", {}, "未登记即上报的传感器（待绑定）"),
    table([
      { label: "传感器编号", value: (u) => u.sensor_id },
      { label: "网关", value: (u) => u.gateway_id },
      { label: "读数", value: (u) => u.readings },
      { label: "最近上报", value: (u) => fmtTime(u.last_seen) },
    ], health.unbound_sensors, { rowKey: (u) => u.sensor_id, empty: "没有未绑定的上报传感器" }),
    h("h3", {}, "他网关冒报（近 7 天其他网关为本单位传感器上报的读数，已拒收）"),
    table([
      { label: "传感器编号", value: (m) => m.sensor_id },
      { label: "登记网关", value: (m) => m.registered_gateway },
      { label: "上报网关", value: (m) => m.from_gateways.join("、") },
      { label: "拒收读数", value: (m) => m.readings },
      { label: "最近一次", value: (m) => fmtTime(m.last_at) },
    ], health.gateway_mismatch, { rowKey: (m) => m.sensor_id, empty: "近 7 天没有其他网关冒报本单位传感器" }),
    h("h3", {}, "死信（近 7 天无法入库的报文或读数）"),
    table([
      { label: "接收时间", value: (d) => fmtTime(d.received_at) },
      { label: "网关", value: (d) => d.gateway_id },
      { label: "原因", value: (d) => (REASON[d.reason] ? `${REASON[d.reason]}（${d.reason}）` : d.reason) },
      { label: "说明", value: (d) => d.detail },
    ], health.dead_letters, { rowKey: (d) => d.id, empty: "近 7 天没有死信" }));
}

const PAGE_SIZE = 20;
// sort keys of GET /suggestions, with the direction a click on the column starts with
const SORTS = {
  score: ["评分", "desc"], created_at: ["发现时间", "desc"], card_name: ["资产名称", "asc"], asset_code: ["资产编号", "asc"],
  unit: ["单位", "asc"], department: ["使用部门", "asc"], category: ["资产分类", "asc"], verdict: ["判定", "asc"],
};
const FILTERS = ["verdict", "unit_id", "department_id", "category", "min_score", "q"];

/** The units and departments whose suggestions this user reads (for the filters). */
function scopeUnits(me, units) {
  const prefix = String(me.region_code || "").replace(/(00)+$/, "");
  const mine = seesManyUnits(me)
    ? units.filter((u) => u.kind === "unit" && (me.unit_kind === "competent" ? u.parent_id === me.unit_id : String(u.region_code).startsWith(prefix)))
    : units.filter((u) => u.id === me.unit_id);
  const ids = new Set(mine.map((u) => u.id));
  const name = Object.fromEntries(mine.map((u) => [u.id, u.name]));
  return { units: mine, departments: units.filter((u) => u.kind === "department" && ids.has(u.parent_id)).map((d) => ({ ...d, unit_name: name[d.parent_id] })) };
}

/** 详情: what the suggestion rests on, its usage charts and, for the unit's operator, 采纳 / 忽略. */
async function showDetail(s, reload, operator, names, wide) {
  let shown = null;
  // 采纳 / 忽略 inside the detail end it: the list behind is drawn again
  const body = await suggestionCard(s, async () => { if (shown) shown.close(); await reload(); }, operator, names, wide);
  body.classList.add("detail");
  shown = dialog(`${s.card_name}（${s.asset_code}）`, h("div", {},
    h("p", { class: "evidence" }, [s.unit_name, s.department_name, s.category_name ? `${s.category_code} ${s.category_name}` : s.category_code].filter(Boolean).join(" · ")),
    body));
}

async function accept(s, reload) {
  const out = await api(`/suggestions/${s.id}/accept`, { method: "POST", json: {} });
  toast(`已采纳，生成卡片变动（编号 ${out.card_change_id}），请审核岗在【卡片变动】审核；审核通过后系统生成草稿发布单，在【${s.action === "adjust" ? "调剂" : "共享"}资产发布】送审。`, "ok");
  await reload();
}

async function suggestionTable(root, head, { params, me, tab }) {
  const wide = seesManyUnits(me);
  const operator = !wide && isOperator(me);
  const page = pageOf(params);
  const sort = SORTS[params.sort] ? params.sort : "score";
  const order = params.order === "asc" || params.order === "desc" ? params.order : SORTS[sort][1];
  const go = (patch) => {
    const q = new URLSearchParams({ tab, ...Object.fromEntries(FILTERS.map((k) => [k, params[k] || ""])), sort, order, page: "1", ...patch });
    for (const [k, v] of [...q]) if (!v || (k === "page" && v === "1") || (k === "sort" && v === "score" && q.get("order") === "desc")) q.delete(k);
    if (!q.has("sort")) q.delete("order");
    location.hash = `#/monitor?${q}`;
  };
  const query = {
    state: tab === "new" ? "new" : "done", verdict: params.verdict, unit_id: params.unit_id, department_id: params.department_id,
    category: params.category, min_score: params.min_score ? Number(params.min_score) / 100 : undefined, q: params.q,
    sort, order,
  };
  const [data, names, refs] = await Promise.all([
    api("/suggestions", { query: { ...query, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } }), ruleNames(), references(),
  ]);
  const { units, departments } = scopeUnits(me, refs.units);
  const reload = () => suggestionTable(root, head, { params, me, tab });

  const sel = (name, options, value) => h("select", { name }, options.map(([v, l]) => h("option", { value: v, selected: String(v) === String(value || "") }, l)));
  const verdict = sel("verdict", [["", "全部"], ["idle", "闲置"], ["under_used", "低效使用"]], params.verdict);
  const unit = wide ? sel("unit_id", [["", "全部单位"], ...units.map((u) => [u.id, u.name])], params.unit_id) : null;
  const dept = sel("department_id", [["", "全部部门"], ...departments.filter((d) => !params.unit_id || String(d.parent_id) === String(params.unit_id))
    .map((d) => [d.id, wide ? `${d.unit_name} / ${d.name}` : d.name])], params.department_id);
  const catList = h("datalist", { id: "monitor-categories" }, refs.categories.map((c) => h("option", { value: c.code }, `${c.code} ${c.name}`)));
  const category = h("input", { name: "category", value: params.category || "", list: "monitor-categories", placeholder: "分类代码，如 A0201", pattern: "[A-Z][0-9]{0,8}" });
  const score = h("input", { name: "min_score", type: "number", min: "0", max: "100", value: params.min_score || "", placeholder: "0–100" });
  const keyword = h("input", { name: "q", value: params.q || "", maxlength: "100", placeholder: "资产名称或编号" });
  const sortSel = sel("sort", Object.entries(SORTS).map(([k, [l, dir]]) => [`${k}:${dir}`, `${l}${dir === "desc" ? "（高→低）" : "（升序）"}`]), `${sort}:${order}`);
  if (![...sortSel.options].some((o) => o.selected)) sortSel.append(h("option", { value: `${sort}:${order}`, selected: true }, `${SORTS[sort][0]}${order === "desc" ? "（降序）" : "（升序）"}`));
  const form = h("form", { class: "toolbar filters", onsubmit: (e) => {
    e.preventDefault();
    const [k, dir] = sortSel.value.split(":");
    go({ verdict: verdict.value, unit_id: unit ? unit.value : "", department_id: dept.value, category: category.value.trim().toUpperCase(), min_score: score.value, q: keyword.value.trim(), sort: k, order: dir });
  } },
  unit ? field("单位", unit) : null, field("使用部门", dept), field("资产分类", category), catList, field("判定", verdict),
  field("评分不低于", score), field("资产名称/编号", keyword), field("排序", sortSel),
  h("button", { class: "primary", type: "submit", style: "align-self:flex-end" }, "查询"),
  h("button", { type: "button", style: "align-self:flex-end", onclick: async () => {
    const resp = await api("/suggestions/export", { raw: true, query });
    await download(resp, "闲置资产建议.xlsx");
  } }, "导出"));

  const rows = itemsOf(data);
  const cols = [
    wide ? { label: "单位", sort: "unit", value: (s) => s.unit_name } : null,
    { label: "资产编号", sort: "asset_code", value: (s) => s.asset_code },
    { label: "资产名称", sort: "card_name", value: (s) => h("button", { class: "link", onclick: () => showDetail(s, reload, operator, names, wide) }, s.card_name) },
    { label: "使用部门", sort: "department", value: (s) => s.department_name },
    { label: "资产分类", sort: "category", value: (s) => (s.category_name ? `${s.category_code} ${s.category_name}` : s.category_code) },
    { label: "判定", sort: "verdict", value: (s) => badge(...(VERDICT[s.verdict] || [s.verdict, ""])) },
    { label: "建议", value: (s) => (s.action === "adjust" ? "调剂" : "共享") },
    { label: "评分", sort: "score", value: (s) => String(Math.round(s.score * 100)) },
    { label: "判定依据", class: "why", value: (s) => s.evidence_zh },
    tab === "done" ? { label: "处理结果", value: (s) => [badge(STATE[s.state] || s.state, s.state === "accepted" ? "ok" : ""), s.dismiss_reason ? ` ${s.dismiss_reason}` : "", draftSlot(s)] } : null,
    { label: "发现时间", sort: "created_at", value: (s) => fmtTime(s.created_at) },
    { label: "操作", class: "actions", value: (s) => [
      h("button", { class: "link", onclick: () => showDetail(s, reload, operator, names, wide) }, "详情"),
      operator && s.state === "new" ? h("button", { class: "link", onclick: () => accept(s, reload) }, "采纳") : null,
      operator && s.state === "new" ? h("button", { class: "link", onclick: () => dismiss(s, reload) }, "忽略") : null,
    ] },
  ].filter(Boolean);
  const list = table(cols, rows, { empty: tab === "new" ? "暂无待处理的建议" : "暂无已处理的建议" });
  list.classList.add("suggestions");
  // the column headers sort too (desktop); the 排序 field does it where headers are hidden
  list.querySelectorAll("thead th").forEach((th, i) => {
    const c = cols[i];
    if (!c || !c.sort) return;
    const on = c.sort === sort;
    th.setAttribute("aria-sort", on ? (order === "asc" ? "ascending" : "descending") : "none");
    th.replaceChildren(h("button", { class: "link sort", type: "button", onclick: () => go({ sort: c.sort, order: on ? (order === "asc" ? "desc" : "asc") : SORTS[c.sort][1] }) },
      c.label, on ? (order === "asc" ? " ▲" : " ▼") : ""));
  });
  const by = data.by_verdict || {};
  const shown = wide ? new Set(rows.map((s) => s.unit_name)).size : 0;
  root.replaceChildren(...head, h("p", { class: "evidence" }, wide
    ? `${me.unit_kind === "competent" ? "所属各单位" : "本区划各单位"}由传感器发现的闲置、低效使用资产（只读）；采纳或忽略由资产所属单位的经办岗办理。`
    : tab === "new"
      ? "系统根据光电、温度、位置传感器统计的使用时长、使用频率和位置，提示可纳入调剂共享范围的资产。采纳后生成卡片变动，经审核岗审核通过后即可发布。"
      : "已采纳、已忽略或已失效的建议。"),
  form,
  h("p", { class: "totals", "data-total": String(data.total) },
    `符合条件 ${data.total} 条：闲置 ${by.idle || 0} 条，低效使用 ${by.under_used || 0} 条${wide && rows.length ? `（本页 ${shown} 个单位）` : ""}`),
  list,
  pager({ total: data.total, page, page_size: PAGE_SIZE, has_more: data.offset + rows.length < data.total }, (n) => go({ page: String(n) })));
}

export async function render(root, { params, me }) {
  const wide = seesManyUnits(me);
  const tabList = [["new", "闲置资产建议"], ["done", "已处理建议"], wide ? null : ["sensors", "传感器状态"], ["rules", "闲置判定规则"]].filter(Boolean);
  const tab = tabList.some(([k]) => k === params.tab) ? params.tab : "new";
  const head = [pageHead(wide ? "资产动态监管（辖区闲置资产）" : "资产动态监管"), tabs(tabList, tab, (t) => { location.hash = `#/monitor?tab=${t}`; })];
  if (tab === "sensors") {
    root.replaceChildren(...head, await sensorHealth());
    return;
  }
  if (tab === "rules") {
    root.replaceChildren(...head, await rulesView());
    return;
  }
  await suggestionTable(root, head, { params, me, tab });
}
