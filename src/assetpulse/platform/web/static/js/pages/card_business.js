// 卡片业务: the unit's 经办岗 runs the card business that is not a 卡片变动 — 出租出借收回
// (the operator says what the asset is now), 拆分 (each new card with its own status and
// 是否共享共用; quantities or areas must add up), 退库 (back to the store, no holder) and
// 资产处置 (无偿划转, 对外捐赠, 转让, 置换, 报废, 损失核销), which only proposes: the
// disposal waits for the 审核岗 and its 批复文号 on 资产处置 (disposals.js).
import { api } from "../api.js";
import { badge, CARD_STATUS, dialog, field, fmtQty, h, pageHead, table, toast } from "../ui.js";

export const METHODS = {
  free_transfer: "无偿划转", donation: "对外捐赠", sale: "转让", exchange: "置换", scrap: "报废", write_off: "损失核销",
};
const WITH_RECEIVER = ["free_transfer", "donation", "sale", "exchange"];
const TO_UNIT = ["free_transfer", "donation"];
const PART_STATUS = ["in_use", "idle", "pending_disposal", "leased", "under_repair"];

const statusSelect = (name, keys, value) => h("select", { name }, keys.map((k) => h("option", { value: k, selected: k === value }, CARD_STATUS[k])));
const optional = (el) => el.value.trim() || null;

