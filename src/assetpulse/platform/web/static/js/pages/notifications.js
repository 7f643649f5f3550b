// 站内通知: what the unit was told — an idle asset published from a monitor suggestion that
// matches one of its open demands. Opening the page marks them read (the badge clears);
// 查看资产 opens the asset's detail as the plaza shows it.
import { api } from "../api.js";
import { refreshBadge } from "../main.js";
import { badge, fmtTime, h, pageHead } from "../ui.js";
import { listingDetail } from "./listing_detail.js";

export async function render(view) {
  const data = await api("/notifications");
  const list = data.items.length ? h("ul", { class: "notices" }, data.items.map((n) => h("li", { class: n.read_at ? "" : "unread" },
    h("div", { class: "notice-title" }, n.read_at ? null : badge("新", "warn"), " ", n.title),
    h("div", { class: "evidence" }, `${n.publisher_unit_name || ""} · ${fmtTime(n.created_at)} · 匹配度 ${Math.round(n.score * 100)}% · ${n.reasons.join("，")}`),
    h("div", { class: "toolbar" },
      h("button", { onclick: () => listingDetail({ id: n.listing_id }, n.listing_kind) }, "查看资产"),
      h("a", { href: `#/plaza/${n.listing_kind}` }, `前往${n.listing_kind === "share" ? "共享" : "调剂"}广场`)))))
    : h("p", { class: "empty" }, "暂无通知");
  view.replaceChildren(pageHead("站内通知"), list);
  if (data.unread) {
    await api("/notifications/read", { method: "POST", json: {} });
    await refreshBadge();
  }
}
