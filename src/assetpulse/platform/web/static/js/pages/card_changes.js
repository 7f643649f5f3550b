// 卡片变动: proposals waiting for the reviewer (审核岗) and their history. 审核通过 applies
// the change to the card; 退回 leaves the card as it was. Proposals come from people, from
// accepted idle suggestions (资产动态监管) and from stocktaking results.
import { api, itemsOf } from "../api.js";
import { badge, CARD_STATUS, dialog, field, fmtTime, h, pageHead, table, tabs, toast } from "../ui.js";
import { changeEvidence } from "./change_evidence.js";

const ORIGIN = { manual: "手工", suggestion: "闲置资产建议", stocktake: "资产盘点", import: "导入" };
const STATE = { pending: ["待审核", "info"], approved: ["已通过", "ok"], rejected: ["已退回", "bad"], withdrawn: ["已撤回", ""] };
const FIELD = { status: "资产状态", shareable: "是否共享共用", location: "存放地点", department_id: "使用部门", photo_id: "照片" };

export function describe(changes) {
  return Object.entries(changes || {}).map(([k, v]) => {
    if (k === "status") return `资产状态 → ${CARD_STATUS[v] || v}`;
    if (k === "shareable") return `是否共享共用 → ${v ? "是" : "否"}`;
    if (k === "photo_id") return "上传照片";
    return `${FIELD[k] || k} → ${v}`;
  }).join("；");
}

// the reviewer sees what they decide on (old value → new value, the photo, the usage
// evidence of a suggestion: change_evidence.js); approving a suggestion's change opens a
// draft bill, and the reviewer is told where it waits
async function decide(ch, action, title, reload) {
  const note = h("textarea", { name: "note", placeholder: "审核意见（可不填）" });
  const evidence = await changeEvidence(ch).catch(() => h("p", {}, describe(ch.changes)));
  dialog(`${title} — ${ch.card_name}`, h("div", {}, evidence, field("审核意见", note)), [{
    label: title, primary: true,
    action: async () => {
      await api(`/card-changes/${ch.id}/${action}`, { method: "POST", json: { note: note.value.trim() || null } });
      const bill = action === "approve" && ch.origin === "suggestion" ? await draftBillOf(ch) : null;
      if (bill) {
        toast(`${title}成功。已生成草稿发布单 ${bill.bill_no}，由经办岗在【${bill.kind === "adjust" ? "调剂" : "共享"}资产发布】送审。`, "ok");
      } else {
        toast(`${title}成功。`, "ok");
      }
      await reload();
    },
  }], { closeLabel: "取消" });
}

async function draftBillOf(ch) {
  const data = await api("/bills", { quiet: true, query: { card_id: ch.card_id, origin: "suggestion", stage: "draft", page_size: 1 } }).catch(() => null);
  return (data && itemsOf(data)[0]) || null;
}

export async function render(root, { params, me }) {
  const tab = params.tab === "all" ? "all" : "pending";
  const reload = () => render(root, { params: { tab }, me });
  const rows = await api("/card-changes", { query: { state: tab === "pending" ? "pending" : undefined } });
  const reviewer = (me.roles || []).includes("reviewer");
  root.replaceChildren(
    pageHead("卡片变动"),
    tabs([["pending", "待审核"], ["all", "全部"]], tab, (t) => { location.hash = `#/card-changes?tab=${t}`; }),
    table([
      { label: "编号", value: (c) => c.id },
      { label: "资产编号", value: (c) => c.asset_code },
      { label: "资产名称", value: (c) => c.card_name },
      // conflict: another change moved this one's field since it was proposed; it can only be 退回
      { label: "变动内容", value: (c) => (c.conflict ? [describe(c.changes), h("p", { class: "conflict" }, badge("冲突", "bad"), " ", c.conflict.message)] : describe(c.changes)) },
      { label: "来源", value: (c) => ORIGIN[c.origin] || c.origin },
      { label: "原因", value: (c) => c.reason },
      { label: "状态", value: (c) => badge(...(STATE[c.state] || [c.state, ""])) },
      { label: "提出时间", value: (c) => fmtTime(c.proposed_at) },
      { label: "审核意见", value: (c) => c.decision_note || "" },
      { label: "操作", class: "actions", value: (c) => (c.state === "pending" && reviewer ? [
        c.conflict ? null : h("button", { class: "link", onclick: () => decide(c, "approve", "审核通过", reload) }, "审核通过"),
        h("button", { class: "link", onclick: () => decide(c, "reject", "退回", reload) }, "退回"),
      ] : "") },
    ], rows.slice().reverse(), { empty: tab === "pending" ? "没有待审核的卡片变动" : "暂无卡片变动" }));
}
