// 调剂资产 / 共享资产 / 我的需求: the four pages 发布, 审核, 管理, 查询. This module holds the
// publish page and the shared 查看详情 / 审核情况 dialogs; the others live next to it.
import { api, download, itemsOf } from "../api.js";
import { references } from "../fields.js";
import { badge, confirmDialog, dialog, fmtQty, fmtTime, h, kv, pageHead, pageOf, pager, table, tabs, toast } from "../ui.js";
import { billForm } from "./bill_form.js";
import { linesEvidence } from "./change_evidence.js";

export const NAME = { adjust: "调剂资产", share: "共享资产", demand: "我的需求" };
// rows per page of the module lists; every list pages on the server, with its total
export const PAGE_SIZE = 20;
const PAGE = { publish: "发布", review: "审核", manage: "管理", query: "查询" };
const STAGE_KIND = { draft: "", returned: "bad", in_review: "info", final: "ok", reported: "ok", mof_approved: "ok" };

export function stageBadge(b) {
  return badge(b.status_text || b.stage_text, STAGE_KIND[b.stage] || "");
}

export function linesText(b) {
  if (b.kind === "demand") return b.title;
  if (!b.lines.length) return "（无资产明细）";
  const first = b.lines.slice(0, 2).map((l) => l.name).join("、");
  return b.lines.length > 2 ? `${first} 等 ${b.lines.length} 项` : first;
}

export async function showBill(id) {
  const [b, refs] = await Promise.all([api(`/bills/${id}`), references()]);
  const cat = (code) => (code ? `${code} ${refs.category[code] || ""}`.trim() : "");
  const parts = [kv([
    ["发布单号", b.bill_no],
    ["单据类型", b.kind_text],
    ["发布方单位", b.unit_name],
    [b.kind === "demand" ? "需求范围" : "调剂共享范围", b.scope_text],
    ["状态", b.status_text],
    ["调剂共享审核状态", b.review_code_text],
    ["当前节点", b.current_node_text],
    ["退回原因", b.return_reason],
    ["联系人", b.contact_name],
    ["联系电话", b.contact_phone],
    ["单位地址", b.address],
    ...(b.kind === "demand" ? [
      ["需求标题", b.title], ["需求类型", { adjust: "调剂", share: "共享" }[b.demand_type]], ["需求描述", b.description],
      ["资产分类", cat(b.category_code)], ["期望到货日期", b.expected_arrival], ["单位会计科目", b.accounting_subject],
      ["财政区划", b.region_code], ["资产数量/面积", fmtQty(b)], ["紧急程度", b.urgency_text], ["需求创建人", b.creator_name],
      ["需求结束日期", b.end_date], ["需求经办人", b.handler_name],
      ["附件列表", attachmentList(b.attachments)],
    ] : [["说明", b.description]]),
    ["创建时间", fmtTime(b.created_at)],
  ])];
  if (b.kind !== "demand") {
    parts.push(h("h3", {}, "资产明细"), table([
      { label: "资产编号", value: (l) => l.asset_code },
      { label: "资产名称", value: (l) => l.name },
      { label: "资产分类", value: (l) => cat(l.category_code) },
      { label: "资产状态", value: (l) => l.card_status_text },
      { label: "是否共享共用", value: (l) => (l.shareable ? "是" : "否") },
      { label: "资产数量/面积", value: (l) => fmtQty(l) },
    ], b.lines, { rowKey: (l) => l.card_id }));
    parts.push(await linesEvidence(b));
  }
  dialog(`查看详情 — ${b.bill_no}`, h("div", {}, parts));
}

