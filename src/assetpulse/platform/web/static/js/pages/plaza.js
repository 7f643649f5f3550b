// 调剂广场 / 共享广场 / 需求广场: 本地区 and 全国 tabs, picture view by default (list view
// for demands), filters, photo zoom, detail dialog, export of chosen rows, and on the
// adjustment plaza 加入预选资产 / 我的预选资产. 发布需求 follows the manual's user-type rule:
// local tab for user types 002 and 003, national tab for 003 only.
import { api, download, itemsOf } from "../api.js";
import { authPhoto, references } from "../fields.js";
import { badge, dialog, field, fmtQty, fmtTime, h, pageHead, table, tabs, toast } from "../ui.js";
import { isOperator } from "../roles.js";
import { listingDetail } from "./listing_detail.js";

const TITLE = { adjust: "调剂广场", share: "共享广场", demand: "需求广场" };
export function mayPublishDemand(me, tab, caps) {
  if (caps) return tab === "local" ? caps.publish_demand_local : caps.publish_demand_national;
  return tab === "local" ? ["002", "003"].includes(me.user_type) : me.user_type === "003";
}

function stateBadge(row) {
  const text = row.kind_state_text || row.state_text;
  return badge(text, row.state === "listed" ? "ok" : "info");
}

// through the listing: other units may see a listed asset's photo, not its card
function photoUrl(row) {
  return row.photo_id ? `/listings/${row.id}/photos/${row.photo_id}` : null;
}

/** 财政区划 filter as a code prefix: 460000 covers the province, 460100 the city. */
export function regionPrefix(code) {
  let c = code || "";
  while (c.length > 2 && c.endsWith("00")) c = c.slice(0, -2);
  return c;
}

const regionOf = (r) => (r.region_name ? `${r.region_name}` : r.region_code);

