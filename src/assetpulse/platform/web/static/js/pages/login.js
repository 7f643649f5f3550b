// 登录: the OAuth2 password form of /api/v1/auth/token; a wrong password shows the server's
// message once, under the form (with its error code), not again as a toast.
import { login } from "../api.js";
import { field, h } from "../ui.js";

export function renderLogin(root, onDone) {
  const user = h("input", { name: "username", autocomplete: "username", required: true });
  const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const msg = h("p", { class: "error-line", role: "alert", style: "color:#c5221f;margin:0;min-height:1.2em" });
  const btn = h("button", { class: "primary", type: "submit" }, "登录");
  const form = h("form", {
    onsubmit: async (e) => {
      e.preventDefault();
      btn.disabled = true;
      msg.textContent = "";
      try {
        await login(user.value.trim(), pass.value);
        await onDone();
      } catch (err) {
        const code = err.code && !String(err.code).startsWith("HTTP_") ? err.code : "";
        msg.replaceChildren(err.message, code ? h("small", { class: "code" }, ` 错误代码：${code}`) : "");
      } finally {
        btn.disabled = false;
      }
    },
  }, field("用户名", user), field("密码", pass), msg, btn);
  root.replaceChildren(h("div", { class: "login" },
    h("h1", {}, "资产调剂共享平台"),
    h("p", { class: "hint" }, "海南省预算管理一体化系统 · 资产管理模块"),
    form));
  user.focus();
}