/** 附件: a stored upload downloads through the API (it needs the token); a plain name is text. */
export function attachmentList(items) {
  if (!items || !items.length) return "";
  return h("span", {}, items.map((a, i) => [i ? "、" : "", a.url && a.url.startsWith("/api/v1/attachments/")
    ? h("a", { href: "#", class: "attachment", onclick: async (e) => { e.preventDefault(); await download(await api(a.url, { raw: true }), a.name); } }, a.name)
    : a.url && /^https?:\/\//.test(a.url) ? h("a", { href: a.url, target: "_blank", rel: "noopener" }, a.name) : a.name]));
}

/** 审核情况: every node of the chain, then every action, as a timeline. */
export async function showProgress(id) {
  const p = await api(`/bills/${id}/progress`);
  const cls = { approved: "done", current: "current", waiting: "" };
  const body = h("div", {},
    kv([["状态", p.status_text], ["调剂共享审核状态", p.review_code_text]]),
    h("h3", {}, "审核节点"),
    h("ol", { class: "timeline nodes" }, p.nodes.map((n) => h("li", { class: cls[n.state] },
      h("div", {}, h("strong", {}, n.node_text), `（${n.unit_name}）`, " ", badge(n.state_text, n.state === "approved" ? "ok" : n.state === "current" ? "info" : "")),
      n.actor ? h("div", { class: "when" }, `${n.actor} · ${fmtTime(n.acted_at)}`) : null))),
    h("h3", {}, "处理记录"),
    p.history.length ? h("ol", { class: "timeline history" }, p.history.map((a) => h("li", { class: /reject|cancel/.test(a.action) ? "back" : "done" },
      h("div", {}, h("strong", {}, a.action_text), a.unit_name ? `（${a.unit_name}）` : "", " → ", a.status_text),
      h("div", { class: "when" }, `${a.actor || ""} · ${fmtTime(a.at)}`),
      a.note ? h("div", { class: "evidence" }, `意见：${a.note}`) : null))) : h("p", { class: "evidence" }, "尚未送审"));
  dialog("审核情况", body);
}

async function act(bill, action, label, reload) {
  if (action === "delete") {
    if (!(await confirmDialog("删除", `确定删除发布单 ${bill.bill_no}？`, "删除"))) return;
    await api(`/bills/${bill.id}`, { method: "DELETE", query: { version: bill.version } });
  } else if (action === "submit") {
    if (!(await confirmDialog("送审", `确定将发布单 ${bill.bill_no}（${linesText(bill)}）送审？送审后不能修改，须取消送审后才能修改。`, "送审"))) return;
    await api(`/bills/${bill.id}/${action}`, { method: "POST", json: { version: bill.version } });
  } else {
    await api(`/bills/${bill.id}/${action}`, { method: "POST", json: { version: bill.version } });
  }
  toast(`${label}成功。`, "ok");
  await reload();
}

// 待送审 (草稿, 已退回) and 已送审 (审核中 and on) as the manual's publish page shows them,
// after 全部, so that a bill just sent stays in sight with its 取消送审
const PUBLISH_TABS = [["all", "全部"], ["pending", "待送审"], ["submitted", "已送审"]];
const SUBMITTED = { all: undefined, pending: false, submitted: true };

async function renderPublish(root, kind, params, me) {
  const page = pageOf(params);
  const tab = SUBMITTED[params.tab] === undefined ? "all" : params.tab;
  const reload = () => renderPublish(root, kind, { page, tab }, me);
  const data = await api("/bills", { query: { kind, page, page_size: PAGE_SIZE, submitted: SUBMITTED[tab] } });
  const rows = itemsOf(data);
  const editable = (b) => ["draft", "returned"].includes(b.stage);
  const cols = [
    { label: "发布单号", value: (b) => b.bill_no },
    { label: kind === "demand" ? "需求标题" : "资产明细", value: linesText },
    { label: kind === "demand" ? "需求范围" : "调剂共享范围", value: (b) => b.scope_text },
    { label: "状态", value: stageBadge },
    { label: "调剂共享审核状态", value: (b) => b.review_code_text },
    { label: "来源", value: (b) => (b.origin === "suggestion" ? badge("闲置资产建议", "info") : "手工新增") },
    { label: "创建时间", value: (b) => fmtTime(b.created_at) },
    { label: "操作", class: "actions", value: (b) => [
      editable(b) ? h("button", { class: "link", onclick: () => billForm(kind, me, b, reload) }, "修改") : null,
      editable(b) ? h("button", { class: "link", onclick: () => act(b, "delete", "删除", reload) }, "删除") : null,
      editable(b) ? h("button", { class: "link", onclick: () => act(b, "submit", "送审", reload) }, "送审") : null,
      b.stage === "in_review" ? h("button", { class: "link", onclick: () => act(b, "cancel-submit", "取消送审", reload) }, "取消送审") : null,
      h("button", { class: "link", onclick: () => showBill(b.id) }, "查看详情"),
      h("button", { class: "link", onclick: () => showProgress(b.id) }, "审核情况"),
    ] },
  ];
  const tbl = table(cols, rows, { empty: { all: "暂无发布单，点击【新增】创建", pending: "暂无待送审的发布单，点击【新增】创建", submitted: "暂无已送审的发布单" }[tab] });
  root.replaceChildren(
    pageHead(`${NAME[kind]}发布`, h("button", { class: "primary", onclick: () => billForm(kind, me, null, reload) }, "新增")),
    tabs(PUBLISH_TABS, tab, (t) => { location.hash = `#/bills/${kind}/publish?tab=${t}`; }),
    tbl,
    pager(data, (n) => { location.hash = `#/bills/${kind}/publish?tab=${tab}&page=${n}`; }));
  // a link to one bill (from a suggestion, the card picker, a toast): mark its row
  if (params.bill) {
    const row = tbl.querySelector(`tbody tr[data-key="${CSS.escape(String(params.bill))}"]`);
    if (row) {
      row.classList.add("highlight");
      row.style.background = "#fff6d6";
      row.scrollIntoView({ block: "center" });
    }
  }
  if (params.new) billForm(kind, me, null, reload);
}

export async function render(root, ctx) {
  const [kind, page] = ctx.args;
  document.title = `${NAME[kind]}${PAGE[page]} - 资产调剂共享平台`;
  if (page === "publish") return renderPublish(root, kind, ctx.params, ctx.me);
  const mod = await import(`./bill_${page}.js`);
  return mod.render(root, kind, ctx);
}
