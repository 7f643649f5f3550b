// 资产分类代码 (系统管理): what the GB/T 14885 tables of this installation are — the shipped
// demo subset or the official tables an administrator loaded — and, for a finance
// department's 系统管理员, loading the code table and the 2010→2022 correspondence from
// XLSX/CSV with the row report (a file with any refused row loads nothing).

import { api } from "../api.js";
import { fmtTime, h, kv, pageHead, table, toast } from "../ui.js";

// app.css has no warning paragraph; the page colours its two messages itself
const WARN = "color: var(--warn); font-weight: 600";
const BAD = "color: var(--bad); font-weight: 600";
const mayLoad = (me) => !!me && me.user_type === "002" && (me.roles || []).includes("admin");

function loadText(load) {
  if (!load) return "未导入";
  return `${fmtTime(load.loaded_at)}，文件 ${load.file_name || "（无名）"}，${load.rows_read} 行（新增 ${load.added}，更新 ${load.updated}，不变 ${load.unchanged}）`;
}

function statusPanel(s) {
  return h("section", { class: "card category-status" },
    h("p", { class: "summary", role: "status", style: s.official_codes_loaded ? undefined : WARN }, s.message),
    kv([
      ["分类代码", `${s.codes} 个（其中演示代码 ${s.demo_codes} 个）`],
      ["2010→2022 对应", `${s.map_2010} 条（其中演示对应 ${s.demo_map_2010} 条）`],
      ["最近导入代码表", loadText(s.last_codes_load)],
      ["最近导入对应表", loadText(s.last_map_load)],
    ]));
}

function report(rep) {
  const parts = [
    h("p", { class: "summary", role: "status", style: rep.rejected.length ? BAD : undefined },
      rep.rejected.length
        ? `${rep.message} 共 ${rep.rows} 行，未通过 ${rep.rejected.length} 行。`
        : `${rep.message} 共 ${rep.rows} 行：新增 ${rep.added}，更新 ${rep.updated}，不变 ${rep.unchanged}。`),
  ];
  if (rep.rejected.length) {
    parts.push(table([
      { label: "行号", value: (r) => String(r.row) },
      { label: "代码", value: (r) => r.code || "（空）" },
      { label: "问题", value: (r) => r.problems.join("；") },
    ], rep.rejected, { rowKey: (r) => String(r.row) }));
  }
  if ((rep.ambiguous || []).length) {
    parts.push(h("p", { class: "evidence" }, "一对多、未建立自动对应的 2010 版代码："),
      table([
        { label: "2010 版代码", value: (r) => r.old_code },
        { label: "对应的 2022 版代码", value: (r) => r.new_codes.join("、") },
      ], rep.ambiguous, { rowKey: (r) => r.old_code }));
  }
  return parts;
}

function loadPanel(title, path, help, label, after) {
  const file = h("input", { type: "file", name: "file", accept: ".xlsx,.csv", "aria-label": label });
  const dry = h("input", { type: "checkbox", name: "dry_run" });
  const out = h("div", { class: "import-report" });
  const run = async () => {
    if (!file.files.length) { toast("请先选择 XLSX 或 CSV 文件。", "error"); return; }
    const form = new FormData();
    form.append("file", file.files[0]);
    if (dry.checked) form.append("dry_run", "true");
    const rep = await api(path, { method: "POST", form });
    out.replaceChildren(...report(rep));
    if (rep.loaded) after();
  };
  return h("section", { class: "card" },
    h("h3", {}, title),
    h("p", { class: "evidence" }, help),
    h("div", { class: "toolbar" }, file, h("label", { class: "check" }, dry, " 只检查，不导入"),
      h("button", { class: "primary", onclick: run }, `导入${title}`)),
    out);
}

export async function render(root, { me }) {
  document.title = "资产分类代码 - 资产调剂共享平台";
  const status = h("div", {}, statusPanel(await api("/categories/status")));
  const refresh = async () => status.replaceChildren(statusPanel(await api("/categories/status")));
  const parts = [pageHead("资产分类代码", h("span", { class: "evidence" }, "GB/T 14885-2022 及 2010 版对应")), status];
  if (mayLoad(me)) {
    parts.push(
      loadPanel("分类代码表", "/categories/import",
        "第一行为表头：分类代码*、分类名称*、上级代码（可省略，按代码推出）。已有代码按文件更新名称，不删除任何代码；任何一行未通过检查，整个文件不导入。",
        "分类代码表文件", refresh),
      loadPanel("2010→2022 对应表", "/categories/map-2010/import",
        "第一行为表头：2010版代码*、2022版代码*（其余列忽略）。请先导入分类代码表；一个 2010 版代码对应多个 2022 版代码时不建立自动对应。",
        "对应表文件", refresh));
  } else {
    parts.push(h("p", { class: "evidence" }, "官方代码表由财政部门的系统管理员导入。"));
  }
  root.replaceChildren(...parts);
}
