// 汇总系统上报 (finance reviewer): the batches this province sent to MOF's summary system with
// the state of their items, a batch's items (what was reported, where each bill stands now,
// MOF's decision and reason), the file to download, and loading MOF's feedback file — with
// what failed and why when the server refuses it (the whole file then changes nothing).
import { api, download } from "../api.js";
import { badge, fmtTime, h, pageHead, table, toast } from "../ui.js";

const KIND = { adjust: "调剂", share: "共享", demand: "需求" };
const ACTION = { publish: "首次上报", resubmit: "退回后重新上报", update: "变更同步" };

// the answer to a loaded file, kept across the reload that shows its effect
let lastResult = null;

function itemState(it) {
  if (it.action !== "update" && it.current_batch === false) return badge("已在之后的批次重新上报", "");
  if (it.stage === "reported") return badge("01-待财政部审核", "info");
  if (it.stage === "mof_approved") return badge("02-财政部已审核", "ok");
  if (it.stage === "returned") return badge("已退回单位", "bad");
  return badge(it.status_text || it.stage, "");
}

function decision(it) {
  if (!it.decision) return it.action === "update" ? "（变更无需审核）" : "尚未反馈";
  return it.decision === "approved" ? badge("通过", "ok") : h("span", {}, badge("退回", "bad"), ` ${it.decision_reason || ""}`);
}

async function loadFeedback(file, out, reload) {
  const bytes = await file.arrayBuffer();
  const type = /\.json$/i.test(file.name) ? "application/json" : "application/x-ndjson";
  try {
    const r = await api("/mof/feedback", { method: "POST", body: bytes, contentType: type, quiet: true });
    lastResult = h("div", { class: "card feedback-ok", role: "status" },
      h("strong", {}, `反馈文件 ${file.name} 已导入`),
      h("p", {}, `共 ${r.item_count} 条：生效 ${r.applied} 条，无变化 ${r.unchanged} 条（已导入过的决定不重复生效）。`));
    toast("反馈文件已导入。", "ok");
    await reload();
  } catch (err) {
    // MOF_FEEDBACK_REFUSED lists each bill with its reason after the colon, split by ；
    const [lead, rest] = String(err.message).split(/：(.+)/s);
    const reasons = rest ? rest.split("；").filter(Boolean) : [];
    out.replaceChildren(h("div", { class: "card feedback-refused", role: "alert" },
      h("strong", {}, `反馈文件 ${file.name} 未导入，未做任何修改`),
      h("p", {}, reasons.length ? `${lead}：` : err.message),
      reasons.length ? h("ul", {}, reasons.map((x) => h("li", {}, x))) : null,
      err.code ? h("small", { class: "code" }, `错误代码：${err.code}`) : null));
  }
}

async function batchDetail(id) {
  const b = await api(`/mof/batches/${id}`);
  return h("section", { class: "card batch-detail" },
    h("h3", {}, `批次 ${b.batch_no} 的条目`),
    table([
      { label: "单据号", value: (it) => it.bill_no },
      { label: "类型", value: (it) => KIND[it.kind] || it.kind },
      { label: "单位", value: (it) => it.unit_name },
      { label: "标题 / 资产", value: (it) => it.title || it.listing_names },
      { label: "上报方式", value: (it) => ACTION[it.action] || it.action },
      { label: "当前状态", value: itemState },
      { label: "财政部决定", value: decision },
      { label: "退回原因", value: (it) => (it.stage === "returned" ? it.return_reason : "") },
    ], b.items, { empty: "该批次没有条目" }),
    h("h4", {}, "已导入的反馈文件"),
    table([
      { label: "导入时间", value: (f) => fmtTime(f.imported_at) },
      { label: "导入人", value: (f) => f.imported_by_name },
      { label: "反馈文件号", value: (f) => f.feedback_no },
      { label: "条目", value: (f) => String(f.item_count) },
      { label: "生效", value: (f) => String(f.applied) },
    ], b.feedback, { empty: "尚未导入该批次的反馈" }));
}

export async function render(root, { params }) {
  document.title = "汇总系统上报 - 资产调剂共享平台";
  const reload = () => render(root, { params });
  const batches = await api("/mof/batches");
  const selected = Number(params.batch) || (batches[0] && batches[0].id);
  const out = h("div", { class: "feedback-result" }, lastResult);
  lastResult = null;
  const file = h("input", { type: "file", name: "feedback", accept: ".jsonl,.json,.ndjson", "aria-label": "反馈文件" });
  const build = async () => {
    const r = await api("/mof/reports", { method: "POST" });
    toast(`已生成上报批次 ${r.batch_no}（${r.item_count} 条）。`, "ok");
    location.hash = `#/mof?batch=${r.id}`;
  };
  const list = table([
    { label: "批次号", value: (b) => h("a", { href: `#/mof?batch=${b.id}`, "aria-current": b.id === selected ? "true" : null }, b.batch_no) },
    { label: "生成时间", value: (b) => fmtTime(b.created_at) },
    { label: "生成人", value: (b) => b.created_by_name },
    { label: "条目", value: (b) => `${b.item_count}（上报 ${b.reported}，变更 ${b.updates}）` },
    { label: "待财政部审核", value: (b) => String(b.awaiting) },
    { label: "已审核通过", value: (b) => String(b.approved) },
    { label: "已退回", value: (b) => (b.returned ? badge(String(b.returned), "bad") : "0") },
    { label: "反馈文件", value: (b) => String(b.feedback_files) },
    { label: "操作", class: "actions", value: (b) => [
      h("a", { class: "btn", href: `#/mof?batch=${b.id}` }, "查看条目"),
      h("button", { onclick: async () => download(await api(`/mof/reports/${b.id}/file`, { raw: true }), b.file_name) }, "下载"),
    ] },
  ], batches, { empty: "尚未向汇总系统上报" });
  root.replaceChildren(
    pageHead("汇总系统上报", h("button", { class: "primary", onclick: build }, "生成上报批次")),
    h("p", { class: "evidence" }, "本省已上报财政部汇总系统的批次。导入财政部的反馈文件后：通过的单据为 02-财政部已审核，退回的单据回到单位并附退回原因；文件中有任何无法处理的单据时整份文件不生效。"),
    h("div", { class: "toolbar" }, h("span", {}, "导入反馈文件："), file,
      h("button", { onclick: () => (file.files.length ? loadFeedback(file.files[0], out, reload) : toast("请先选择财政部反馈文件。", "error")) }, "导入反馈")),
    out, list,
    selected ? await batchDetail(selected) : null);
}
