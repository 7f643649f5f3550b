// 资产卡片: the unit's cards with filters; 查看 (with photos), and the two ways to change a
// card — 卡片变动 (status, 是否共享共用) and 上传照片 — both wait for the reviewer (审核岗),
// offered to the unit's operators only; 打印标签 prints the chosen cards' QR labels (PDF).
// Finance and competent departments read many units' cards: a 所属单位 column, no changes.
import { api, download } from "../api.js";
import { authPhoto, references } from "../fields.js";
import { isUnitOperator, seesManyUnits } from "../roles.js";
import { badge, CARD_STATUS, dialog, field, fmtQty, h, kv, pageHead, table, toast } from "../ui.js";

/** 打印标签: the label sheet (A4 PDF, QR and Code 128) of the given cards, downloaded. */
export async function printLabels(cardIds) {
  if (!cardIds.length) { toast("请先勾选要打印标签的资产卡片。", "error"); return; }
  const note = toast(`正在生成 ${cardIds.length} 张资产标签…`, "info");
  try {
    const resp = await api("/labels", { query: { card_id: cardIds }, raw: true });
    await download(resp, "资产标签.pdf");
    toast(`已生成 ${cardIds.length} 张资产标签（A4，每页 14 张），请打开后打印。`, "ok");
  } finally {
    note.remove();
  }
}

const CHANGEABLE = ["in_use", "idle", "pending_disposal", "leased", "under_repair"];

async function showCard(id) {
  const [c, refs] = await Promise.all([api(`/cards/${id}`), references()]);
  dialog(`${c.name}（${c.asset_code}）`, h("div", {},
    kv([
      ["资产编号", c.asset_code], ["资产名称", c.name], ["资产分类", `${c.category_code} ${refs.category[c.category_code] || ""}`.trim()], ["资产状态", c.status_label],
      ["是否共享共用", c.shareable ? "是" : "否"], ["资产数量/面积", fmtQty(c)], ["品牌 / 型号", [c.brand, c.model].filter(Boolean).join(" / ")],
      ["原值（元）", c.original_value], ["净值（元）", c.net_value], ["取得日期", c.acquired_on], ["存放地点", c.location], ["版本", c.version],
      // 调入: the card this unit got from another's disposal (无偿划转 / 对外捐赠)
      ...(c.attributes && c.attributes.transferred_from ? [["调入自", `${refs.unit[c.attributes.transferred_from.unit_id] || "其他单位"}（原资产编号 ${c.attributes.transferred_from.asset_code}）`]] : []),
    ]),
    h("h3", {}, "照片"),
    (c.photos || []).length ? h("div", { class: "toolbar" }, c.photos.map((p) => h("span", {}, authPhoto(`/cards/${c.id}/photos/${p.id}`, c.name, "thumb"), p.state === "pending" ? badge("待审核", "warn") : null)))
      : h("p", { class: "evidence" }, "尚未上传照片")));
}

