// 盘点进度 and 盘点报告: progress per department and per assignment, handing the task down
// (unit → department → asset user), the reconciliation (盘到, 盘亏, 盘盈, 位置变动, 状态不符),
// the XLSX export and 应用盘点结果 (proposes card changes for review); once closed,
// 盘盈盘亏处理: each surplus, shortage and difference gets its cause and 文号 from the operator
// and is approved by a reviewer other than the proposer (new card, 损失核销, card change).
import { api, download } from "../api.js";
import { references } from "../fields.js";
import { isReviewer, isUnitOperator } from "../roles.js";
import { badge, confirmDialog, dialog, field, fmtTime, h, kv, pageHead, table, toast } from "../ui.js";
import { printLabels } from "./cards.js";

const STATUS = { in_use: "在用", idle: "闲置", pending_disposal: "待处置", leased: "出租出借", under_repair: "维修中", disposed: "已处置", split: "已拆分" };

function bar(found, expected) {
  const pct = expected ? Math.round((100 * found) / expected) : 100;
  return h("div", { style: "display:flex;gap:8px;align-items:center" },
    h("div", { class: "progress", style: "flex:1" }, h("div", { style: `width:${pct}%` })), `${found}/${expected}（${pct}%）`);
}

function handDown(id, me, reload) {
  const depts = (me.units || []).filter((u) => u.kind === "department" && u.parent_id === me.unit_id);
  const dept = h("select", { name: "department_id" }, depts.map((d) => h("option", { value: d.id }, d.name)));
  dialog("下发到部门", field("内设部门", dept), [{
    label: "下发", primary: true,
    action: async () => {
      await api(`/stocktakes/${id}/assignments`, { method: "POST", json: { department_id: Number(dept.value) } });
      toast("已下发。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

// the second level: a department's part goes on to one of its asset users (资产使用人)
async function handToUser(id, part, reload) {
  const people = await api("/users", { query: { department_id: part.department_id, role: "asset_user" } });
  if (!people.length) { toast(`${part.department_name}没有资产使用人可下发。`, "warn"); return; }
  const who = h("select", { name: "assignee_id" }, people.map((u) => h("option", { value: u.id }, u.display_name)));
  dialog(`下发给资产使用人 — ${part.department_name}`, field("资产使用人", who), [{
    label: "下发", primary: true,
    action: async () => {
      await api(`/stocktakes/${id}/assignments`, { method: "POST", json: { parent_id: part.id, assignee_id: Number(who.value) } });
      toast("已下发。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

const findingCols = (extra = []) => [
  { label: "资产编号", value: (f) => f.asset_code },
  { label: "资产名称", value: (f) => f.name },
  { label: "账面部门", value: (f) => f.department_name },
  { label: "账面存放地点", value: (f) => f.location },
  { label: "账面状态", value: (f) => STATUS[f.status] || f.status },
  ...extra,
];

const KIND_BADGE = { surplus: "warn", shortage: "bad", difference: "info" };
const STATE_BADGE = { open: "", pending: "info", approved: "ok", rejected: "warn" };

// 登记处理: the cause and the approval document, and for a surplus without a card the new
// card's values (its code is the one scanned)
async function proposeDialog(id, d, me, reload) {
  const cause = h("textarea", { name: "cause", rows: 2, required: true });
  const doc = h("input", { name: "document_no", placeholder: "如：琼大资〔2026〕12号" });
  const parts = [field("原因", cause, "wide"), field(d.kind === "difference" ? "审批文号（可选）" : "审批文号", doc, "wide")];
  let card = null;
  if (d.ledger === "new_card") {
    const refs = await references();
    const depts = (me.units || []).filter((u) => u.kind === "department" && u.parent_id === me.unit_id);
    card = {
      asset_code: h("input", { name: "asset_code", value: d.asset_code || "", disabled: !!d.asset_code }),
      name: h("input", { name: "name", required: true }),
      category_code: h("select", { name: "category_code" }, refs.categories.map((c) => h("option", { value: c.code }, `${c.code} ${c.name}`))),
      department_id: h("select", { name: "department_id" }, h("option", { value: "" }, "（不指定）"), depts.map((u) => h("option", { value: u.id }, u.name))),
      location: h("input", { name: "location", value: (d.seen && d.seen.location) || "" }),
      original_value: h("input", { name: "original_value", type: "number", min: 0, step: "0.01" }),
    };
    parts.push(field("资产编号", card.asset_code), field("资产名称", card.name), field("资产分类", card.category_code),
      field("使用部门", card.department_id), field("存放地点", card.location), field("原值（元）", card.original_value));
  }
  const what = d.ledger_label;
  dialog(`${d.kind_label}处理 — ${d.asset_code || d.raw_code || d.code}`, h("div", { class: "form-grid" },
    h("p", { class: "wide", style: "color:#666" }, `审核通过后：${what}`), ...parts), [{
    label: "提交审核", primary: true,
    action: async () => {
      const json = { cause: cause.value.trim(), document_no: doc.value.trim() || null };
      if (card) {
        json.card = { name: card.name.value.trim(), category_code: card.category_code.value, location: card.location.value.trim() || null };
        if (!d.asset_code) json.card.asset_code = card.asset_code.value.trim();
        if (card.department_id.value) json.card.department_id = Number(card.department_id.value);
        if (card.original_value.value) json.card.original_value = Number(card.original_value.value);
      }
      await api(`/stocktakes/${id}/discrepancies/${d.id}/propose`, { method: "POST", json });
      toast("已提交审核。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

function decideDialog(id, d, approve, reload) {
  const note = h("textarea", { name: "note", rows: 2 });
  const text = approve ? `审核通过后：${d.ledger_label}（文号 ${d.document_no || "—"}）。` : "退回后账面不变，经办岗可重新登记。";
  dialog(`${approve ? "审核通过" : "退回"} — ${d.kind_label} ${d.asset_code || d.raw_code || d.code}`,
    h("div", {}, h("p", {}, `原因：${d.cause || ""}`), h("p", { style: "color:#666" }, text), field("审核意见", note)), [{
      label: approve ? "通过" : "退回", primary: approve, danger: !approve,
      action: async () => {
        await api(`/stocktakes/${id}/discrepancies/${d.id}/${approve ? "approve" : "reject"}`, { method: "POST", json: { note: note.value.trim() || null } });
        toast(approve ? "已审核通过，账面已更新。" : "已退回。", "ok");
        await reload();
      },
    }], { closeLabel: "取消" });
}

// 登记账实不符: what the scans cannot show (another 使用人, a location typed on the spot), for
// a card found in this task; it becomes a card change for the reviewer
async function differenceDialog(id, rep, reload) {
  const people = await api("/users");
  const card = h("select", { name: "card_id" }, rep.found.map((f) => h("option", { value: f.card_id }, `${f.asset_code} ${f.name}`)));
  const who = h("select", { name: "user_id" }, h("option", { value: "" }, "（不变）"), people.map((u) => h("option", { value: u.id }, u.display_name)));
  const where = h("input", { name: "location", placeholder: "（不变）" });
  const cause = h("textarea", { name: "cause", rows: 2, required: true });
  const doc = h("input", { name: "document_no" });
  dialog("登记账实不符", h("div", { class: "form-grid" },
    field("资产", card, "wide"), field("现场使用人", who), field("现场存放地点", where),
    field("原因", cause, "wide"), field("审批文号（可选）", doc, "wide")), [{
    label: "提交审核", primary: true,
    action: async () => {
      const changes = {};
      if (who.value) changes.user_id = Number(who.value);
      if (where.value.trim()) changes.location = where.value.trim();
      await api(`/stocktakes/${id}/discrepancies`, { method: "POST", json: { card_id: Number(card.value), cause: cause.value.trim(), document_no: doc.value.trim() || null, changes } });
      toast("已生成卡片变动，等待审核。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

function discrepancySection(id, rep, me, reload) {
  const body = rep.discrepancies;
  const all = body.summary.all;
  const operator = isUnitOperator(me);
  const reviewer = isReviewer(me) && me.unit_kind === "unit";
  const actions = (d) => {
    const out = [];
    if (operator && (d.state === "open" || d.state === "rejected")) {
      out.push(h("button", { onclick: () => proposeDialog(id, d, me, reload) }, d.state === "rejected" ? "重新登记" : "登记处理"));
    }
    // four eyes: whoever proposed it does not review it (the server refuses it too)
    if (reviewer && d.state === "pending" && d.proposed_by !== me.user_id) {
      out.push(h("button", { class: "primary", onclick: () => decideDialog(id, d, true, reload) }, "审核通过"),
        h("button", { onclick: () => decideDialog(id, d, false, reload) }, "退回"));
    }
    return out;
  };
  return [h("section", { class: "discrepancies", "aria-label": "盘盈盘亏处理" },
    h("div", { style: "display:flex;align-items:center;gap:12px;margin-top:20px" }, h("h2", { style: "margin:0" }, "盘盈盘亏处理"),
      operator && rep.found.length ? h("button", { onclick: () => differenceDialog(id, rep, reload) }, "登记账实不符") : null),
    h("p", { class: "discrepancy-summary" }, `共 ${all.total} 项：已处理 ${all.resolved}，待审核 ${all.pending}，未处理 ${all.open - all.pending}`),
    table([
      { label: "类型", value: (d) => badge(d.kind_label, KIND_BADGE[d.kind]) },
      { label: "资产编号 / 扫描内容", value: (d) => d.asset_code || d.raw_code || d.code },
      { label: "资产名称", value: (d) => d.name },
      { label: "部门", value: (d) => d.department_name },
      { label: "处理方式", value: (d) => d.ledger_label },
      { label: "原因", value: (d) => d.cause },
      { label: "审批文号", value: (d) => d.document_no },
      // who decided, and why (a returned one says what to put right)
      { label: "状态", value: (d) => [badge(d.state_label, STATE_BADGE[d.state]),
        d.decided_by_name ? h("div", { style: "font-size:12px;color:#666" }, `${d.decided_by_name}${d.decision_note ? `：${d.decision_note}` : ""}`) : null] },
      { label: "操作", class: "actions", value: actions },
    ], body.items, { empty: "没有盘盈、盘亏或账实不符" }))];
}

export async function render(root, { args, me }) {
  const id = args[0];
  const reload = () => render(root, { args, me });
  const [p, rep] = await Promise.all([api(`/stocktakes/${id}`), api(`/stocktakes/${id}/report`)]);
  const t = p.stocktake;
  const s = p.summary;
  const closed = t.state !== "open";
  const actions = [];
  const manager = isUnitOperator(me) && p.whole_task;
  if (t.state === "open") {
    actions.push(h("a", { class: "btn primary", href: `#/stocktakes/${id}/scan` }, "扫码盘点"));
    if (manager) actions.push(h("button", { onclick: () => handDown(id, me, reload) }, "下发到部门"));
  }
  // the labels of every card on this task's book, to stick on before scanning
  const bookIds = [...rep.found, ...rep.not_scanned, ...rep.missing].map((f) => f.card_id);
  if (bookIds.length) actions.push(h("button", { onclick: () => printLabels(bookIds) }, "打印标签"));
  actions.push(h("button", { onclick: async () => download(await api(`/stocktakes/${id}/report`, { query: { format: "xlsx" }, raw: true }), `盘点报告-${id}.xlsx`) }, "导出盘点报告"));
  if (t.state === "open" && manager) {
    actions.push(h("button", { onclick: async () => {
      if (!(await confirmDialog("应用盘点结果", "将根据盘点结果生成卡片变动（待审核），并结束本次盘点。确定继续？", "应用"))) return;
      const out = await api(`/stocktakes/${id}/apply`, { method: "POST" });
      toast(`已生成 ${out.change_ids.length} 条卡片变动，请到【卡片变动】审核。`, "ok");
      await reload();
    } }, "应用盘点结果"));
  }
  root.replaceChildren(
    pageHead(`盘点进度 — ${t.title}`, ...actions),
    h("div", { class: "card" }, kv([
      ["截止日期", `${t.deadline}${t.overdue ? "（已逾期）" : ""}`],
      ["状态", t.state === "open" ? "进行中" : "已结束"],
      ["总体进度", bar(s.found, s.expected)],
      // 应盘 shrinks when a card on the book is disposed of or split during the task: say so
      ...(s.left_book ? [["应盘变动", `创建时账面 ${s.booked} 项，盘点期间 ${s.left_book} 项已处置或拆分（见下方“离开账面”），现应盘 ${s.expected} 项`]] : []),
      // not scanned yet is 未盘 while people are still scanning; 盘亏 only once the task is closed
      closed ? ["盘亏 / 盘盈", `${s.missing} / ${s.surplus}`] : ["未盘 / 盘盈", `${s.not_scanned} / ${s.surplus}`],
      ["位置变动 / 状态不符", `${s.moved} / ${s.status_differs}`],
    ])),
    h("h3", {}, "各部门进度"),
    table([
      { label: "部门", value: (d) => d.department_name },
      { label: "进度", value: (d) => bar(d.found || 0, d.expected || 0) },
      { label: closed ? "盘亏" : "未盘", value: (d) => (closed ? d.missing : d.not_scanned) },
    ], p.by_department, { rowKey: (d) => d.department_id, empty: "本任务没有账面资产" }),
    h("h3", { style: "margin-top:16px" }, "下发情况"),
    table([
      { label: "部门", value: (a) => a.department_name },
      { label: "资产使用人", value: (a) => a.assignee_name || "（部门）" },
      { label: "进度", value: (a) => bar(a.found, a.expected) },
      { label: "下发时间", value: (a) => fmtTime(a.created_at) },
      { label: "操作", value: (a) => (t.state === "open" && a.parent_id == null && (isUnitOperator(me) || a.department_id === me.department_id)
        ? h("button", { onclick: () => handToUser(id, a, reload) }, "下发给使用人") : "") },
    ], p.assignments, { empty: "尚未下发" }),
    ...(closed && p.whole_task ? discrepancySection(id, rep, me, reload) : []),
    h("h2", { style: "margin-top:20px" }, "盘点报告"),
    h("h3", {}, closed ? `盘亏（未盘到） ${rep.missing.length}` : `未盘（尚未扫到，任务结束后计为盘亏） ${rep.not_scanned.length}`),
    table(findingCols(), closed ? rep.missing : rep.not_scanned, { rowKey: (f) => f.card_id, empty: "无" }),
    ...(rep.left_book.length ? [
      h("h3", { style: "margin-top:12px" }, `离开账面 ${rep.left_book.length}（不再计入应盘）`),
      table([
        { label: "资产编号", value: (x) => x.asset_code },
        { label: "资产名称", value: (x) => x.name },
        { label: "原因", value: (x) => badge(x.reason, "") },
        { label: "时间", value: (x) => fmtTime(x.at) },
      ], rep.left_book, { rowKey: (x) => x.card_id }),
    ] : []),
    h("h3", { style: "margin-top:12px" }, `盘盈（账外） ${rep.surplus.length}`),
    table([
      { label: "扫描内容", value: (x) => x.raw_code },
      { label: "资产编号", value: (x) => x.asset_code },
      { label: "原因", value: (x) => badge(x.reason_label, "warn") },
      { label: "次数", value: (x) => x.scans },
      { label: "最后扫描", value: (x) => fmtTime(x.last_seen) },
    ], rep.surplus, { rowKey: (x) => x.raw_code, empty: "无" }),
    h("h3", { style: "margin-top:12px" }, `位置变动 ${rep.moved.length} · 状态不符 ${rep.status_differs.length}`),
    table(findingCols([
      { label: "现场位置", value: (f) => f.seen_location },
      { label: "现场状态", value: (f) => STATUS[f.seen_status] || f.seen_status },
    ]), [...rep.moved, ...rep.status_differs.filter((f) => !f.moved)], { rowKey: (f) => f.card_id, empty: "无" }),
    h("h3", { style: "margin-top:12px" }, `已盘到 ${rep.found.length}`),
    table(findingCols([{ label: "最后扫描", value: (f) => fmtTime(f.last_seen) }]), rep.found, { rowKey: (f) => f.card_id, empty: "无" }));
}
