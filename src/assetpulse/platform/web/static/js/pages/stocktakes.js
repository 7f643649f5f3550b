// 资产盘点: the tasks the user may see (a closed one with how many 盘盈盘亏 are still to
// resolve), and 新建盘点任务 (unit or one department, deadline) for the unit's operators.
import { api } from "../api.js";
import { isUnitOperator } from "../roles.js";
import { badge, dialog, field, fmtTime, h, pageHead, table, toast } from "../ui.js";

function newTask(me, reload) {
  const depts = (me.units || []).filter((u) => u.kind === "department" && u.parent_id === me.unit_id);
  const title = h("input", { name: "title", required: true, value: `${new Date().getFullYear()} 年度资产盘点` });
  const deadline = h("input", { name: "deadline", type: "date", value: new Date(Date.now() + 14 * 864e5).toISOString().slice(0, 10) });
  const dept = h("select", { name: "department_id" }, h("option", { value: "" }, "全单位"), depts.map((d) => h("option", { value: d.id }, d.name)));
  dialog("新建盘点任务", h("div", { class: "form-grid" }, field("任务名称", title, "wide"), field("截止日期", deadline), field("盘点范围", dept)), [{
    label: "保存", primary: true,
    action: async () => {
      const t = await api("/stocktakes", { method: "POST", json: { title: title.value.trim(), deadline: deadline.value, department_id: dept.value ? Number(dept.value) : null } });
      toast("盘点任务已创建。", "ok");
      location.hash = `#/stocktakes/${t.stocktake.id}`;
      await reload();
    },
  }], { closeLabel: "取消" });
}

export async function render(root, { me }) {
  const reload = () => render(root, { me });
  const rows = await api("/stocktakes");
  const unitName = (id) => ((me.units || []).find((u) => u.id === id) || {}).name;
  root.replaceChildren(
    // creating a task is the unit's operators' (can_manage_stocktake); others only take part
    pageHead("资产盘点", isUnitOperator(me) ? h("button", { class: "primary", onclick: () => newTask(me, reload) }, "新建盘点任务") : null),
    table([
      { label: "任务名称", value: (t) => t.title },
      { label: "盘点范围", value: (t) => (t.department_id ? unitName(t.department_id) : `${unitName(t.unit_id) || ""}（全单位）`) },
      { label: "截止日期", value: (t) => t.deadline },
      { label: "状态", value: (t) => (t.state === "open" ? badge("进行中", "info") : [badge("已结束", "ok"),
        // what the closed task still has to resolve (盘盈盘亏处理 on its detail page)
        t.discrepancies_open ? badge(`盘盈盘亏待处理 ${t.discrepancies_open}`, "warn") : null]) },
      { label: "创建时间", value: (t) => fmtTime(t.created_at) },
      { label: "操作", class: "actions", value: (t) => [
        h("a", { class: "btn", href: `#/stocktakes/${t.id}` }, "盘点进度"),
        t.state === "open" ? h("a", { class: "btn", href: `#/stocktakes/${t.id}/scan` }, "扫码盘点") : null,
      ] },
    ], rows, { empty: "暂无盘点任务" }));
}
