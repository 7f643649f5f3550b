// 审核: 待审核 and 已审核 tabs of the current user's queue; 审核 (approve, with an optional
// opinion), 退回 (send back, a reason is required) and 取消审核 (while the next node has not
// acted; the bill returns to 待审核 with "<node>审核取消审核").
import { api, itemsOf } from "../api.js";
import { dialog, field, fmtTime, h, pageHead, pageOf, pager, table, tabs, toast } from "../ui.js";
import { linesText, NAME, PAGE_SIZE, showBill, showProgress, stageBadge } from "./bills.js";
import { linesEvidence } from "./change_evidence.js";

// the reviewer sees the lines' photos and, for a bill from an idle suggestion, the usage
// evidence behind it before deciding (change_evidence.js)
async function decide(bill, action, title, needReason, reload) {
  const reason = h("textarea", { name: "reason", placeholder: needReason ? "请填写退回原因" : "审核意见（可不填）" });
  const evidence = action === "approve" ? await linesEvidence(bill).catch(() => null) : null;
  dialog(`${title} — ${bill.bill_no}`, h("div", {}, h("p", {}, linesText(bill)), evidence, field(needReason ? "退回原因" : "审核意见", reason)), [{
    label: title, primary: true,
    action: async () => {
      await api(`/bills/${bill.id}/${action}`, { method: "POST", json: { version: bill.version, reason: reason.value.trim() || null } });
      toast(`${title}成功。`, "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

export async function render(root, kind, { params }) {
  const tab = params.tab === "reviewed" ? "reviewed" : "pending";
  const page = pageOf(params);
  const reload = () => render(root, kind, { params: { tab, page } });
  const data = await api("/reviews", { query: { tab, kind, page, page_size: PAGE_SIZE } });
  const rows = itemsOf(data);
  const cols = [
    { label: "发布单号", value: (b) => b.bill_no },
    { label: "发布方单位", value: (b) => b.unit_name },
    { label: kind === "demand" ? "需求标题" : "资产明细", value: linesText },
    { label: "调剂共享范围", value: (b) => b.scope_text },
    { label: "状态", value: stageBadge },
    { label: "调剂共享审核状态", value: (b) => b.review_code_text },
    { label: "送审时间", value: (b) => fmtTime(b.submitted_at) },
    { label: "操作", class: "actions", value: (b) => [
      tab === "pending" ? h("button", { class: "link", onclick: () => decide(b, "approve", "审核", false, reload) }, "审核") : null,
      tab === "pending" ? h("button", { class: "link", onclick: () => decide(b, "reject", "退回", true, reload) }, "退回") : null,
      tab === "reviewed" ? h("button", { class: "link", onclick: () => decide(b, "cancel-approval", "取消审核", false, reload) }, "取消审核") : null,
      h("button", { class: "link", onclick: () => showBill(b.id) }, "查看详情"),
      h("button", { class: "link", onclick: () => showProgress(b.id) }, "审核情况"),
    ] },
  ];
  root.replaceChildren(
    pageHead(`${NAME[kind]}审核`),
    tabs([["pending", "待审核"], ["reviewed", "已审核"]], tab, (t) => { location.hash = `#/bills/${kind}/review?tab=${t}`; }),
    table(cols, rows, { empty: tab === "pending" ? "没有待审核的单据" : "没有已审核的单据" }),
    pager(data, (n) => { location.hash = `#/bills/${kind}/review?tab=${tab}&page=${n}`; }));
}
