// Small DOM helpers shared by every page: element builder, toasts, dialogs, tables, tabs
// and the Chinese labels of codes the API returns.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "html") el.innerHTML = v;
    else if (v === true) el.setAttribute(k, "");
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function toast(message, kind = "info", detail = "") {
  const box = document.getElementById("toasts");
  const el = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" },
    kind === "error" ? h("strong", {}, message) : message,
    detail ? h("small", {}, detail) : null);
  box.append(el);
  setTimeout(() => el.remove(), kind === "error" ? 8000 : 3500);
  return el;
}

/** Every API error reaches the user with the server's own Chinese message. */
export function showError(err) {
  const code = err && err.code && !String(err.code).startsWith("HTTP_") ? `错误代码：${err.code}` : "";
  toast((err && err.message) || "操作失败，请稍后重试。", "error", code);
}

export function dialog(title, body, buttons = [], opts = {}) {
  const dlg = h("dialog", { class: opts.class || "" });
  const close = () => { dlg.close(); dlg.remove(); };
  const foot = h("div", { class: "dlg-foot" });
  for (const b of buttons) {
    foot.append(h("button", {
      class: b.primary ? "primary" : b.danger ? "danger" : "",
      onclick: async () => {
        if (!b.action) return close();
        try {
          const keep = await b.action(dlg);
          if (keep !== true) close();
        } catch (err) {
          if (!err || err.status === undefined) console.error(err);
        }
      },
    }, b.label));
  }
  foot.append(h("button", { onclick: close }, opts.closeLabel || "关闭"));
  dlg.append(
    h("div", { class: "dlg-head" }, h("h3", {}, title), h("button", { class: "link", "aria-label": "关闭", onclick: close }, "✕")),
    h("div", { class: "dlg-body" }, body),
    foot,
  );
  dlg.addEventListener("cancel", (e) => { e.preventDefault(); close(); });
  document.body.append(dlg);
  dlg.showModal();
  // showModal focuses the first focusable element, the ✕; a form starts at its first field
  const first = dlg.querySelector(".dlg-body :is(input:not([type=hidden]):not([type=checkbox]), select, textarea):not([disabled])");
  if (first) first.focus({ preventScroll: true });
  return { dlg, close };
}

export function zoomPhoto(src, alt) {
  const close = () => { dlg.close(); dlg.remove(); };
  const dlg = h("dialog", { class: "zoom", onclick: close },
    h("button", {
      class: "zoom-close", type: "button", "aria-label": "关闭", title: "关闭", onclick: close,
      style: "position:absolute;top:8px;right:8px;min-width:40px;min-height:40px;font-size:20px;background:rgba(255,255,255,.9);border-radius:50%",
    }, "✕"),
    h("img", { src, alt: alt || "资产照片" }));
  dlg.addEventListener("cancel", (e) => { e.preventDefault(); close(); });
  document.body.append(dlg);
  dlg.showModal();
}

export function confirmDialog(title, text, label = "确定") {
  return new Promise((resolve) => {
    const { dlg } = dialog(title, h("p", {}, text), [{ label, primary: true, action: () => resolve(true) }], { closeLabel: "取消" });
    dlg.addEventListener("close", () => resolve(false));
  });
}

/** A table; columns: [{label, value: row => text|Node}]; selectable adds check boxes.
 * Each cell carries its column's label (data-label): at phone width the rows are drawn as
 * cards, one "label value" line per cell, so no column (操作 last) is cut off. */
export function table(columns, rows, { selectable = false, rowKey = (r) => r.id, empty = "暂无数据" } = {}) {
  const selected = new Set();
  const head = h("tr", {}, selectable ? h("th", { class: "select" }, h("input", {
    type: "checkbox", "aria-label": "全选",
    onchange: (e) => {
      wrap.querySelectorAll("tbody input[type=checkbox]").forEach((cb) => {
        cb.checked = e.target.checked;
        cb.dispatchEvent(new Event("change"));
      });
    },
  })) : null, columns.map((c) => h("th", {}, c.label)));
  const body = h("tbody");
  if (!rows.length) body.append(h("tr", {}, h("td", { colspan: columns.length + (selectable ? 1 : 0), class: "empty" }, empty)));
  for (const r of rows) {
    const key = rowKey(r);
    body.append(h("tr", { dataset: { key } },
      selectable ? h("td", { class: "select", "data-label": "选择" }, h("input", {
        type: "checkbox", "aria-label": "选择",
        onchange: (e) => (e.target.checked ? selected.add(key) : selected.delete(key)),
      })) : null,
      columns.map((c) => {
        const v = c.value(r);
        return h("td", { class: c.class || "", "data-label": c.label }, v === undefined || v === null || v === "" ? "—" : v);
      })));
  }
  const wrap = h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, head), body));
  wrap.selected = selected;
  return wrap;
}

export function tabs(items, current, onPick) {
  return h("div", { class: "tabs", role: "tablist" }, items.map(([key, label]) =>
    h("button", { role: "tab", class: key === current ? "active" : "", "aria-selected": String(key === current), onclick: () => onPick(key) }, label)));
}

export function field(label, input, cls = "") {
  return h("label", { class: `field ${cls}` }, h("span", {}, label), input);
}

export function kv(pairs) {
  return h("dl", { class: "kv" }, pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v === undefined || v === null || v === "" ? "—" : v)]));
}

export function badge(text, kind = "") {
  return h("span", { class: `badge ${kind}` }, text);
}

export const CARD_STATUS = {
  in_use: "在用", idle: "闲置", pending_disposal: "待处置", leased: "出租出借",
  under_repair: "维修中", disposed: "已处置", split: "已拆分",
};

export function fmtTime(v) {
  if (!v) return "";
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fmtQty(row) {
  if (row.area !== undefined && row.area !== null && row.area !== "") return `${row.area} 平方米`;
  if (row.quantity !== undefined && row.quantity !== null && row.quantity !== "") return `${row.quantity} ${row.measure_unit || ""}`.trim();
  return "";
}

export function pageHead(title, ...actions) {
  return h("div", { class: "page-head" }, h("h2", {}, title), ...actions);
}

/** 共 N 条 · 第 x/y 页 with 上一页 / 下一页 under a server-paged list
 * ({items, total, page, page_size, has_more}); go(n) shows page n. */
export function pager(data, go) {
  const pages = Math.max(1, Math.ceil((data.total || 0) / (data.page_size || 1)));
  return h("div", { class: "toolbar pager" },
    h("span", { class: "evidence", "data-total": String(data.total) }, `共 ${data.total} 条 · 第 ${data.page}/${pages} 页`),
    h("span", { class: "spacer" }),
    data.page > 1 ? h("button", { type: "button", onclick: () => go(data.page - 1) }, "上一页") : null,
    data.has_more ? h("button", { type: "button", onclick: () => go(data.page + 1) }, "下一页") : null);
}

/** The page number in a route's query (1 when absent or not a number). */
export function pageOf(params) {
  return Math.max(1, Number(params && params.page) || 1);
}
