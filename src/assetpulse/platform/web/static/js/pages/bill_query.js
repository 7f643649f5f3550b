// 查询: the unit's bills by any field (单号, 关键字, 状态, 审核状态, 范围, 资产编号, 分类, 日期).
import { api, itemsOf } from "../api.js";
import { field, fmtTime, h, pageHead, pageOf, pager, table } from "../ui.js";
import { SCOPES } from "./bill_form.js";
import { linesText, NAME, PAGE_SIZE, showBill, showProgress, stageBadge } from "./bills.js";

const STAGES = [["", "全部"], ["draft", "草稿"], ["in_review", "审核中"], ["returned", "已退回"], ["final", "终审通过"], ["reported", "已上报"], ["mof_approved", "财政部已审核"]];
const CODES = [["", "全部"], ["03", "03-省内审核中"], ["01", "01-待财政部审核"], ["02", "02-财政部已审核"]];

export async function render(root, kind, { params }) {
  const inputs = {
    bill_no: h("input", { name: "bill_no", value: params.bill_no || "" }),
    keyword: h("input", { name: "keyword", value: params.keyword || "", placeholder: "名称、标题、联系人…" }),
    asset_code: h("input", { name: "asset_code", value: params.asset_code || "" }),
    stage: h("select", { name: "stage" }, STAGES.map(([v, l]) => h("option", { value: v, selected: v === (params.stage || "") }, l))),
    review_code: h("select", { name: "review_code" }, CODES.map(([v, l]) => h("option", { value: v, selected: v === (params.review_code || "") }, l))),
    scope: h("select", { name: "scope" }, [["", "全部"], ...SCOPES].map(([v, l]) => h("option", { value: v, selected: v === (params.scope || "") }, l))),
    created_from: h("input", { name: "created_from", type: "date", value: params.created_from || "" }),
    created_to: h("input", { name: "created_to", type: "date", value: params.created_to || "" }),
  };
  const form = h("form", { class: "form-grid card", onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams(Object.entries(inputs).map(([k, el]) => [k, el.value.trim()]).filter(([, v]) => v));
    location.hash = `#/bills/${kind}/query?${q}`;
  } },
  field("发布单号", inputs.bill_no), field("关键字", inputs.keyword), field("资产编号", inputs.asset_code),
  field("状态", inputs.stage), field("调剂共享审核状态", inputs.review_code), field("调剂共享范围", inputs.scope),
  field("创建日期从", inputs.created_from), field("创建日期至", inputs.created_to),
  h("div", { style: "align-self:end" }, h("button", { class: "primary", type: "submit" }, "查询")));
  const query = { kind, page: pageOf(params), page_size: PAGE_SIZE };
  for (const k of Object.keys(inputs)) if (params[k]) query[k] = params[k];
  const data = await api("/bills", { query });
  const rows = itemsOf(data);
  const go = (n) => {
    const q = new URLSearchParams({ ...params, page: String(n) });
    location.hash = `#/bills/${kind}/query?${q}`;
  };
  root.replaceChildren(pageHead(`${NAME[kind]}查询`), form, table([
    { label: "发布单号", value: (b) => b.bill_no },
    { label: kind === "demand" ? "需求标题" : "资产明细", value: linesText },
    { label: "调剂共享范围", value: (b) => b.scope_text },
    { label: "状态", value: stageBadge },
    { label: "调剂共享审核状态", value: (b) => b.review_code_text },
    { label: "创建时间", value: (b) => fmtTime(b.created_at) },
    { label: "操作", class: "actions", value: (b) => [
      h("button", { class: "link", onclick: () => showBill(b.id) }, "查看详情"),
      h("button", { class: "link", onclick: () => showProgress(b.id) }, "审核情况"),
    ] },
  ], rows, { empty: "没有符合条件的单据" }), pager(data, go));
}
