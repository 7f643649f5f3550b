// 组织机构管理: the unit tree an administrator manages (a unit administrator: their unit and
// its departments; the system administrator: the province), the users of the chosen unit
// (new, edit, 停用/启用, 重置密码), the organisation import with its row report, and the
// change log (who, when, what, before → after). The server judges every action.
import { api, download, itemsOf } from "../api.js";
import { badge, dialog, field, fmtTime, h, pageHead, table, tabs, toast } from "../ui.js";

const ROLE = { operator: "经办岗", reviewer: "审核岗", asset_user: "资产使用人", admin: "管理员" };
const ACTION = { created: "新增", updated: "修改", deactivated: "停用", activated: "启用", password_reset: "重置密码", password_changed: "修改密码" };
const FIELD = {
  display_name: "姓名", username: "用户名", roles: "角色", department_id: "部门", unit_id: "单位",
  user_type: "用户类型", phone: "电话", active: "状态", must_change_password: "须修改密码",
  password: "密码", name: "名称", code: "编码", kind: "类型", address: "地址", region_code: "财政区划", parent_id: "上级单位",
};
// this page's own layout (app.css stays the shared look)
const TREE_UL = "list-style:none;padding-left:1em;margin:2px 0";
const SPLIT = "display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start";
const WRAP = "display:block;white-space:normal;min-width:12em;max-width:32em";
const HIDDEN = new Set(["id", "created_at", "password_changed_at", "session_version"]);

function go(patch, params) {
  const q = new URLSearchParams({ ...params, ...patch });
  for (const [k, v] of [...q]) if (!v) q.delete(k);
  location.hash = `#/admin?${q}`;
}

function showOnce(title, username, password) {
  dialog(title, h("div", {},
    h("p", {}, `用户 ${username} 的临时密码（只显示这一次，请转交本人；首次登录须修改）：`),
    h("p", {}, h("code", { class: "temp-password" }, password))));
}

function rolesLabel(roles) {
  return (roles || []).map((r) => ROLE[r] || r).join("、");
}

// the unit tree as nested lists: roots are units whose parent is not in the scope
function tree(units, selected, pick) {
  const ids = new Set(units.map((u) => u.id));
  const children = (id) => units.filter((u) => u.parent_id === id);
  const node = (u) => h("li", {},
    h("button", { class: "link", style: u.id === selected ? "font-weight:bold" : null, "aria-current": u.id === selected ? "true" : null, onclick: () => pick(u.id) },
      u.name, " ", h("small", { class: "evidence" }, u.kind === "department" ? `${u.department_users} 人` : `${u.active_users} 人`)),
    children(u.id).length ? h("ul", { style: TREE_UL }, children(u.id).map(node)) : null);
  return h("nav", { class: "card org-tree", "aria-label": "单位树", style: "flex:0 1 220px" }, h("ul", { style: TREE_UL }, units.filter((u) => !u.parent_id || !ids.has(u.parent_id)).map(node)));
}

function unitDialog(ctx, unit, { parent, kind } = {}) {
  const editing = !!unit;
  const code = h("input", { name: "code", required: true, value: unit ? unit.code : parent ? `${parent.code}-` : "", disabled: editing });
  const name = h("input", { name: "name", required: true, value: unit ? unit.name : "" });
  const kindSel = h("select", { name: "kind", disabled: editing || !!kind },
    Object.entries(ctx.kinds).map(([k, label]) => h("option", { value: k, selected: (unit ? unit.kind : kind || "unit") === k }, label)));
  const region = h("input", { name: "region_code", value: unit ? unit.region_code : parent ? parent.region_code : ctx.me.region_code, disabled: editing || kind === "department" });
  const parentSel = h("select", { name: "parent_id", disabled: editing || !!parent },
    h("option", { value: "" }, "（无）"),
    ctx.units.filter((u) => u.kind !== "department").map((u) => h("option", { value: u.id, selected: (unit ? unit.parent_id : parent && parent.id) === u.id }, u.name)));
  const address = h("input", { name: "address", value: (unit && unit.address) || "" });
  const phone = h("input", { name: "phone", value: (unit && unit.phone) || "" });
  dialog(editing ? `编辑单位 — ${unit.name}` : kind === "department" ? `新增内设部门 — ${parent.name}` : "新增单位", h("div", { class: "form-grid" },
    field("单位编码", code), field("单位名称", name), field("单位类型", kindSel), field("财政区划", region),
    field("上级单位", parentSel), field("地址", address, "wide"), field("电话", phone)), [{
    label: "保存", primary: true,
    action: async () => {
      if (editing) {
        await api(`/admin/units/${unit.id}`, { method: "PATCH", json: { name: name.value.trim(), address: address.value.trim() || null, phone: phone.value.trim() || null } });
        toast("单位信息已保存。", "ok");
      } else {
        const k = kindSel.value;
        const made = await api("/admin/units", { method: "POST", json: {
          code: code.value.trim(), name: name.value.trim(), kind: k,
          region_code: k === "department" ? null : region.value.trim() || null,
          parent_id: parentSel.value ? Number(parentSel.value) : null,
          address: address.value.trim() || null, phone: phone.value.trim() || null,
        } });
        toast(`已新增${ctx.kinds[k]}：${made.name}`, "ok");
      }
      await ctx.reload();
    },
  }], { closeLabel: "取消" });
}

