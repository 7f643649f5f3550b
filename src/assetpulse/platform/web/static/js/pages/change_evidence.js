// What a reviewer approves, shown in the approval dialog of 卡片变动 and in a bill's 查看详情:
// each changed field as 当前值 → 变动后, the uploaded photo beside the card's current ones,
// and for a change proposed from an idle suggestion the usage evidence it rests on.
import { api, itemsOf } from "../api.js";
import { authPhoto, references } from "../fields.js";
import { CARD_STATUS, h, table } from "../ui.js";
import { evidenceBlock, ruleNames } from "./monitor.js";

const EVIDENCE_LINES = 12;
const FIELD = { status: "资产状态", shareable: "是否共享共用", location: "存放地点", department_id: "使用部门", photo_id: "照片" };

function shown(field, value, refs) {
  if (value === undefined || value === null || value === "") return "—";
  if (field === "status") return CARD_STATUS[value] || value;
  if (field === "shareable") return value ? "是" : "否";
  if (field === "department_id") return refs.unit[value] || String(value);
  return String(value);
}

function photos(card, ids, label) {
  return h("div", { class: "photo-compare" }, h("div", { class: "evidence" }, label),
    ids.length ? h("div", { class: "toolbar" }, ids.map((id) => {
      const img = authPhoto(`/cards/${card.id}/photos/${id}`, card.name, "compare-photo");
      img.style.cssText = "max-width:220px;max-height:165px;object-fit:contain;cursor:zoom-in;border-radius:4px";
      return img;
    }))
      : h("span", { class: "no-photo" }, "无照片"));
}

/** The body of the approval dialog for the card change ``ch``. */
export async function changeEvidence(ch) {
  const [card, refs] = await Promise.all([api(`/cards/${ch.card_id}`), references()]);
  const rows = Object.entries(ch.changes || {}).filter(([k]) => k !== "photo_id").map(([k, v]) => ({ k, v }));
  const parts = [];
  if (rows.length) {
    parts.push(table([
      { label: "变动项目", value: (r) => FIELD[r.k] || r.k },
      { label: "当前值", value: (r) => shown(r.k, card[r.k], refs), class: "old-value" },
      { label: "", value: () => "→" },
      { label: "变动后", value: (r) => h("strong", {}, shown(r.k, r.v, refs)), class: "new-value" },
    ], rows, { rowKey: (r) => r.k }));
  }
  if (ch.changes && ch.changes.photo_id !== undefined) {
    const current = (card.photos || []).filter((p) => p.state === "attached").map((p) => p.id);
    parts.push(h("div", { class: "toolbar photo-change" },
      photos(card, current, "当前照片"), h("span", { style: "font-size:20px" }, "→"), photos(card, [ch.changes.photo_id], "上传的照片（待审核）")));
  }
  if (ch.origin === "suggestion" && ch.suggestion_id) {
    try {
      const [s, names] = await Promise.all([api(`/suggestions/${ch.suggestion_id}`, { quiet: true }), ruleNames()]);
      parts.push(h("h3", {}, "依据：闲置资产建议（传感器使用情况）"), evidenceBlock(s, names));
    } catch {
      parts.push(h("p", { class: "evidence" }, "该变动来自闲置资产建议，建议详情暂不可查看。"));
    }
  }
  parts.push(h("p", { class: "evidence" }, `${card.name}（${card.asset_code}）· 资产分类 ${card.category_code} ${refs.category[card.category_code] || ""} · 卡片版本 ${card.version}`));
  return h("div", { class: "change-evidence" }, parts);
}

/** For a bill's 查看详情 and its review: each line's photos and, for a bill opened from an
 * idle suggestion, the usage evidence behind it. */
export async function linesEvidence(b) {
  if (b.kind === "demand" || !b.lines.length) return null;
  const names = b.origin === "suggestion" ? await ruleNames() : {};
  // a long bill: the first lines with their photos, the rest are in the table above
  const shown = b.lines.slice(0, EVIDENCE_LINES);
  const blocks = await Promise.all(shown.map(async (l) => {
    const card = await api(`/cards/${l.card_id}`, { quiet: true }).catch(() => null);
    const ids = card ? (card.photos || []).filter((p) => p.state === "attached").map((p) => p.id) : [];
    const parts = [h("strong", {}, `${l.name}（${l.asset_code}）`), " ", l.card_status_text,
      card ? photos(card, ids, "资产照片") : null];
    if (b.origin === "suggestion") {
      const data = await api("/suggestions", { quiet: true, query: { card_id: l.card_id, state: "accepted", limit: 1 } }).catch(() => null);
      const s = data && itemsOf(data)[0];
      if (s) parts.push(evidenceBlock(s, names));
    }
    return h("div", { class: "card line-evidence", dataset: { card: l.card_id } }, parts);
  }));
  return h("div", {}, h("h3", {}, b.origin === "suggestion" ? "资产照片与使用情况（来自闲置资产建议）" : "资产照片"), blocks,
    b.lines.length > shown.length ? h("p", { class: "evidence" }, `另有 ${b.lines.length - shown.length} 项资产的照片未在此列出，请在【资产卡片】中查看。`) : null);
}
