// 不漏: cards that qualify for a plaza (调剂: 闲置 / 待处置; 共享: 是否共享共用 = 是) but are on
// no open bill or live listing, oldest first with their age, per unit the viewer may chase
// (own unit; a competent department its units; finance the province).
import { api, itemsOf } from "../api.js";
import { badge, fmtTime, h, pageHead, pageOf, pager, table, tabs } from "../ui.js";

const KIND = { adjust: "可调剂", share: "可共享" };

export async function render(root, { params }) {
  document.title = "未发布资产（不漏） - 资产调剂共享平台";
  const kind = ["adjust", "share"].includes(params.kind) ? params.kind : "";
  const unit = params.unit_id || "";
  const page = pageOf(params);
  const go = (patch) => {
    const q = new URLSearchParams({ kind, unit_id: unit, page: "1", ...patch });
    for (const [k, v] of [...q]) if (!v) q.delete(k);
    location.hash = `#/omissions?${q}`;
  };
  const data = await api("/omissions", { query: { kind: kind || undefined, unit_id: unit || undefined, page, page_size: 20 } });
  const summary = table([
    { label: "单位", value: (u) => h("button", { class: "link", onclick: () => go({ unit_id: String(u.unit_id) }) }, u.unit_name) },
    { label: "可调剂未发布", value: (u) => String(u.adjust) },
    { label: "可共享未发布", value: (u) => String(u.share) },
  ], data.units, { rowKey: (u) => u.unit_id, empty: "没有符合发布条件而未发布的资产" });
  const list = table([
    { label: "单位", value: (c) => c.unit_name },
    { label: "资产编号", value: (c) => c.asset_code },
    { label: "资产名称", value: (c) => c.name },
    { label: "资产状态", value: (c) => c.status_label },
    { label: "类别", value: (c) => badge(KIND[c.kind], "info") },
    { label: "照片", value: (c) => (c.has_photo ? "" : badge("无照片", "warn")) },
    { label: "符合条件起", value: (c) => fmtTime(c.qualifying_since) },
    { label: "未发布天数", value: (c) => `${c.age_days} 天` },
  ], itemsOf(data), { rowKey: (c) => c.card_id, empty: "没有符合发布条件而未发布的资产" });
  root.replaceChildren(
    pageHead("未发布资产（不漏）", unit ? h("button", { onclick: () => go({ unit_id: "" }) }, "全部单位") : ""),
    h("p", { class: "evidence" }, "符合发布条件（闲置、待处置，或是否共享共用为“是”）但不在任何未完成发布单或上架资产中的卡片，按未发布时间从长到短排列。"),
    summary,
    tabs([["", "全部"], ["adjust", "可调剂"], ["share", "可共享"]], kind, (k) => go({ kind: k })),
    list, pager(data, (n) => go({ page: String(n) })));
}
