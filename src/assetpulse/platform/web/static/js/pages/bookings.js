// 共享预约: the bookings of the viewer's unit, as borrower (借用) and as owner (出借). The
// owner approves or declines; at handover and at return each side confirms with the
// condition it found and photos; while on loan the monitor's measured use is shown.
import { api } from "../api.js";
import { authPhoto } from "../fields.js";
import { badge, field, fmtTime, h, kv, pageHead, table, tabs, toast } from "../ui.js";

const STATE_KIND = { requested: "warn", approved: "info", handed_over: "info", returned: "ok", declined: "", cancelled: "" };

export async function render(root, { args, params, me }) {
  document.title = "共享预约 - 资产调剂共享平台";
  if (args[0]) return renderBooking(root, Number(args[0]), me);
  const side = ["owner", "borrower"].includes(params.side) ? params.side : "";
  const rows = await api("/bookings", { query: { side: side || undefined } });
  root.replaceChildren(
    pageHead("共享预约"),
    tabs([["", "全部"], ["borrower", "我借用的"], ["owner", "我出借的"]], side, (k) => { location.hash = k ? `#/bookings?side=${k}` : "#/bookings"; }),
    table([
      { label: "预约单号", value: (b) => h("a", { href: `#/bookings/${b.id}` }, b.booking_no) },
      { label: "资产", value: (b) => b.asset_name },
      { label: "出借方", value: (b) => b.owner_unit_name },
      { label: "借用方", value: (b) => b.borrower_unit_name },
      { label: "时段", value: (b) => `${fmtTime(b.start)} 至 ${fmtTime(b.end)}` },
      { label: "状态", value: (b) => badge(b.state_text, STATE_KIND[b.state]) },
    ], rows, { empty: "暂无共享预约" }));
}

async function renderBooking(root, id, me) {
  const b = await api(`/bookings/${id}`);
  const reload = () => renderBooking(root, id, me);
  const post = async (action, json) => {
    await api(`/bookings/${id}/${action}`, { method: "POST", json });
    await reload();
  };
  const owner = b.my_side === "owner";
  const actions = [];
  if (owner && b.state === "requested") {
    const reason = h("input", { "aria-label": "拒绝原因", placeholder: "拒绝原因", maxlength: "300" });
    actions.push(h("button", { class: "primary", onclick: () => post("approve").catch(() => {}) }, "同意"),
      reason, h("button", { onclick: () => post("decline", { reason: reason.value }).catch(() => {}) }, "拒绝"));
  }
  if (!owner && ["requested", "approved"].includes(b.state)) {
    actions.push(h("button", { onclick: () => post("cancel").catch(() => {}) }, "取消预约"));
  }
  const step = b.state === "approved" ? "handover" : b.state === "handed_over" ? "return" : null;
  const confirmed = step && b.confirmations.some((c) => c.step === step && c.side === b.my_side);
  let confirmBox = null;
  if (step && !confirmed) {
    const word = step === "handover" ? "交接" : "归还";
    const note = h("textarea", { rows: "2", maxlength: "500" });
    const file = h("input", { type: "file", accept: "image/jpeg,image/png,image/webp", multiple: true });
    const confirmStep = async () => {
      for (const f of file.files) {
        const form = new FormData();
        form.append("step", step);
        form.append("file", f);
        await api(`/bookings/${id}/photos`, { method: "POST", form });
      }
      await post("confirm", { step, condition_note: note.value });
      toast(`已确认${word}`, "ok");
    };
    confirmBox = h("div", { class: "card" }, h("h3", {}, `确认${word}`),
      h("div", { class: "form-grid" }, field("资产状况", note, "wide"), field("照片", file, "wide")),
      h("div", { class: "toolbar" }, h("button", { class: "primary", onclick: () => confirmStep().catch(() => {}) }, `确认${word}`)));
  }
  const u = b.usage;
  const usage = !u ? null : !u.has_sensors
    ? h("p", { class: "evidence" }, "该资产借用期间没有绑定传感器，无法显示使用量。")
    : h("div", {}, kv([
      ["监测时段", `${fmtTime(u.from)} 至 ${fmtTime(u.to)}`],
      ["使用时长", `${(u.in_use_hours || 0).toFixed(1)} 小时`],
      ["使用次数", String(u.sessions || 0)],
      ["有数据的小时数", String(u.hours_with_data || 0)],
    ]), table([
      { label: "日期", value: (d) => d.day },
      { label: "使用时长（小时）", value: (d) => (d.in_use_hours || 0).toFixed(1) },
      { label: "使用次数", value: (d) => String(d.sessions || 0) },
    ], u.by_day || [], { rowKey: (d) => d.day, empty: "借用期间没有监测数据" }));
  root.replaceChildren(
    pageHead(`共享预约 ${b.booking_no}`, h("a", { href: "#/bookings" }, "返回列表")),
    kv([
      ["资产", `${b.asset_name}（${b.asset_code || ""}）`], ["出借方", b.owner_unit_name], ["借用方", b.borrower_unit_name],
      ["申请人", b.requested_by_name], ["时段", `${fmtTime(b.start)} 至 ${fmtTime(b.end)}`], ["用途", b.purpose],
      ["状态", badge(b.state_text, STATE_KIND[b.state])], ["拒绝原因", b.decline_reason],
    ]),
    actions.length ? h("div", { class: "toolbar" }, actions) : null,
    confirmBox,
    h("h3", {}, "交接与归还确认"),
    table([
      { label: "环节", value: (c) => c.step_text }, { label: "确认方", value: (c) => c.side_text },
      { label: "确认人", value: (c) => c.confirmed_by_name }, { label: "时间", value: (c) => fmtTime(c.confirmed_at) },
      { label: "资产状况", value: (c) => c.condition_note },
    ], b.confirmations, { rowKey: (c) => `${c.step}-${c.side}`, empty: "尚无确认" }),
    b.photos.length ? h("div", { class: "toolbar" }, b.photos.map((p) => authPhoto(`/bookings/${id}/photos/${p.id}`, "交接照片", "thumb"))) : null,
    u ? h("h3", {}, "借用期间的使用情况（动态监管）") : null, usage);
}