function recall(c, reload) {
  const status = statusSelect("status", ["idle", "pending_disposal", "in_use"], "idle");
  const note = h("textarea", { name: "note" });
  dialog(`出租出借收回 — ${c.name}`, h("div", { class: "form-grid" },
    h("p", { class: "wide evidence" }, "资产收回后，请根据实际情况选择资产状态（闲置、待处置或在用）。"),
    field("收回后资产状态", status), field("备注", note, "wide")), [{
    label: "确认收回", primary: true,
    action: async () => {
      await api(`/cards/${c.id}/recall`, { method: "POST", json: { status: status.value, note: optional(note) } });
      toast(`已收回，资产状态为“${CARD_STATUS[status.value]}”。`, "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

function giveBack(c, reload) {
  const status = statusSelect("status", ["idle", "pending_disposal"], "idle");
  const location = h("input", { name: "location", placeholder: "如：资产库房" });
  const note = h("textarea", { name: "note" });
  dialog(`退库 — ${c.name}`, h("div", { class: "form-grid" },
    h("p", { class: "wide evidence" }, "退库后资产回到单位库房，不再由部门或个人使用；已上架的将自动下架。"),
    field("退库后资产状态", status), field("存放地点", location), field("备注", note, "wide")), [{
    label: "确认退库", primary: true,
    action: async () => {
      await api(`/cards/${c.id}/return`, { method: "POST", json: { status: status.value, location: optional(location), note: optional(note) } });
      toast("已退库。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

function split(c, reload) {
  const byArea = c.area !== null && c.area !== undefined && Number(c.area) > 0;
  const rows = h("div", { class: "split-parts" });
  const addPart = (n) => {
    const i = rows.children.length + 1;
    rows.append(h("fieldset", { class: "form-grid split-part" }, h("legend", {}, `新卡片 ${i}`),
      field("资产编号", h("input", { name: "asset_code", value: `${c.asset_code}-${i}` })),
      field("资产状态", statusSelect("status", PART_STATUS, c.status)),
      field("是否共享共用", h("select", { name: "shareable" }, h("option", { value: "false" }, "否"), h("option", { value: "true", selected: c.shareable }, "是"))),
      field(byArea ? "面积（平方米）" : "数量", h("input", { name: "amount", type: "number", min: "0", step: "0.01", value: n ?? "" })),
      field("资产名称（可不改）", h("input", { name: "name", placeholder: c.name }))));
  };
  addPart(); addPart();
  const total = byArea ? c.area : c.quantity;
  dialog(`拆分 — ${c.name}`, h("div", {},
    h("p", { class: "evidence" }, `原卡片${byArea ? "面积" : "数量"} ${total}；新卡片合计须相等，原值、净值按比例分摊。拆分后原卡片状态为“已拆分”。`),
    rows, h("button", { type: "button", onclick: () => addPart() }, "增加一张新卡片")), [{
    label: "确认拆分", primary: true,
    action: async (dlg) => {
      const parts = [...dlg.querySelectorAll(".split-part")].map((fs) => {
        const v = (n) => fs.querySelector(`[name=${n}]`).value.trim();
        const part = { asset_code: v("asset_code"), status: v("status"), shareable: v("shareable") === "true" };
        if (v("amount")) part[byArea ? "area" : "quantity"] = v("amount");
        if (v("name")) part.name = v("name");
        return part;
      });
      const out = await api(`/cards/${c.id}/split`, { method: "POST", json: { parts } });
      toast(`已拆分为 ${out.cards.length} 张卡片：${out.cards.map((x) => x.asset_code).join("、")}。`, "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

function dispose(c, me, reload) {
  const method = h("select", { name: "method" }, Object.entries(METHODS).map(([k, v]) => h("option", { value: k }, v)));
  const units = (me.units || []).filter((u) => u.kind === "unit" && u.id !== me.unit_id);
  const unit = h("select", { name: "receiving_unit_id" }, h("option", { value: "" }, "本系统外单位（填写名称）"), units.map((u) => h("option", { value: u.id }, u.name)));
  const receiver = h("input", { name: "receiver", placeholder: "接收方单位名称" });
  const unitField = field("接收单位（本系统内的由其调入）", unit);
  const receiverField = field("接收方单位名称", receiver);
  const doc = h("input", { name: "document_no", placeholder: "如已取得批复可填写，否则由审核岗填写" });
  const reason = h("textarea", { name: "reason" });
  // .field is display:flex, which would beat the hidden attribute
  const show = (el, on) => { el.style.display = on ? "" : "none"; };
  const byUnit = () => TO_UNIT.includes(method.value) && !!unit.value;
  const sync = () => {
    show(receiverField, WITH_RECEIVER.includes(method.value) && !byUnit());
    show(unitField, TO_UNIT.includes(method.value));
  };
  method.addEventListener("change", sync);
  unit.addEventListener("change", sync);
  sync();
  dialog(`资产处置 — ${c.name}`, h("div", { class: "form-grid" },
    h("p", { class: "wide evidence" }, "提交后须经本单位审核岗审核通过（填写批复文号）才生效：卡片状态变为“已处置”并自动下架；无偿划转、对外捐赠给本系统内单位的，由接收单位调入，生成其资产卡片。"),
    field("处置方式", method), unitField, receiverField, field("批复文号", doc), field("处置原因", reason, "wide")), [{
    label: "提交审核", primary: true,
    action: async () => {
      const json = { card_id: c.id, method: method.value, document_no: optional(doc), reason: optional(reason) };
      if (byUnit()) {
        json.receiving_unit_id = Number(unit.value);
        json.receiver = unit.selectedOptions[0].textContent;
      } else if (WITH_RECEIVER.includes(method.value)) {
        json.receiver = optional(receiver);
      }
      await api("/disposals", { method: "POST", json });
      toast("处置申请已提交，等待审核岗审核。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

export async function render(root, { params, me }) {
  const reload = () => render(root, { params, me });
  const code = h("input", { name: "asset_code", value: params.asset_code || "", placeholder: "资产编号" });
  const form = h("form", { class: "toolbar", onsubmit: (e) => {
    e.preventDefault();
    location.hash = code.value.trim() ? `#/card-business?asset_code=${encodeURIComponent(code.value.trim())}` : "#/card-business";
  } }, field("资产编号", code), h("button", { class: "primary", type: "submit", style: "align-self:flex-end" }, "查询"));
  const [cards, pending] = await Promise.all([
    api("/cards", { query: { asset_code: params.asset_code, limit: 500 } }),
    api("/disposals", { query: { state: "pending" } })]);
  const inReview = new Set(pending.filter((d) => !d.incoming).map((d) => d.card_id));
  const own = cards.filter((c) => c.unit_id === me.unit_id && !["disposed", "split"].includes(c.status));
  root.replaceChildren(pageHead("卡片业务"),
    h("p", { class: "evidence" }, "出租出借收回、拆分、退库立即生效并自动下架相关上架资产；资产处置须经审核岗审核（见【资产处置】）。"),
    form, table([
      { label: "资产编号", value: (c) => c.asset_code },
      { label: "资产名称", value: (c) => c.name },
      { label: "资产状态", value: (c) => [badge(c.status_label, c.status === "leased" ? "warn" : ""), inReview.has(c.id) ? badge("处置待审核", "info") : null] },
      { label: "是否共享共用", value: (c) => (c.shareable ? "是" : "否") },
      { label: "资产数量/面积", value: (c) => fmtQty(c) },
      { label: "原值（元）", value: (c) => c.original_value },
      { label: "存放地点", value: (c) => c.location },
      { label: "操作", class: "actions", value: (c) => [
        c.status === "leased" ? h("button", { class: "link", onclick: () => recall(c, reload) }, "出租出借收回") : null,
        h("button", { class: "link", onclick: () => split(c, reload) }, "拆分"),
        c.status !== "leased" ? h("button", { class: "link", onclick: () => giveBack(c, reload) }, "退库") : null,
        c.status !== "leased" && !inReview.has(c.id) ? h("button", { class: "link", onclick: () => dispose(c, me, reload) }, "资产处置") : null,
      ] },
    ], own, { empty: "没有可办理业务的资产卡片" }));
}
