// 查看详情 of a plaza item, in the manual's order: 送审方信息, 接收方 / 提供方信息, 卡片详情
// (for demands: the demand's own fields), 附件列表, and the photos (click to enlarge); a live
// listing's 匹配资产 / 匹配需求 opens the matching (pages/matches.js).
import { api } from "../api.js";
import { authPhoto } from "../fields.js";
import { dialog, fmtQty, fmtTime, h, kv } from "../ui.js";
import { attachmentList } from "./bills.js";
import { matchable, matchesLabel, showMatches } from "./matches.js";

const WORD = { adjust: "调剂", share: "共享", demand: "需求" };
const DEMAND_TYPE = { adjust: "调剂", share: "共享" };
const URGENCY = { normal: "一般", urgent: "紧急", very_urgent: "非常紧急" };

export async function listingDetail(row, plaza) {
  const d = await api(`/listings/${row.id}`);
  const l = d.listing;
  const word = WORD[plaza] || "";
  const parts = [
    h("h3", {}, `${word}送审方信息`),
    kv([
      ["单位", d.publisher.unit_name],
      ["发布单号", d.publisher.bill_no],
      ["联系人", d.publisher.contact_name],
      ["联系电话", d.publisher.contact_phone],
      ["单位地址", d.publisher.address],
      ["财政区划", l.region_name ? `${l.region_name}（${l.region_code}）` : l.region_code],
      ["调剂共享审核状态", l.review_code_text],
      ["状态", l.kind_state_text || l.state_text],
      ["发布时间", fmtTime(l.listed_at)],
    ]),
    h("h3", {}, plaza === "demand" ? "需求接收方信息（资产提供方）" : `${word}接收方信息`),
    kv([
      [`${d.counterpart.role_text}单位名称`, d.counterpart.unit_name || "尚未登记"],
      ...(plaza === "adjust" ? [["调剂方式", d.counterpart.method_text]] : []),
      // 共享补偿 (条例第十八条), recorded with 登记共享结果
      ...(l.result && l.result.compensation ? [["共享补偿", l.result.compensation.text]] : []),
    ]),
  ];
  if (d.demand) {
    parts.push(h("h3", {}, "需求信息"), kv([
      ["需求标题", d.demand.title || l.name],
      ["需求类型", DEMAND_TYPE[d.demand.demand_type] || d.demand.demand_type],
      ["需求描述", d.demand.description],
      ["资产分类", l.category_name ? `${l.category_name}（${l.category_code}）` : l.category_code],
      ["资产数量/面积", fmtQty(l)],
      ["期望到货日期", d.demand.expected_arrival],
      ["需求结束日期", d.demand.end_date],
      ["紧急程度", URGENCY[d.demand.urgency] || d.demand.urgency],
      ["单位会计科目", d.demand.accounting_subject],
      ["需求创建人", d.demand.creator_name],
      ["需求经办人", d.demand.handler_name],
    ]));
  }
  if (d.card) {
    const c = d.card;
    parts.push(h("h3", {}, "卡片详情"), kv([
      ["资产名称", c.name],
      ["资产编号", c.asset_code],
      ["资产分类", l.category_name ? `${l.category_name}（${c.category_code}）` : c.category_code],
      ["资产状态", c.status_text],
      ["是否共享共用", c.shareable ? "是" : "否"],
      ["资产数量/面积", fmtQty(c)],
      ["品牌 / 型号", [c.brand, c.model].filter(Boolean).join(" / ")],
      ["规格", c.spec],
      ["原值（元）", c.original_value],
      ["净值（元）", c.net_value],
      ["取得日期", c.acquired_on],
      ["存放地点", c.location],
      ["使用方向", c.usage_direction],
    ]));
  }
  if (d.photo_ids && d.photo_ids.length) {
    parts.push(h("h3", {}, "资产照片"), h("div", { class: "toolbar" },
      d.photo_ids.map((id) => authPhoto(`/listings/${l.id}/photos/${id}`, l.name, "thumb"))));
  }
  parts.push(h("h3", {}, "附件列表"), d.attachments && d.attachments.length
    ? h("ul", {}, d.attachments.map((a) => h("li", {}, attachmentList([a]))))
    : h("p", { class: "evidence" }, "无附件"));
  // the publisher's operators see which demand units were told of the asset (issue 17.6)
  const told = l.kind !== "demand" && !l.read_only
    ? await api(`/listings/${l.id}/notified`, { quiet: true }).catch(() => null) : null;
  if (told && told.length) {
    parts.push(h("h3", {}, "已通知的需求单位"), h("ul", { class: "told" }, told.map((t) => h("li", {},
      `${t.unit_name}：需求“${t.demand_name}”，匹配度 ${Math.round(t.score * 100)}%`,
      t.read_at ? "（已读）" : "（未读）"))));
  }
  if (l.kind === "share" && !l.read_only) {
    // 共享预约 (issue 17.4): the calendar, and a request for another unit's operator
    const [{ bookingSection }, { session }] = await Promise.all([import("./bookings.js"), import("../main.js")]);
    const me = session.me;
    parts.push(await bookingSection(l.id, me, !!me && me.unit_id === l.unit_id));
  }
  // 匹配资产 / 匹配需求 (issue 16): the matching opens in place of the detail
  const actions = matchable(l) ? [{ label: matchesLabel(l), action: () => showMatches(l) }] : [];
  dialog(`${l.name} — 详情`, h("div", {}, parts), actions);
}
