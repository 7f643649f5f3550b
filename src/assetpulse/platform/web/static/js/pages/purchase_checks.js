// 调剂优先核查 (条例 第十一条): before buying, building or renting, the operator records what
// the unit plans to acquire; the platform shows the listed and idle assets in the unit's
// sight, the operator takes one or declines each with a reason, ties the record to the
// purchase request (采购申请) and exports it for audit (XLSX).
import { api, download } from "../api.js";
import { isOperator } from "../roles.js";
import { badge, field, fmtTime, h, kv, pageHead, table, toast } from "../ui.js";

const OUTCOME_KIND = { open: "warn", reused: "ok", purchase: "info" };

export async function render(root, { args, me }) {
  document.title = "调剂优先核查 - 资产调剂共享平台";
  if (args[0]) return renderCheck(root, Number(args[0]), me);
  const rows = await api("/purchase-checks");
  const list = table([
    { label: "核查编号", value: (c) => h("a", { href: `#/purchase-checks/${c.id}` }, c.check_no) },
    { label: "单位", value: (c) => c.unit_name },
    { label: "拟配置方式", value: (c) => c.acquisition_text },
    { label: "资产名称", value: (c) => c.asset_name },
    { label: "资产分类", value: (c) => c.category_name || c.category_code },
    { label: "数量/面积", value: (c) => (c.area ? `${c.area} 平方米` : `${c.quantity ?? ""} ${c.measure_unit || ""}`) },
    { label: "需用日期", value: (c) => c.needed_on },
    { label: "核查时间", value: (c) => fmtTime(c.checked_at) },
    { label: "结论", value: (c) => badge(c.outcome_text, OUTCOME_KIND[c.outcome]) },
    { label: "采购申请", value: (c) => c.purchase_ref },
  ], rows, { empty: "暂无核查记录" });
  root.replaceChildren(
    pageHead("调剂优先核查"),
    h("p", { class: "evidence" }, "依据《行政事业性国有资产管理条例》第十一条：购置、建设、租用资产前，先核查调剂共享广场和闲置资产，能调剂的优先调剂。"),
    isOperator(me) ? needForm() : null,
    h("h3", {}, "核查记录"), list);
}

function needForm() {
  const acquisition = h("select", { name: "acquisition" },
    [["buy", "购置"], ["build", "建设"], ["rent", "租用"]].map(([v, t]) => h("option", { value: v }, t)));
  const name = h("input", { name: "asset_name", maxlength: "100", placeholder: "如 台式计算机" });
  const category = h("input", { name: "category_code", placeholder: "如 A02010105" });
  const quantity = h("input", { name: "quantity", type: "number", min: "0", step: "0.01" });
  const area = h("input", { name: "area", type: "number", min: "0", step: "0.01" });
  const unit = h("input", { name: "measure_unit", placeholder: "台、套" });
  const needed = h("input", { name: "needed_on", type: "date", required: true });
  const desc = h("textarea", { name: "description", maxlength: "500", rows: "2" });
  const submit = async (e) => {
    e.preventDefault();
    const body = {
      acquisition: acquisition.value, asset_name: name.value.trim() || null, category_code: category.value.trim() || null,
      quantity: quantity.value ? Number(quantity.value) : null, area: area.value ? Number(area.value) : null,
      measure_unit: unit.value.trim() || null, needed_on: needed.value, description: desc.value.trim() || null,
    };
    const check = await api("/purchase-checks", { method: "POST", json: body });
    toast(`已完成核查，找到 ${check.offers.length} 项可用资产`, "ok");
    location.hash = `#/purchase-checks/${check.id}`;
  };
  return h("form", { class: "card", onsubmit: (e) => submit(e).catch(() => {}) },
    h("h3", {}, "新建核查"),
    h("div", { class: "form-grid" },
      field("拟配置方式", acquisition), field("资产名称", name), field("资产分类代码", category), field("数量", quantity),
      field("面积（平方米）", area), field("计量单位", unit), field("需用日期", needed),
      field("用途说明", desc, "wide")),
    h("div", { class: "toolbar" }, h("button", { class: "primary", type: "submit" }, "核查可调剂资产")));
}

