// 管理: the unit's finally-approved items (上架, the same the plaza shows): 下架, and
// 登记结果 — adjust: 调剂方式 and 接收方单位名称, then disposal (无偿划转 / 对外捐赠);
// share: 接收方单位名称; demand: 资产提供方单位名称 — picked from the units (those that
// preselected the asset first), and 更正接收方 afterwards.
// The list is /my-listings: the unit's own items, paged on the server with their total (it
// used to be the plaza's newest 100 filtered in the browser, which lost the older ones).
// A listed item's 匹配资产 / 匹配需求 opens the matching (pages/matches.js).
import { api, itemsOf } from "../api.js";
import { badge, dialog, field, fmtQty, fmtTime, h, pageHead, pageOf, pager, table, toast } from "../ui.js";
import { NAME, PAGE_SIZE } from "./bills.js";
import { matchesLabel, showMatches } from "./matches.js";

const RESULT_LABEL = { adjust: "登记调剂结果", share: "登记共享结果", demand: "登记需求结果" };

function delist(row, reload) {
  const reason = h("textarea", { name: "reason", placeholder: "下架原因（可不填）" });
  dialog(`下架 — ${row.name}`, h("div", {}, h("p", {}, "下架后该资产不再在广场展示。"), field("下架原因", reason)), [{
    label: "下架", primary: true,
    action: async () => {
      await api(`/listings/${row.id}/delist`, { method: "POST", json: { reason: reason.value.trim() || null } });
      toast("已下架。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

// 接收方 / 提供方 is picked from the system's units: the units that preselected the asset
// first (most likely the receiver), then the others; a unit outside the system is typed in.
async function counterpartPicker(kind, row, me) {
  const pre = kind === "adjust" ? await api(`/listings/${row.id}/preselectors`, { quiet: true }).catch(() => []) : [];
  const preIds = new Set(pre.map((u) => u.unit_id));
  const others = (me.units || []).filter((u) => u.kind === "unit" && u.id !== me.unit_id && !preIds.has(u.id));
  const select = h("select", { name: "counterpart_unit_id" },
    h("option", { value: "" }, "请选择单位"),
    pre.length ? h("optgroup", { label: "预选该资产的单位" }, pre.map((u) => h("option", { value: u.unit_id }, `${u.unit_name}（已预选）`))) : null,
    h("optgroup", { label: "本系统内其他单位" }, others.map((u) => h("option", { value: u.id }, u.name))),
    h("option", { value: "outside" }, "本系统外单位（填写名称）"));
  const outside = h("input", { name: "counterpart_unit_name", placeholder: "本系统外单位的名称", hidden: true });
  select.addEventListener("change", () => { outside.hidden = select.value !== "outside"; if (!outside.hidden) outside.focus(); });
  if (pre.length) select.value = String(pre[0].unit_id);
  const names = Object.fromEntries([...pre.map((u) => [u.unit_id, u.unit_name]), ...(me.units || []).map((u) => [u.id, u.name])]);
  const value = () => {
    if (select.value === "outside") return outside.value.trim() ? { counterpart_unit_name: outside.value.trim() } : null;
    if (!select.value) return null;
    return { counterpart_unit_name: names[select.value], counterpart_unit_id: Number(select.value) };
  };
  return { el: h("div", { class: "counterpart" }, select, outside), value };
}

// 共享补偿 (条例第十八条): the receiver pays the provider a reasonable compensation, an amount
// for the period or a rate per day / month / year; the server checks and totals it.
function compensationFields() {
  const on = h("input", { type: "checkbox", name: "compensation_on" });
  const mode = h("select", { name: "compensation_mode" }, h("option", { value: "amount" }, "按金额"), h("option", { value: "rate" }, "按费率"));
  const amount = h("input", { name: "amount_yuan", type: "number", min: "0", step: "0.01", placeholder: "补偿金额（元）" });
  const rate = h("input", { name: "rate_yuan", type: "number", min: "0.01", step: "0.01", placeholder: "费率（元）", hidden: true });
  const per = h("select", { name: "rate_per", hidden: true }, h("option", { value: "day" }, "元/天"), h("option", { value: "month" }, "元/月"), h("option", { value: "year" }, "元/年"));
  const basis = h("input", { name: "basis", placeholder: "如：按折旧及维护成本分摊" });
  const start = h("input", { name: "period_start", type: "date" });
  const end = h("input", { name: "period_end", type: "date" });
  const parts = h("div", { class: "form-grid wide", hidden: true },
    field("补偿方式", mode), field("补偿金额 / 费率", h("span", {}, amount, rate, per)),
    field("补偿依据", basis, "wide"), field("补偿期间开始", start), field("补偿期间结束", end));
  on.addEventListener("change", () => { parts.hidden = !on.checked; });
  mode.addEventListener("change", () => { const r = mode.value === "rate"; amount.hidden = r; rate.hidden = !r; per.hidden = !r; });
  const value = () => (!on.checked ? null : {
    mode: mode.value, basis: basis.value, period_start: start.value || null, period_end: end.value || null,
    ...(mode.value === "amount" ? { amount_yuan: amount.value || null } : { rate_yuan: rate.value || null, rate_per: per.value }),
  });
  const el = h("div", { class: "wide" },
    h("label", { class: "field" }, h("span", {}, "共享补偿"), h("span", {}, on, " 向提供方支付合理补偿（条例第十八条）")), parts);
  return { el, value };
}

async function registerResult(kind, row, me, reload) {
  const picker = await counterpartPicker(kind, row, me);
  const method = h("select", { name: "method" }, h("option", { value: "free_transfer" }, "无偿划转"), h("option", { value: "donation" }, "对外捐赠"));
  const dispose = h("input", { type: "checkbox", name: "dispose", checked: true });
  const body = h("div", { class: "form-grid" },
    field(kind === "demand" ? "资产提供方单位名称" : "接收方单位名称", picker.el, "wide"));
  if (kind === "adjust") {
    body.append(field("调剂方式（资产处置形式）", method),
      h("label", { class: "field" }, h("span", {}, "资产处置"), h("span", {}, dispose, " 同时申请资产处置（审核岗填写批复文号审核通过后，卡片状态变为已处置，接收单位调入）")));
  }
  const comp = kind === "share" ? compensationFields() : null;
  if (comp) body.append(comp.el);
  dialog(`${RESULT_LABEL[kind]} — ${row.name}`, body, [{
    label: "保存", primary: true,
    action: async () => {
      const json = picker.value();
      if (!json) { toast("请选择或填写单位。", "error"); return true; }
      if (kind === "adjust") Object.assign(json, { method: method.value, dispose: dispose.checked });
      if (comp && comp.value()) json.compensation = comp.value();
      await api(`/listings/${row.id}/result`, { method: "POST", json });
      toast(kind === "adjust" && json.dispose ? "结果已登记，资产处置已提交审核岗审核。" : "结果已登记。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

/** 更正接收方: a receiver chosen wrongly is put right (refused once the card was handed over). */
async function correctResult(kind, row, me, reload) {
  const picker = await counterpartPicker(kind, row, me);
  const before = row.result && (row.result.receiving_unit_name || row.result.providing_unit_name);
  dialog(`更正${kind === "demand" ? "资产提供方" : "接收方"} — ${row.name}`, h("div", { class: "form-grid" },
    h("p", { class: "wide evidence" }, `当前登记：${before || "—"}`),
    field(kind === "demand" ? "资产提供方单位名称" : "接收方单位名称", picker.el, "wide")), [{
    label: "保存更正", primary: true,
    action: async () => {
      const json = picker.value();
      if (!json) { toast("请选择或填写单位。", "error"); return true; }
      await api(`/listings/${row.id}/result/correct`, { method: "POST", json });
      toast(`已更正为 ${json.counterpart_unit_name}。`, "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

export async function render(root, kind, { me, params }) {
  const page = pageOf(params);
  const reload = () => render(root, kind, { me, params: { page } });
  const data = await api("/my-listings", { query: { plaza: kind, page, page_size: PAGE_SIZE } });
  const rows = itemsOf(data);
  root.replaceChildren(pageHead(`${NAME[kind]}管理`), table([
    { label: kind === "demand" ? "需求标题" : "资产名称", value: (r) => r.name },
    { label: "发布单号", value: (r) => r.bill_no },
    { label: "资产编号", value: (r) => r.asset_code },
    { label: "资产数量/面积", value: (r) => fmtQty(r) },
    { label: "调剂共享范围", value: (r) => ({ national: "全国", province: "本省", city: "本市（县）", department: "本部门", unit: "本单位" })[r.scope] || r.scope },
    { label: "状态", value: (r) => badge(r.state_text, r.state === "listed" ? "ok" : "info") },
    { label: "调剂共享审核状态", value: (r) => r.review_code_text },
    { label: kind === "demand" ? "资产提供方" : "接收方", value: (r) => (r.result && (r.result.receiving_unit_name || r.result.providing_unit_name)) || "" },
    { label: "发布时间", value: (r) => fmtTime(r.listed_at) },
    { label: "操作", class: "actions", value: (r) => (r.state === "listed" ? [
      h("button", { class: "link", onclick: () => delist(r, reload) }, "下架"),
      h("button", { class: "link", onclick: () => registerResult(kind, r, me, reload) }, RESULT_LABEL[kind]),
      // 撮合匹配: the demand's best assets, or the demands this asset could serve
      h("button", { class: "link", onclick: () => showMatches({ ...r, kind }) }, matchesLabel({ kind })),
    ] : r.state === "done" && r.result && !r.result.receiver_card_id ? [
      h("button", { class: "link", onclick: () => correctResult(kind, r, me, reload) }, kind === "demand" ? "更正提供方" : "更正接收方"),
    ] : "") },
  ], rows, { empty: "暂无已上架的数据" }), pager(data, (n) => { location.hash = `#/bills/${kind}/manage?page=${n}`; }));
}