function userDialog(ctx, unit, user) {
  const editing = !!user;
  const home = editing ? ctx.units.find((u) => u.id === user.unit_id) || unit : unit.kind === "department" ? ctx.units.find((u) => u.id === unit.parent_id) : unit;
  const depts = ctx.units.filter((u) => u.kind === "department" && u.parent_id === home.id);
  const username = h("input", { name: "username", required: true, value: editing ? user.username : "", disabled: editing });
  const name = h("input", { name: "display_name", required: true, value: editing ? user.display_name : "" });
  const dept = h("select", { name: "department_id" }, h("option", { value: "" }, "（不属于部门）"),
    depts.map((d) => h("option", { value: d.id, selected: editing ? user.department_id === d.id : unit.kind === "department" && unit.id === d.id }, d.name)));
  const defaultType = home.kind === "finance" ? "002" : "003";
  const type = h("select", { name: "user_type" }, ctx.userTypes.map((t) => h("option", { value: t.code, selected: (editing ? user.user_type : defaultType) === t.code }, `${t.code}-${t.name}`)));
  const boxes = Object.entries(ROLE).map(([r, label]) => {
    const cb = h("input", { type: "checkbox", name: "roles", value: r, checked: editing ? user.roles.includes(r) : false });
    return h("label", { class: "check" }, cb, ` ${label}`);
  });
  const phone = h("input", { name: "phone", value: (editing && user.phone) || "" });
  dialog(editing ? `编辑用户 — ${user.display_name}` : `新增用户 — ${home.name}`, h("div", { class: "form-grid" },
    field("用户名", username), field("姓名", name), field("部门", dept), field("用户类型", type),
    h("div", { class: "field wide" }, h("span", {}, "角色"), h("div", { class: "checks", role: "group", "aria-label": "角色" }, boxes)), field("电话", phone)), [{
    label: "保存", primary: true,
    action: async (dlg) => {
      const roles = [...dlg.querySelectorAll("input[name=roles]:checked")].map((x) => x.value);
      const body = { display_name: name.value.trim(), department_id: dept.value ? Number(dept.value) : null, user_type: type.value, roles, phone: phone.value.trim() || null };
      if (editing) {
        await api(`/admin/users/${user.id}`, { method: "PATCH", json: body });
        toast("用户信息已保存。", "ok");
        await ctx.reload();
      } else {
        const made = await api("/admin/users", { method: "POST", json: { ...body, username: username.value.trim(), unit_id: home.id } });
        await ctx.reload();
        showOnce("用户已新增", made.user.username, made.temporary_password);
      }
    },
  }], { closeLabel: "取消" });
}

