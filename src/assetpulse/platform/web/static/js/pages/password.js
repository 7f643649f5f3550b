// 修改密码: the forced change before the first token (a new account, a password an
// administrator reset: the server answers AUTH_PASSWORD_CHANGE_REQUIRED to the login) and
// the page any user opens from the menu. Either way the other sessions of the user end.
import { api, ApiError, setToken } from "../api.js";
import { dialog, field, h, pageHead, toast } from "../ui.js";

const RULE = "至少 8 位，须同时包含字母和数字，不能与用户名或原密码相同。";

function newPasswordFields() {
  const next = h("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true });
  const again = h("input", { name: "confirm_password", type: "password", autocomplete: "new-password", required: true });
  const check = () => {
    if (next.value !== again.value) throw new ApiError(422, "PASSWORD_MISMATCH", "两次输入的新密码不一致。");
    return next.value;
  };
  return { next, again, check };
}

/** The dialog of a forced change; resolves with the new token's answer, rejects when the
 * user closes it (the login form then says why no session was opened). */
export function forcedPasswordChange(username, current, reason) {
  return new Promise((resolve, reject) => {
    const f = newPasswordFields();
    const msg = h("p", { class: "error-line", role: "alert" });
    let done = false;
    const { dlg } = dialog("设置新密码", h("div", {},
      h("p", {}, reason || "首次登录或密码已被管理员重置，请先设置新密码。"),
      h("p", { class: "evidence" }, RULE),
      h("div", { class: "form-grid" }, field("新密码", f.next), field("确认新密码", f.again)), msg), [{
      label: "保存并登录", primary: true,
      action: async () => {
        msg.textContent = "";
        try {
          const data = await api("/auth/password", { method: "POST", quiet: true, json: { username, current_password: current, new_password: f.check() } });
          done = true;
          resolve(data);
        } catch (err) {
          msg.textContent = err.message;
          throw err;
        }
      },
    }], { closeLabel: "取消" });
    dlg.addEventListener("close", () => {
      if (!done) reject(new ApiError(403, "AUTH_PASSWORD_CHANGE_REQUIRED", reason || "须先设置新密码才能登录。"));
    });
    f.next.focus();
  });
}

export async function render(root, { me }) {
  document.title = "修改密码 - 资产调剂共享平台";
  const current = h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true });
  const f = newPasswordFields();
  const save = h("button", { class: "primary", type: "submit" }, "保存");
  root.replaceChildren(pageHead("修改密码"), h("form", {
    class: "card",
    onsubmit: async (e) => {
      e.preventDefault();
      save.disabled = true;
      try {
        const data = await api("/auth/password", { method: "POST", json: { username: me.username, current_password: current.value, new_password: f.check() } });
        setToken(data.access_token);
        toast("密码已修改，其他设备上的登录已退出。", "ok");
        e.target.reset();
      } catch (err) {
        if (err.code === "PASSWORD_MISMATCH") toast(err.message, "error");
      } finally {
        save.disabled = false;
      }
    },
  }, h("p", { class: "evidence" }, RULE),
  h("div", { class: "form-grid" }, field("原密码", current), field("新密码", f.next), field("确认新密码", f.again)),
  h("div", { class: "toolbar" }, save)));
}