function proposeChange(c, reload) {
  const status = h("select", { name: "status" }, h("option", { value: "" }, "不变更"), CHANGEABLE.map((s) => h("option", { value: s }, CARD_STATUS[s])));
  const shareable = h("select", { name: "shareable" }, h("option", { value: "" }, "不变更"), h("option", { value: "true" }, "是"), h("option", { value: "false" }, "否"));
  const reason = h("textarea", { name: "reason" });
  dialog(`卡片变动 — ${c.name}`, h("div", { class: "form-grid" },
    h("p", { class: "wide evidence" }, `当前：${c.status_label}，是否共享共用：${c.shareable ? "是" : "否"}。提交后须经审核岗审核通过才生效。`),
    field("资产状态", status), field("是否共享共用", shareable), field("变动原因", reason, "wide")), [{
    label: "提交", primary: true,
    action: async () => {
      const changes = {};
      if (status.value) changes.status = status.value;
      if (shareable.value) changes.shareable = shareable.value === "true";
      await api("/card-changes", { method: "POST", json: { card_id: c.id, changes, reason: reason.value.trim() || null, card_version: c.version } });
      toast("卡片变动已提交，等待审核。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

function uploadPhoto(c, reload) {
  const input = h("input", { type: "file", accept: "image/jpeg,image/png,image/webp", name: "file" });
  dialog(`上传照片 — ${c.name}`, h("div", {}, field("照片（JPEG / PNG / WebP）", input), h("p", { class: "evidence" }, "上传后生成卡片变动，审核通过后照片才显示在卡片上。")), [{
    label: "上传", primary: true,
    action: async () => {
      if (!input.files[0]) { toast("请先选择照片。", "error"); return true; }
      const form = new FormData();
      form.append("file", input.files[0]);
      form.append("card_version", String(c.version));
      await api(`/cards/${c.id}/photos`, { method: "POST", form });
      toast("照片已上传，等待审核。", "ok");
      await reload();
    },
  }], { closeLabel: "取消" });
}

export async function render(root, { params, me }) {
  const reload = () => render(root, { params, me });
  const status = h("select", { name: "status" }, h("option", { value: "" }, "全部状态"), Object.entries(CARD_STATUS).map(([k, v]) => h("option", { value: k, selected: k === params.status }, v)));
  const shareable = h("select", { name: "shareable" }, [["", "全部"], ["true", "是"], ["false", "否"]].map(([v, l]) => h("option", { value: v, selected: v === (params.shareable || "") }, l)));
  const code = h("input", { name: "asset_code", value: params.asset_code || "", placeholder: "资产编号" });
  const form = h("form", { class: "toolbar", onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams([["status", status.value], ["shareable", shareable.value], ["asset_code", code.value.trim()]].filter(([, v]) => v));
    location.hash = `#/cards?${q}`;
  } }, field("资产状态", status), field("是否共享共用", shareable), field("资产编号", code), h("button", { class: "primary", type: "submit", style: "align-self:flex-end" }, "查询"));
  const [cards, refs] = await Promise.all([
    api("/cards", { query: { status: params.status, shareable: params.shareable, asset_code: params.asset_code, limit: 500 } }),
    references()]);
  const depts = refs.unit;
  const operator = isUnitOperator(me);
  const many = seesManyUnits(me) || new Set(cards.map((c) => c.unit_id)).size > 1;
  const labels = !seesManyUnits(me);
  let tbl = null;
  const printButton = labels ? h("button", { onclick: () => printLabels([...tbl.selected].map(Number)) }, "打印标签") : null;
  tbl = table([
    { label: "资产编号", value: (c) => c.asset_code },
    { label: "资产名称", value: (c) => c.name },
    ...(many ? [{ label: "所属单位", value: (c) => depts[c.unit_id] }] : []),
    { label: "资产分类", value: (c) => h("span", { title: c.category_code }, refs.category[c.category_code] ? `${c.category_code} ${refs.category[c.category_code]}` : c.category_code) },
    { label: "使用部门", value: (c) => depts[c.department_id] },
    { label: "存放地点", value: (c) => c.location },
    { label: "资产状态", value: (c) => badge(c.status_label, c.status === "idle" ? "warn" : c.status === "in_use" ? "ok" : "") },
    { label: "是否共享共用", value: (c) => (c.shareable ? "是" : "否") },
    { label: "资产数量/面积", value: (c) => fmtQty(c) },
    { label: "照片", value: (c) => (c.has_photo ? "有" : badge("无照片", "warn")) },
    { label: "操作", class: "actions", value: (c) => [
      h("button", { class: "link", onclick: () => showCard(c.id) }, "查看"),
      operator && c.unit_id === me.unit_id ? h("button", { class: "link", onclick: () => proposeChange(c, reload) }, "卡片变动") : null,
      operator && c.unit_id === me.unit_id ? h("button", { class: "link", onclick: () => uploadPhoto(c, reload) }, "上传照片") : null,
    ] },
  ], cards, { empty: "没有符合条件的资产卡片", selectable: labels });
  root.replaceChildren(pageHead("资产卡片", printButton), form, tbl);
}