async function usersPanel(ctx, unit) {
  const users = await api("/admin/users", { query: { unit_id: unit.id } });
  const act = async (u, what) => {
    if (what === "reset") {
      const r = await api(`/admin/users/${u.id}/reset-password`, { method: "POST" });
      await ctx.reload();
      showOnce("密码已重置", u.username, r.temporary_password);
      return;
    }
    await api(`/admin/users/${u.id}/${what}`, { method: "POST" });
    toast(what === "deactivate" ? `已停用 ${u.display_name}，其登录已全部退出。` : `已启用 ${u.display_name}。`, "ok");
    await ctx.reload();
  };
  const isSelf = (u) => u.id === ctx.me.user_id;
  const info = h("dl", { class: "kv" },
    h("dt", {}, "单位编码"), h("dd", {}, unit.code), h("dt", {}, "类型"), h("dd", {}, ctx.kinds[unit.kind] || unit.kind),
    h("dt", {}, "财政区划"), h("dd", {}, `${unit.region_code} ${unit.region_name}`),
    h("dt", {}, "地址"), h("dd", {}, unit.address || "—"), h("dt", {}, "电话"), h("dd", {}, unit.phone || "—"));
  return h("section", { class: "card org-unit", style: "flex:1 1 520px;min-width:0" },
    h("div", { class: "page-head" }, h("h3", {}, unit.name),
      h("button", { onclick: () => unitDialog(ctx, unit) }, "编辑单位"),
      unit.kind !== "department" && unit.kind !== "finance" ? h("button", { onclick: () => unitDialog(ctx, null, { parent: unit, kind: "department" }) }, "新增内设部门") : null,
      ctx.system ? h("button", { onclick: () => unitDialog(ctx, null, {}) }, "新增单位") : null,
      h("button", { class: "primary", onclick: () => userDialog(ctx, unit, null) }, "新增用户")),
    info,
    table([
      { label: "用户名", value: (u) => u.username },
      { label: "姓名", value: (u) => u.display_name },
      { label: "部门", value: (u) => u.department_name },
      { label: "用户类型", value: (u) => `${u.user_type}-${u.user_type_name || ""}` },
      { label: "角色", value: (u) => rolesLabel(u.roles) },
      { label: "状态", value: (u) => [u.active ? badge("启用", "ok") : badge("已停用", "bad"), u.must_change_password ? badge("待修改密码", "warn") : null] },
      { label: "操作", class: "actions", value: (u) => [
        h("button", { onclick: () => userDialog(ctx, unit, u) }, "编辑"),
        isSelf(u) ? null : h("button", { onclick: () => act(u, "reset") }, "重置密码"),
        isSelf(u) ? null : u.active ? h("button", { class: "danger", onclick: () => act(u, "deactivate") }, "停用") : h("button", { onclick: () => act(u, "activate") }, "启用"),
      ] },
    ], users, { empty: "该单位暂无用户" }));
}

function importPanel() {
  const file = h("input", { type: "file", name: "file", accept: ".xlsx", "aria-label": "组织机构文件" });
  const dry = h("input", { type: "checkbox", name: "dry_run" });
  const out = h("div", { class: "import-report" });
  const run = async () => {
    if (!file.files.length) { toast("请先选择 XLSX 文件。", "error"); return; }
    const form = new FormData();
    form.append("file", file.files[0]);
    const rep = await api("/admin/org-import", { method: "POST", form, query: { dry_run: dry.checked ? "true" : undefined } });
    const STATUS = { created: ["新增", "ok"], updated: ["已更新", "info"], unchanged: ["无变化", ""], error: ["错误", "bad"] };
    out.replaceChildren(
      h("p", { class: "summary", role: "status" }, `${rep.dry_run ? "校验结果（未保存）" : "导入完成"}：新增 ${rep.created} 行，更新 ${rep.updated} 行，无变化 ${rep.unchanged} 行，错误 ${rep.errors} 行。`),
      table([
        { label: "工作表", value: (r) => r.sheet },
        { label: "行号", value: (r) => String(r.row) },
        { label: "编码/用户名", value: (r) => r.key },
        { label: "结果", value: (r) => badge(...STATUS[r.status]) },
        { label: "说明", value: (r) => r.message },
        { label: "临时密码", value: (r) => (r.temporary_password ? h("code", {}, r.temporary_password) : "") },
      ], rep.rows, { rowKey: (r) => `${r.sheet}-${r.row}`, empty: "文件中没有数据行" }));
  };
  return h("section", { class: "card" },
    h("p", {}, "XLSX 工作簿含两张表（可只含其一）："),
    h("ul", {},
      h("li", {}, "“单位”：单位编码*、单位名称*、单位类型*（财政部门/主管部门/预算单位/内设部门）、财政区划、上级单位编码、地址、电话；"),
      h("li", {}, "“人员”：用户名*、姓名*、单位编码*、部门编码、用户类型*（002/003）、角色（经办岗、审核岗、资产使用人、管理员）、电话。")),
    h("p", { class: "evidence" }, "已存在的编码或用户名按文件更新；每行单独校验，出错的行不影响其他行；新用户的临时密码只在本报告中显示一次。"),
    h("div", { class: "toolbar" }, file, h("label", { class: "check" }, dry, " 只校验，不保存"), h("button", { class: "primary", onclick: run }, "导入"),
      h("button", { onclick: async () => download(await api("/admin/org-import/template", { raw: true }), "组织机构导入模板.xlsx") }, "下载导入模板")),
    out);
}

