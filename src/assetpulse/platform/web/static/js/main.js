// Boot and route: the login page, the layout with the manual's menu, and a page per route.
// Routes live in the URL fragment (#/plaza/adjust?tab=national) so one shell serves all.
import { api, ApiError, getToken, setToken } from "./api.js";
import { forgetCaches } from "./fields.js";
import { MENU, ROUTES } from "./menu.js";
import { renderLogin } from "./pages/login.js";
import { landing, mayOpen, mayOpenHref } from "./roles.js";
import { h } from "./ui.js";

const app = document.getElementById("app");
export const session = { me: null };

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, qs] = raw.split("?");
  return { path, params: Object.fromEntries(new URLSearchParams(qs || "")) };
}

function navLink(item, top = false) {
  return h("a", { href: item.href, class: top ? "top" : "", dataset: { href: item.href } }, item.label);
}

// only the entries this user's roles may open (roles.js); a group left empty is not drawn
function renderMenu(me) {
  const nav = h("nav", { class: "menu", "aria-label": "功能菜单" });
  const open = (item) => mayOpenHref(me, item.href);
  for (const g of MENU) {
    if (g.href) { if (open(g)) nav.append(navLink(g, true)); continue; }
    const entries = [];
    for (const item of g.items) {
      if (item.href) { if (open(item)) entries.push(navLink(item)); continue; }
      const subs = item.items.filter(open);
      if (subs.length) entries.push(h("div", { class: "subtitle" }, item.label), h("div", { class: "sub" }, subs.map((x) => navLink(x))));
    }
    if (entries.length) nav.append(h("div", { class: "group" }, g.label), ...entries);
  }
  nav.addEventListener("click", (e) => { if (e.target.tagName === "A") document.body.classList.remove("menu-open"); });
  return nav;
}

/** 退出: the server ends the session's token (and every other one of this user), so a
 * copied token is worthless afterwards; the page forgets it either way. */
async function logout() {
  try {
    await api("/auth/logout", { method: "POST", quiet: true });
  } catch {
    // offline or already ended: forgetting the token locally is what matters here
  }
  setToken(null);
  session.me = null;
  location.hash = "#/login";
}

function renderLayout() {
  const me = session.me;
  const main = h("main", { id: "page" });
  app.replaceChildren(
    h("header", { class: "topbar" },
      h("button", { class: "menu-toggle", "aria-label": "菜单", onclick: () => document.body.classList.toggle("menu-open") }, "☰"),
      h("div", { class: "title" }, "资产调剂共享平台"),
      h("a", { href: "#/notifications", class: "bell", id: "bell", "aria-label": "站内通知", title: "站内通知" }, "通知", h("span", { class: "bell-count", hidden: true })),
      h("div", { class: "who" }, `${me.display_name}（${me.unit_name || me.username}）`),
      h("button", { onclick: logout }, "退出")),
    h("div", { class: "layout" }, renderMenu(me), main));
  return main;
}

/** The unread count of the unit's notifications on the bell (站内通知), on every route. */
export async function refreshBadge() {
  const count = document.querySelector("#bell .bell-count");
  if (!count) return;
  try {
    const { unread } = await api("/notifications?unread_only=true&limit=1", { quiet: true });
    count.textContent = unread > 99 ? "99+" : String(unread);
    count.hidden = !unread;
    document.getElementById("bell").setAttribute("aria-label", unread ? `站内通知（${unread} 条未读）` : "站内通知");
  } catch {
    // the bell is a hint: a failed count leaves it as it was
  }
}

async function loadMe() {
  const me = await api("/me");
  try {
    const units = await api("/units", { quiet: true });
    const unit = units.find((u) => u.id === me.unit_id);
    me.unit_name = unit ? unit.name : "";
    me.units = units;
  } catch {
    me.units = [];
  }
  session.me = me;
}

async function route() {
  const { path, params } = parseHash();
  // a dialog belongs to the page it was opened on (the back button closes it too)
  document.querySelectorAll("dialog").forEach((d) => { d.close(); d.remove(); });
  if (path === "/login" || !getToken()) {
    session.me = null;
    forgetCaches();
    renderLogin(app, async () => {
      try { await loadMe(); } catch { return; }
      location.hash = params.next || landing(session.me);
    });
    return;
  }
  if (!session.me) {
    try { await loadMe(); } catch { return; }
  }
  if (!document.getElementById("page")) renderLayout();
  refreshBadge();
  const main = document.getElementById("page");
  document.querySelectorAll("nav.menu a").forEach((a) => a.classList.toggle("active", path.startsWith(a.dataset.href.slice(1).split("?")[0])));
  const match = ROUTES.find((r) => r.pattern.test(path));
  if (!match) { location.hash = landing(session.me); return; }
  // Each visit renders into its own view: a slower earlier visit that finishes late
  // writes into a view no longer on screen instead of over the current page.
  const view = h("div", { class: "view" }, h("p", { class: "loading" }, "正在加载…"));
  main.replaceChildren(view);
  if (!mayOpen(session.me, path)) {
    // an old bookmark or a colleague's link: say so instead of a form that ends in 403
    view.replaceChildren(h("p", { class: "empty" }, "您的角色不能使用该页面。"), h("p", {}, h("a", { href: landing(session.me) }, "返回首页")));
    return;
  }
  try {
    const mod = await import(match.module);
    const args = path.match(match.pattern).slice(1);
    await mod.render(view, { args, params, me: session.me, route: match });
  } catch (err) {
    if (err && err.status !== undefined) {
      view.replaceChildren(h("p", { class: "empty" }, err.message));
    } else {
      console.error(err);
      view.replaceChildren(h("p", { class: "empty" }, "页面加载失败，请刷新后重试。"));
    }
  }
}

// A button's handler that lets an API error through has already shown its message (api.js);
// it is not a script fault, so it does not reach the console as one.
window.addEventListener("unhandledrejection", (e) => {
  if (e.reason instanceof ApiError) e.preventDefault();
});
window.addEventListener("hashchange", route);
route();