async function renderCheck(root, id, me) {
  const c = await api(`/purchase-checks/${id}`);
  const editable = isOperator(me) && me.unit_id === c.unit_id && !c.attached_at;
  const reload = () => renderCheck(root, id, me);
  const decide = async (o, outcome) => {
    let reason = null;
    if (outcome === "declined") {
      const box = root.querySelector(`[data-reason="${o.position}"]`);
      reason = box ? box.value.trim() : "";
    }
    await api(`/purchase-checks/${id}/decisions`, { method: "POST", json: { decisions: [{ position: o.position, outcome, reason }] } });
    await reload();
  };
  const offers = table([
    { label: "序号", value: (o) => String(o.position) },
    { label: "来源", value: (o) => `${o.source_text}（${o.kind_text}）` },
    { label: "资产名称", value: (o) => o.name },
    { label: "所属单位", value: (o) => o.unit_name },
    { label: "匹配度", value: (o) => `${Math.round(o.score * 100)}%` },
    { label: "匹配说明", value: (o) => (o.reasons || []).join("；") },
    { label: "处理结果", value: (o) => (o.outcome === "declined" ? `不采用：${o.decline_reason}` : o.outcome_text) },
    { label: "操作", value: (o) => (editable ? h("div", { class: "toolbar" },
      h("button", { type: "button", onclick: () => decide(o, "taken").catch(() => {}) }, "采用"),
      h("input", { "data-reason": String(o.position), "aria-label": `不采用原因${o.position}`, placeholder: "不采用原因", maxlength: "300" }),
      h("button", { type: "button", onclick: () => decide(o, "declined").catch(() => {}) }, "不采用")) : "") },
  ], c.offers, { rowKey: (o) => o.position, empty: "核查范围内没有可调剂或共享的资产" });
  const ref = h("input", { name: "purchase_ref", maxlength: "60", "aria-label": "采购申请编号" });
  const title = h("input", { name: "purchase_title", maxlength: "200", "aria-label": "采购申请名称" });
  const attach = async () => {
    await api(`/purchase-checks/${id}/attach`, { method: "POST", json: { purchase_ref: ref.value, purchase_title: title.value || null } });
    toast("已关联采购申请", "ok");
    await reload();
  };
  const exportXlsx = async () => download(await api(`/purchase-checks/${id}/export`, { raw: true }), `${c.check_no}.xlsx`);
  root.replaceChildren(
    pageHead(`调剂优先核查 ${c.check_no}`,
      h("button", { type: "button", onclick: () => exportXlsx().catch(() => {}) }, "导出核查记录"),
      h("a", { href: "#/purchase-checks" }, "返回列表")),
    kv([
      ["核查单位", c.unit_name], ["核查人", c.checked_by_name], ["核查时间", fmtTime(c.checked_at)],
      ["拟配置方式", c.acquisition_text], ["拟配置资产名称", c.asset_name], ["资产分类", c.category_name ? `${c.category_name}（${c.category_code}）` : c.category_code],
      ["数量/面积", c.area ? `${c.area} 平方米` : `${c.quantity ?? ""} ${c.measure_unit || ""}`],
      ["需用日期", c.needed_on], ["用途说明", c.description],
      ["核查结论", badge(c.outcome_text, OUTCOME_KIND[c.outcome])],
      ["关联采购申请", c.purchase_ref ? `${c.purchase_ref} ${c.purchase_title || ""}（${c.attached_by_name}，${fmtTime(c.attached_at)}）` : "尚未关联"],
    ]),
    h("h3", {}, "核查到的资产"), offers,
    editable && c.outcome !== "open" ? h("div", { class: "card" }, h("h3", {}, "关联采购申请"),
      h("div", { class: "form-grid" }, field("采购申请编号", ref), field("采购申请名称", title)),
      h("div", { class: "toolbar" }, h("button", { class: "primary", type: "button", onclick: () => attach().catch(() => {}) }, "关联"))) : null);
}
