// 撮合匹配 (issue 16): a demand's best candidates — listed assets and the monitor's suggested
// ones — or a listed asset's matching demands, best first, with the score and its reasons.
// The server scores every candidate the viewer may see (名称、资产分类、财政区划、数量/面积),
// not only the newest; this view shows the best 50 and how many were compared. A national
// demand also meets other provinces' listings from MOF's downlink: marked with their origin
// province and read-only (查看详情 only; acting on them belongs to their own province).
import { api } from "../api.js";
import { badge, dialog, fmtQty, h, table } from "../ui.js";
import { listingDetail } from "./listing_detail.js";

export function matchesLabel(listing) {
  return listing.kind === "demand" ? "匹配资产" : "匹配需求";
}

/** Whether the listing can be matched: live here (not another province's read-only row). */
export function matchable(listing) {
  return listing.state === "listed" && !listing.read_only;
}

export async function showMatches(listing) {
  const d = await api(`/listings/${listing.id}/matches`);
  const demand = d.kind === "demand";
  const what = demand ? "资产" : "需求";
  const of = (m) => m.listing || m.suggested;
  const summary = h("p", { class: "evidence match-summary" },
    `已比对可见范围内的 ${d.considered ?? d.matches.length} 项${what}（名称、资产分类、财政区划、数量/面积综合评分），`
    + (d.matches.length ? `按匹配度列出最匹配的 ${d.matches.length} 项。` : `暂无匹配的${what}。`));
  const body = h("div", { class: "matches" }, summary, table([
    { label: "匹配度", value: (m) => h("strong", { class: "match-score" }, `${Math.round(m.score * 100)}%`) },
    { label: "来源", value: (m) => (m.read_only
      ? h("span", {}, m.source_text, " ", badge(`省份 ${m.origin_province} · 只读`, "info"))
      : m.source_text) },
    { label: demand ? "资产名称" : "需求标题", value: (m) => of(m).name },
    { label: "单位", value: (m) => of(m).unit_name },
    { label: "资产分类", value: (m) => of(m).category_name || of(m).category_code },
    { label: "财政区划", value: (m) => of(m).region_name || of(m).region_code },
    { label: "数量/面积", value: (m) => (m.listing ? fmtQty(m.listing) : "") },
    { label: "匹配原因", value: (m) => h("ul", { class: "match-reasons" }, m.reasons.map((r) => h("li", {}, r))) },
    { label: "操作", class: "actions", value: (m) => (m.listing
      ? h("button", { class: "link", onclick: () => listingDetail(m.listing, m.listing.kind) }, "查看详情")
      : h("span", { class: "evidence" }, "尚未发布")) },
  ], d.matches, {
    rowKey: (m) => (m.listing ? `l${m.listing.id}` : `s${m.suggested.suggestion_id}`),
    empty: `暂无匹配的${what}`,
  }));
  const { dlg } = dialog(`${matchesLabel(listing)} — ${listing.name}`, body);
  dlg.style.width = "min(1180px, 96vw)";  // a wide table; the CSSOM, not a style attribute (CSP)
}