function changes(detail, ctx) {
  const unitName = (id) => ((ctx.units.find((u) => u.id === id) || {}).name || `#${id}`);
  const fmt = (k, v) => {
    if (k === "roles") return rolesLabel(v) || "无";
    if (k === "active") return v ? "启用" : "停用";
    if (k === "kind") return ctx.kinds[v] || v;
    if (["unit_id", "department_id", "parent_id"].includes(k)) return v === null ? "无" : unitName(v);
    if (typeof v === "boolean") return v ? "是" : "否";
    return v === null ? "无" : String(v);
  };
  // a new record lists what it was given; a change shows every changed field, also emptied ones
  const list = (obj, created) => Object.entries(obj || {})
    .filter(([k, v]) => !HIDDEN.has(k) && !(created && (v === null || v === false || (Array.isArray(v) && !v.length))))
    .map(([k, v]) => `${FIELD[k] || k}：${fmt(k, v)}`).join("；");
  const created = !detail || detail.before === null;
  return { before: list(detail && detail.before, created), after: list(detail && detail.after, created) };
}

async function auditPanel(ctx) {
  const rows = await api("/admin/audit", { query: { limit: 200 } });
  return table([
    { label: "时间", value: (r) => fmtTime(r.at) },
    { label: "操作人", value: (r) => (r.actor_name ? `${r.actor_name}（${r.actor_username}）` : "系统") },
    { label: "对象", value: (r) => `${r.entity === "org_user" ? "用户" : "单位"} ${r.target_name || ""}（${r.target_key || r.entity_id}）` },
    { label: "操作", value: (r) => ACTION[r.action] || r.action },
    { label: "改前", value: (r) => h("span", { style: WRAP }, changes(r.detail, ctx).before) },
    { label: "改后", value: (r) => h("span", { style: WRAP }, changes(r.detail, ctx).after) },
  ], itemsOf(rows), { empty: "暂无变更记录" });
}

export async function render(root, { params, me }) {
  document.title = "组织机构管理 - 资产调剂共享平台";
  const tab = ["import", "audit"].includes(params.tab) ? params.tab : "org";
  const data = await api("/admin/units");
  const ctx = {
    me, units: data.units, kinds: data.kinds, userTypes: data.user_types, system: data.system,
    reload: () => render(root, { params, me }),
  };
  const selected = Number(params.unit) || (data.units.find((u) => u.id === me.unit_id) || data.units[0] || {}).id;
  const head = pageHead("组织机构管理", h("span", { class: "evidence" }, data.system ? "系统管理员：本区划全部单位和用户" : "单位管理员：本单位及其内设部门"));
  const tabBar = tabs([["org", "单位与人员"], ["import", "导入"], ["audit", "变更记录"]], tab, (t) => go({ tab: t === "org" ? "" : t }, params));
  let body;
  if (tab === "import") {
    body = importPanel();
  } else if (tab === "audit") {
    body = await auditPanel(ctx);
  } else {
    const unit = data.units.find((u) => u.id === selected);
    body = h("div", { class: "org-admin", style: SPLIT },
      tree(data.units, selected, (id) => go({ unit: String(id) }, params)),
      unit ? await usersPanel(ctx, unit) : h("p", { class: "empty" }, "没有可管理的单位"));
  }
  root.replaceChildren(head, tabBar, body);
}
