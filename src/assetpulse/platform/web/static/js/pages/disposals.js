// 资产处置: disposals waiting for the 审核岗, all of the unit's, and those made to the unit
// (调入). 审核通过 needs the 批复文号 and ends the card (to the receiving unit's books when it
// is in this system); 退回 leaves the card as it is, with the reason the operator reads; the
// proposer may 撤回 before anyone decides. Nobody approves a disposal they proposed.
import { api } from "../api.js";
import { badge, dialog, field, fmtQty, fmtTime, h, pageHead, table, tabs, toast } from "../ui.js";

const STATE = { pending: ["待审核", "info"], approved: ["已通过", "ok"], rejected: ["已退回", "bad"], withdrawn: ["已撤回", ""] };

function approve(d, reload) {
  const doc = h("input", { name: "document_no", value: d.document_no || "", placeholder: "如：琼财资〔2026〕12号", required: true });
  const note = h("textarea", { name: "note", placeholder: "审核意见（可不填）" });
  dialog(`审核通过 — ${d.card_name}`, h("div", { class: "form-grid" },
    h("p", { class: "wide evidence" }, `${d.method_label}${d.receiver ? ` 给 ${d.receiver}` : ""}；资产数量/面积 ${fmtQty(d) || "—"}，原值 ${d.original_value ?? "—"} 元。审核通过后卡片状态变为“已处置”${d.receiving_unit_id ? "，并由接收单位调入" : ""}。`),
    field("批复文号", doc, "wide"), field("审核意见", note, "wide")), [{
    label: "审核通过", primary: true,
    action: async () => {
      if (!doc.value.trim()) { toast("请填写批复文号。", "error"); return true; }
      const out = await api(`/disposals/${d.id}/approve`, { method: "POST", json: { document_no: doc.value.trim(), note: note.value.trim() || null } });
      toast(out.receiver_asset_code ? `审核通过，资产已处置；接收单位已调入（卡片 ${out.receiver_asset_code}）。` : "审核通过，资产已处置。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

function reject(d, reload) {
  const note = h("textarea", { name: "note", placeholder: "退回原因" });
  dialog(`退回 — ${d.card_name}`, h("div", {}, d.conflict ? h("p", { class: "conflict" }, d.conflict) : null, field("退回原因", note)), [{
    label: "退回", primary: true,
    action: async () => {
      await api(`/disposals/${d.id}/reject`, { method: "POST", json: { note: note.value.trim() || null } });
      toast("已退回，卡片保持不变。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

async function withdraw(d, reload) {
  await api(`/disposals/${d.id}/withdraw`, { method: "POST" });
  toast("处置申请已撤回。", "ok");
  await reload();
}

export async function render(root, { params, me }) {
  const tab = ["all", "incoming"].includes(params.tab) ? params.tab : "pending";
  const reload = () => render(root, { params: { tab }, me });
  const rows = await api("/disposals", { query: { state: tab === "pending" ? "pending" : undefined, incoming: tab === "incoming" ? "true" : undefined } });
  const shown = tab === "incoming" ? rows : rows.filter((d) => !d.incoming);
  const reviewer = (me.roles || []).includes("reviewer");
  root.replaceChildren(
    pageHead("资产处置"),
    tabs([["pending", "待审核"], ["all", "全部"], ["incoming", "调入本单位"]], tab, (t) => { location.hash = `#/disposals?tab=${t}`; }),
    table([
      { label: "编号", value: (d) => d.id },
      ...(tab === "incoming" ? [{ label: "划出单位", value: (d) => d.unit_name }] : []),
      { label: "资产编号", value: (d) => d.asset_code },
      { label: "资产名称", value: (d) => d.card_name },
      { label: "处置方式", value: (d) => (d.conflict ? [d.method_label, h("p", { class: "conflict" }, badge("冲突", "bad"), " ", d.conflict)] : d.method_label) },
      { label: "接收方", value: (d) => d.receiving_unit_name || d.receiver || "" },
      { label: "批复文号", value: (d) => d.document_no || "" },
      { label: "状态", value: (d) => badge(...(STATE[d.state] || [d.state, ""])) },
      { label: "提出时间", value: (d) => fmtTime(d.proposed_at) },
      { label: "审核意见", value: (d) => d.decision_note || "" },
      { label: "调入卡片", value: (d) => d.receiver_asset_code || "" },
      { label: "操作", class: "actions", value: (d) => (d.state !== "pending" || d.incoming ? "" : [
        reviewer && d.proposed_by !== me.user_id && !d.conflict ? h("button", { class: "link", onclick: () => approve(d, reload) }, "审核通过") : null,
        reviewer && d.proposed_by !== me.user_id ? h("button", { class: "link", onclick: () => reject(d, reload) }, "退回") : null,
        d.proposed_by === me.user_id ? h("button", { class: "link", onclick: () => withdraw(d, reload) }, "撤回") : null,
      ]) },
    ], shown, { empty: tab === "pending" ? "没有待审核的资产处置" : tab === "incoming" ? "暂无调入本单位的资产" : "暂无资产处置" }));
}