export async function render(root, { args, params, me }) {
  const plaza = args[0];
  const tab = params.tab === "national" ? "national" : "local";
  const view = params.view || (plaza === "demand" ? "list" : "picture");
  const refs = await references();
  const pageNo = Math.max(1, Number(params.page) || 1);
  const go = (patch) => {
    const q = new URLSearchParams({ ...params, ...patch });
    location.hash = `#/plaza/${plaza}?${q}`;
  };

  const region = h("select", { name: "region" }, h("option", { value: "" }, "全部财政区划"),
    refs.regions.map((r) => h("option", { value: r.code, selected: r.code === params.region }, `${r.name}（${r.code}）`)));
  const category = h("select", { name: "category" }, h("option", { value: "" }, "全部资产分类"),
    refs.categories.map((c) => h("option", { value: c.code, selected: c.code === params.category }, `${c.code} ${c.name}`)));
  const keyword = h("input", { name: "keyword", placeholder: "资产名称、编号或单位", value: params.keyword || "" });
  const filters = h("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); go({ region: region.value, category: category.value, keyword: keyword.value.trim(), page: 1 }); } },
    field("财政区划", region), field("资产分类", category), field("关键字", keyword),
    h("button", { class: "primary", type: "submit", style: "align-self:flex-end" }, "查询"));

  const data = await api("/listings", { query: { plaza, tab, region: regionPrefix(params.region), category: params.category, keyword: params.keyword, page: pageNo, page_size: 60 } });
  const rows = itemsOf(data);
  const chosen = new Set();
  const mayPreselect = plaza === "adjust" && (!data.capabilities || data.capabilities.preselect);
  // the user's own preselections carry 已预选 on the plaza (GET /preselections: listing ids)
  const preselected = new Set(mayPreselect ? itemsOf(await api("/preselections", { quiet: true }).catch(() => [])).map((r) => r.id) : []);
  const preMark = (r) => (preselected.has(r.id) ? badge("已预选", "info") : null);

  const actions = [];
  if (plaza !== "demand") {
    actions.push(h("button", { onclick: () => go({ view: view === "picture" ? "list" : "picture" }) },
      view === "picture" ? "切换成列表" : "切换成图示"));
  }
  if (mayPreselect) {
    actions.push(h("button", { class: "primary", onclick: () => addToPreselection([...selectedIds()]) }, "加入预选资产"));
    actions.push(h("button", { onclick: () => showPreselections() }, "我的预选资产"));
  }
  // the user-type rule of the manual, and publishing is the operators' (经办岗) business
  if (plaza === "demand" && mayPublishDemand(me, tab, data.capabilities) && isOperator(me)) {
    actions.push(h("button", { class: "primary", onclick: () => { location.hash = "#/bills/demand/publish?new=1"; } }, "发布需求"));
  }
  actions.push(h("button", { onclick: () => exportRows() }, "导出"));

  let listTable = null;
  const selectedIds = () => (listTable ? listTable.selected : chosen);

  async function exportRows() {
    const ids = [...selectedIds()];
    if (view !== "list" && plaza !== "demand") {
      toast("请先切换成列表，再勾选要导出的数据。", "error");
      return;
    }
    if (!ids.length) {
      toast("请先勾选要导出的数据。", "error");
      return;
    }
    const resp = await api("/listings/export", { query: { ids, format: "xlsx" }, raw: true });
    await download(resp, `${TITLE[plaza]}.xlsx`);
    toast(`已导出 ${ids.length} 条数据。`, "ok");
  }

  async function addToPreselection(ids) {
    if (!ids.length) {
      toast("请先选择要加入预选的资产。", "error");
      return;
    }
    await api("/preselections", { method: "POST", json: { listing_ids: ids } });
    toast(`已加入预选资产（${ids.length} 项）。`, "ok");
    // the chosen stay chosen (the server refuses a second time); each now carries 已预选
    for (const id of ids) {
      if (preselected.has(id)) continue;
      preselected.add(id);
      root.querySelectorAll(`[data-pre="${id}"]`).forEach((el) => el.append(" ", badge("已预选", "info")));
    }
  }

  async function showPreselections() {
    const body = h("div");
    const load = async () => {
      const items = itemsOf(await api("/preselections"));
      body.replaceChildren(table([
        { label: "资产名称", value: (r) => r.name },
        { label: "资产编号", value: (r) => r.asset_code },
        { label: "所属单位", value: (r) => r.unit_name },
        { label: "调剂状态", value: (r) => stateBadge(r) },
        { label: "加入时间", value: (r) => fmtTime(r.added_at) },
        { label: "操作", class: "actions", value: (r) => h("button", { class: "link", onclick: async () => {
          await api(`/preselections/${r.id}`, { method: "DELETE" });
          toast("已取消预选。", "ok");
          await load();
        } }, "取消预选") },
      ], items, { empty: "还没有预选资产" }));
    };
    await load();
    dialog("我的预选资产", body);
  }

  const detail = (r) => h("button", { class: "link", onclick: () => listingDetail(r, plaza) }, "查看详情");
  const columns = plaza === "demand" ? [
    { label: "需求标题", value: (r) => r.name },
    { label: "资产分类", value: (r) => r.category_name || r.category_code },
    { label: "财政区划", value: regionOf },
    { label: "资产数量/面积", value: (r) => fmtQty(r) },
    { label: "需求发布方单位", value: (r) => r.unit_name },
    { label: "需求状态", value: (r) => stateBadge(r) },
    { label: "调剂共享审核状态", value: (r) => r.review_code_text },
    { label: "发布时间", value: (r) => fmtTime(r.listed_at) },
    { label: "操作", value: detail },
  ] : [
    { label: "资产照片", value: (r) => (photoUrl(r) ? authPhoto(photoUrl(r), r.name, "thumb") : "暂无照片") },
    { label: "资产名称", value: (r) => h("span", { dataset: { pre: r.id } }, r.name, preMark(r) ? " " : null, preMark(r)) },
    { label: "财政区划", value: regionOf },
    { label: "资产编号", value: (r) => r.asset_code },
    { label: plaza === "adjust" ? "调剂状态" : "共享状态", value: (r) => stateBadge(r) },
    { label: "资产数量/面积", value: (r) => fmtQty(r) },
    { label: "所属单位", value: (r) => r.unit_name },
    { label: "调剂共享审核状态", value: (r) => r.review_code_text },
    { label: "操作", value: detail },
  ];

  let content;
  if (view === "list" || plaza === "demand") {
    listTable = table(columns, rows, { selectable: true, empty: "暂无可展示的数据" });
    content = listTable;
  } else if (!rows.length) {
    content = h("p", { class: "empty" }, "暂无可展示的数据");
  } else {
    content = h("div", { class: "tiles" }, rows.map((r) => {
      const url = photoUrl(r);
      const box = h("input", { type: "checkbox", "aria-label": `选择 ${r.name}` });
      const tile = h("div", { class: "tile", dataset: { id: r.id } },
        h("div", { class: "photo" }, url ? authPhoto(url, r.name) : "暂无照片"),
        h("div", { class: "body" },
          h("div", { class: "name", dataset: { pre: r.id } }, r.name, preMark(r) ? " " : null, preMark(r)),
          h("div", { class: "meta" }, `财政区划：${regionOf(r) || "—"}`),
          h("div", { class: "meta" }, `资产编号：${r.asset_code || "—"}`),
          h("div", { class: "meta" }, `${plaza === "adjust" ? "调剂" : "共享"}状态：`, stateBadge(r)),
          h("div", { class: "meta" }, `资产数量/面积：${fmtQty(r) || "—"}`),
          h("div", { class: "meta" }, `所属单位：${r.unit_name || "—"}`)),
        h("div", { class: "foot" }, h("label", {}, box, " 选择"), h("span", { class: "spacer" }), detail(r)));
      box.addEventListener("change", () => {
        if (box.checked) chosen.add(r.id); else chosen.delete(r.id);
        tile.classList.toggle("selected", box.checked);
      });
      return tile;
    }));
  }

  const total = data.total === null || data.total === undefined ? `${rows.length}+` : `${data.total}${data.total_capped ? "+" : ""}`;
  root.replaceChildren(
    pageHead(TITLE[plaza], ...actions),
    tabs([["local", "本地区"], ["national", "全国"]], tab, (t) => go({ tab: t, page: 1 })),
    filters,
    content,
    h("div", { class: "toolbar" }, h("span", { class: "evidence" }, `共 ${total} 条`), h("span", { class: "spacer" }),
      pageNo > 1 ? h("button", { onclick: () => go({ page: pageNo - 1 }) }, "上一页") : null,
      data.has_more ? h("button", { onclick: () => go({ page: pageNo + 1 }) }, "下一页") : null),
  );
}

