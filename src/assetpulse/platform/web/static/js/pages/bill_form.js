// 新增 / 修改 a bill (发布单). Adjust and share bills carry asset lines picked with
// 选择资产卡片, which offers only eligible cards (adjust: 闲置 or 待处置; share: 是否共享共用
// = 是) that are not already on another open bill or listing (不重不漏). Cards without a
// photo are offered, marked 无照片: saving then shows the server's photo-rule message, which
// sends the user to 卡片变动 — the manual's order of things.
import { api, itemsOf } from "../api.js";
import { references } from "../fields.js";
import { badge, dialog, field, fmtQty, h, pager, table, toast } from "../ui.js";
import { linesText } from "./bills.js";

export const SCOPES = [["national", "全国"], ["province", "本省"], ["city", "本市（县）"], ["department", "本部门"], ["unit", "本单位"]];
const URGENCY = [["normal", "一般"], ["urgent", "紧急"], ["very_urgent", "非常紧急"]];

function select(name, options, value) {
  return h("select", { name }, options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
}

const PICK_PAGE = 20;

// a link to the page already open: no hashchange would fire, so draw the route again
function reRoute(e) {
  if (e.currentTarget.getAttribute("href") !== location.hash) return;
  e.preventDefault();
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

/** One page of 选择资产卡片 from the server: eligible (adjust: 闲置 / 待处置; share: 是否共享共用
 * = 是), not ended, and not on another open bill or live listing (不重不漏), with the total. */
function eligibleCards(kind, bill, keyword, page) {
  return api("/eligible-cards", { query: { kind, bill_id: bill ? bill.id : undefined, keyword: keyword || undefined, page, page_size: PICK_PAGE } });
}

function pickCards(kind, bill, me, chosen, onDone) {
  const body = h("div", {}, h("p", { class: "loading" }, "正在加载可选资产卡片…"));
  const picked = new Map(); // card id → card, kept while the user pages
  let tbl = null;
  let keyword = "";
  const keep = () => {
    if (!tbl) return;
    for (const id of tbl.selected) {
      const c = tbl.cards.find((x) => String(x.id) === String(id));
      if (c) picked.set(c.id, c);
    }
  };
  dialog("选择资产卡片", body, [{
    label: "确定", primary: true,
    action: () => {
      keep();
      for (const c of picked.values()) {
        if (!chosen.some((x) => x.card_id === c.id)) {
          chosen.push({ card_id: c.id, asset_code: c.asset_code, name: c.name, card_status_text: c.status_label, shareable: c.shareable, quantity: c.quantity, area: c.area, measure_unit: c.measure_unit, has_photo: c.has_photo });
        }
      }
      onDone();
    },
  }], { closeLabel: "取消" });
  const search = h("input", { name: "card_keyword", placeholder: "资产名称或编号" });
  // cards an approved idle suggestion already put on a draft bill are not offered here:
  // say where they are, so an empty list is not a dead end
  const drafts = api("/bills", { quiet: true, query: { kind, origin: "suggestion", submitted: false, page_size: 20 } })
    .then((d) => itemsOf(d).filter((b) => !bill || b.id !== bill.id)).catch(() => []);
  const load = (page) => Promise.all([eligibleCards(kind, bill, keyword, page), drafts]).then(([data, waiting]) => {
    keep();
    const cards = itemsOf(data);
    tbl = table([
      { label: "资产编号", value: (c) => c.asset_code },
      { label: "资产名称", value: (c) => c.name },
      { label: "资产状态", value: (c) => c.status_label },
      { label: "是否共享共用", value: (c) => (c.shareable ? "是" : "否") },
      { label: "资产数量/面积", value: (c) => fmtQty(c) },
      { label: "照片", value: (c) => (c.has_photo ? badge("有照片", "ok") : badge("无照片", "warn")) },
      { label: "", value: (c) => (picked.has(c.id) || chosen.some((x) => x.card_id === c.id) ? badge("已选", "info") : "") },
    ], cards, { selectable: true, empty: kind === "adjust" ? "没有状态为闲置或待处置、且未发布的资产卡片" : "没有“是否共享共用”为“是”、且未发布的资产卡片" });
    tbl.cards = cards;
    const hint = waiting.length ? h("div", { class: "card draft-hint", role: "note" },
      h("strong", {}, `由闲置资产建议生成的草稿发布单 ${waiting.length} 张`),
      `：其中的资产已在发布单上，不在下面列出；请在发布单列表中【修改】后【送审】。`,
      h("ul", {}, waiting.map((b) => h("li", {}, h("a", { href: `#/bills/${kind}/publish?tab=pending&bill=${b.id}`, onclick: reRoute }, `${b.bill_no}（${linesText(b)}）`))))) : null;
    body.replaceChildren(h("p", { class: "evidence" }, kind === "adjust"
      ? "仅显示资产状态为“闲置”或“待处置”的本单位卡片。"
      : "仅显示“是否共享共用”为“是”的本单位卡片。"), hint,
    h("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); keep(); keyword = search.value.trim(); load(1); } },
      search, h("button", { type: "submit" }, "查询")),
    tbl, pager(data, load));
  }).catch(() => body.replaceChildren(h("p", { class: "empty" }, "资产卡片加载失败")));
  load(1);
}

/** 附件列表: the files already on the bill (each can be removed) and 上传附件, which stores
 * a file at once (POST /attachments) and lists it; saving the bill keeps the list. */
function attachmentUploader(initial) {
  const items = initial.map((a) => ({ ...a }));
  const list = h("ul", { class: "attachments" });
  const draw = () => list.replaceChildren(...(items.length ? items.map((a) => h("li", {}, a.name, " ",
    h("button", { type: "button", class: "link", onclick: () => { items.splice(items.indexOf(a), 1); draw(); } }, "移除")))
    : [h("li", { class: "evidence" }, "暂无附件")]));
  const file = h("input", { type: "file", name: "attachment_file", multiple: true, accept: ".pdf,.doc,.docx,.xls,.xlsx,.txt,.jpg,.jpeg,.png,.zip" });
  file.addEventListener("change", async () => {
    for (const f of [...file.files]) {
      const form = new FormData();
      form.append("file", f);
      try {
        items.push(await api("/attachments", { method: "POST", form }));
        draw();
      } catch {
        // the server's message is shown already; the other files still go up
      }
    }
    file.value = "";
  });
  draw();
  return { el: h("div", {}, list, h("label", { class: "upload" }, "上传附件：", file), h("small", { class: "evidence" }, "PDF、Word、Excel、图片、文本或 ZIP，每个 10 MB 以内")), items };
}

/** Opens the form; resolves after a successful save with the saved bill. */
export async function billForm(kind, me, bill = null, onSaved = () => {}) {
  const refs = await references();
  const v = (k) => (bill && bill[k] !== null && bill[k] !== undefined ? String(bill[k]) : "");
  const inputs = {};
  let attachField = null;
  const inp = (name, attrs = {}) => (inputs[name] = h("input", { name, value: v(name), ...attrs }));
  const chosen = bill ? bill.lines.map((l) => ({ ...l, has_photo: true })) : [];
  const linesBox = h("div");
  const drawLines = () => linesBox.replaceChildren(table([
    { label: "资产编号", value: (l) => l.asset_code },
    { label: "资产名称", value: (l) => l.name },
    { label: "资产状态", value: (l) => l.card_status_text },
    { label: "资产数量/面积", value: (l) => fmtQty(l) },
    { label: "照片", value: (l) => (l.has_photo === false ? badge("无照片", "warn") : "") },
    { label: "操作", value: (l) => h("button", { class: "link", onclick: () => { chosen.splice(chosen.indexOf(l), 1); drawLines(); } }, "移除") },
  ], chosen, { empty: "请点击【选择资产卡片】添加资产明细" }));
  drawLines();

  inputs.scope = select("scope", SCOPES, v("scope") || "province");
  const common = [
    field(kind === "demand" ? "需求范围" : "调剂共享范围", inputs.scope),
    field(kind === "demand" ? "需求发布方单位" : "发布方单位", h("input", { value: me.unit_name || "", disabled: true })),
    field(kind === "demand" ? "需求发布方联系人" : "联系人", inp("contact_name")),
    field(kind === "demand" ? "需求发布方联系电话" : "联系电话", inp("contact_phone", { type: "tel" })),
    field(kind === "demand" ? "需求发布方单位地址" : "单位地址", inp("address"), "wide"),
  ];
  let grid;
  if (kind === "demand") {
    inputs.demand_type = select("demand_type", [["adjust", "调剂"], ["share", "共享"]], v("demand_type") || "adjust");
    inputs.category_code = select("category_code", [["", "请选择"], ...refs.categories.map((c) => [c.code, `${c.code} ${c.name}`])], v("category_code"));
    inputs.region_code = select("region_code", refs.regions.map((r) => [r.code, `${r.name}（${r.code}）`]), v("region_code") || me.region_code);
    inputs.urgency = select("urgency", URGENCY, v("urgency") || "normal");
    inputs.description = h("textarea", { name: "description" }, v("description"));
    attachField = attachmentUploader(bill ? bill.attachments : []);
    grid = h("div", { class: "form-grid" },
      field("需求标题", inp("title", { required: true }), "wide"),
      field("需求类型", inputs.demand_type),
      field("资产分类", inputs.category_code),
      field("期望到货日期", inp("expected_arrival", { type: "date" })),
      field("单位会计科目", inp("accounting_subject")),
      field("财政区划", inputs.region_code),
      field("资产数量", inp("quantity", { type: "number", min: "0", step: "any" })),
      field("面积（平方米）", inp("area", { type: "number", min: "0", step: "any" })),
      field("计量单位", inp("measure_unit")),
      field("紧急程度", inputs.urgency),
      field("需求创建人", inp("creator_name")),
      field("需求结束日期", inp("end_date", { type: "date" })),
      field("需求经办人", inp("handler_name")),
      ...common,
      field("需求描述", inputs.description, "wide"),
      h("div", { class: "field wide" }, h("span", {}, "附件列表"), attachField.el));
  } else {
    inputs.description = h("textarea", { name: "description" }, v("description"));
    grid = h("div", { class: "form-grid" }, ...common, field("说明", inputs.description, "wide"));
  }
  const body = h("div", {}, h("h3", {}, kind === "demand" ? "需求信息" : `${kind === "adjust" ? "调剂" : "共享"}发布方信息`), grid);
  if (kind !== "demand") {
    body.append(h("div", { class: "toolbar" }, h("h3", { style: "margin:0" }, "资产明细"), h("span", { class: "spacer" }),
      h("button", { onclick: () => pickCards(kind, bill, me, chosen, drawLines) }, "选择资产卡片")), linesBox);
  }

  const collect = () => {
    const out = {};
    for (const [k, el] of Object.entries(inputs)) {
      const val = el.value.trim();
      out[k] = val === "" ? null : val;
    }
    // the attachments kept (with their links) and those just uploaded
    if (attachField) out.attachments = attachField.items.map((a) => ({ ...a }));
    if (kind !== "demand") out.card_ids = chosen.map((l) => l.card_id);
    return out;
  };
  dialog(bill ? `修改发布单 ${bill.bill_no}` : `新增${{ adjust: "调剂资产", share: "共享资产", demand: "需求" }[kind]}发布单`, body, [{
    label: "保存", primary: true,
    action: async () => {
      const data = collect();
      // the server refuses it too (DEMAND_END_BEFORE_ARRIVAL); saying so here keeps the form
      if (kind === "demand" && data.expected_arrival && data.end_date && data.end_date < data.expected_arrival) {
        toast(`需求结束日期（${data.end_date}）不能早于期望到货日期（${data.expected_arrival}），请修改后重新保存。`, "error");
        inputs.end_date.focus();
        return true;
      }
      const saved = bill
        ? await api(`/bills/${bill.id}`, { method: "PATCH", json: { ...data, version: bill.version } })
        : await api("/bills", { method: "POST", json: { kind, ...data } });
      toast(`已保存发布单 ${saved.bill_no}。`, "ok");
      onSaved(saved);
    },
  }], { closeLabel: "取消" });
}