/** The listing's 共享预约 section: its calendar, and for another unit's operator a request. */
export async function bookingSection(listingId, me, ownUnit) {
  const rows = await api(`/listings/${listingId}/bookings`);
  const cal = table([
    { label: "开始", value: (r) => fmtTime(r.start) },
    { label: "结束", value: (r) => fmtTime(r.end) },
    { label: "状态", value: (r) => badge(r.state_text, STATE_KIND[r.state]) },
    { label: "借用方", value: (r) => (r.id ? h("a", { href: `#/bookings/${r.id}`, onclick: closeDialog }, r.borrower_unit_name) : "其他单位") },
  ], rows, { rowKey: (r) => `${r.start}`, empty: "暂无预约，可选择任意时段" });
  const parts = [h("h3", {}, "共享预约日历"), monthGrid(rows), h("div", { class: "booking-calendar" }, cal)];
  if (!ownUnit && me && (me.roles || []).includes("operator")) {
    const start = h("input", { type: "datetime-local", "aria-label": "预约开始" });
    const end = h("input", { type: "datetime-local", "aria-label": "预约结束" });
    const purpose = h("input", { maxlength: "300", "aria-label": "用途" });
    const zoned = (v) => (v ? new Date(v).toISOString() : "");
    const submit = async (e) => {
      const button = e.target;
      const b = await api(`/listings/${listingId}/bookings`, { method: "POST", json: { start: zoned(start.value), end: zoned(end.value), purpose: purpose.value } });
      toast(`已提交预约 ${b.booking_no}，等待出借方同意`, "ok");
      closeDialog({ target: button });
      location.hash = `#/bookings/${b.id}`;
    };
    parts.push(h("div", { class: "form-grid" }, field("开始时间", start), field("结束时间", end), field("用途", purpose)),
      h("div", { class: "toolbar" }, h("button", { class: "primary", type: "button", onclick: (e) => submit(e).catch(() => {}) }, "申请预约")));
  }
  return h("section", {}, parts);
}

/** The next five weeks, a day marked when a holding booking covers any of it (Beijing days,
 * as the browser shows them); the list under it gives the exact times. */
function monthGrid(rows) {
  const day0 = new Date();
  day0.setHours(0, 0, 0, 0);
  day0.setDate(day0.getDate() - ((day0.getDay() + 6) % 7)); // from this week's Monday
  const held = rows.filter((r) => r.state !== "returned").map((r) => [new Date(r.start), new Date(r.end)]);
  const cells = [];
  for (let i = 0; i < 35; i += 1) {
    const d = new Date(day0);
    d.setDate(day0.getDate() + i);
    const next = new Date(d);
    next.setDate(d.getDate() + 1);
    const busy = held.some(([s, e]) => s < next && e > d);
    cells.push(h("div", {
      class: busy ? "day booked" : "day",
      title: busy ? "已有预约" : "空闲",
      style: `padding:4px;text-align:center;border-radius:4px;font-size:12px;${busy ? "background:#f8d7a8;font-weight:600" : "background:#eef2f6"}`,
    }, `${d.getMonth() + 1}/${d.getDate()}`));
  }
  const names = ["一", "二", "三", "四", "五", "六", "日"].map((n) => h("div", { style: "text-align:center;font-size:12px;color:#667" }, n));
  return h("div", { class: "month-grid", "aria-label": "预约日历", style: "display:grid;grid-template-columns:repeat(7,1fr);gap:3px;max-width:420px;margin-bottom:8px" }, names, cells);
}

/** Leaving the listing's detail for a booking: the dialog goes with it. */
function closeDialog(e) {
  const dlg = e.target && e.target.closest && e.target.closest("dialog");
  if (dlg) { dlg.close(); dlg.remove(); }
}
