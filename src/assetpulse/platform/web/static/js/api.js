// The one door to /api/v1: adds the bearer token, turns every failure into an ApiError
// carrying the server's Chinese `error.message`, and shows it to the user unless the caller
// asks to handle it quietly. A 401 clears the token and returns to the login page.
import { showError } from "./ui.js";

const TOKEN_KEY = "assetpulse.token";
export const API = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function withQuery(path, query) {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.append(k, v);
  }
  const s = q.toString();
  return s ? `${path}${path.includes("?") ? "&" : "?"}${s}` : path;
}

async function errorFrom(resp) {
  let body = null;
  try {
    body = await resp.json();
  } catch {
    body = null;
  }
  const e = body && body.error;
  if (e && e.message) return new ApiError(resp.status, e.code || "ERROR", e.message, e.detail);
  const fallback = {
    401: "登录已过期，请重新登录。",
    403: "没有权限执行该操作。",
    404: "请求的数据不存在。",
    413: "上传的文件过大。",
    502: "服务器暂时不可用，请稍后重试。",
    503: "服务器暂时不可用，请稍后重试。",
  };
  return new ApiError(resp.status, `HTTP_${resp.status}`, fallback[resp.status] || `服务器返回错误（${resp.status}），请稍后重试。`);
}

/**
 * api(path, {method, query, json, form, file, raw, quiet})
 *  - json: a body sent as JSON; form: FormData (files) or an object sent url-encoded
 *  - body with contentType: a file's bytes sent as they are (signed exchange files)
 *  - raw: return the Response (downloads); quiet: do not show the error (caller does)
 */
export async function api(path, opts = {}) {
  const { method = "GET", query, json, form, raw = false, quiet = false } = opts;
  const headers = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form instanceof FormData) {
    body = form;
  } else if (form) {
    body = new URLSearchParams(form);
  } else if (opts.body !== undefined) {
    headers["Content-Type"] = opts.contentType || "application/octet-stream";
    body = opts.body;
  }
  const url = withQuery(path.startsWith("/") && !path.startsWith(API) ? API + path : path, query);
  let resp;
  try {
    // no-store: answers depend on who asks, and one browser may serve several users
    resp = await fetch(url, { method, headers, body, cache: "no-store" });
  } catch {
    const err = new ApiError(0, "NETWORK", "无法连接服务器，请检查网络后重试。");
    if (!quiet) showError(err);
    throw err;
  }
  if (!resp.ok) {
    const err = await errorFrom(resp);
    if (resp.status === 401 && !path.endsWith("/auth/token")) {
      setToken(null);
      if (!location.hash.startsWith("#/login")) location.hash = "#/login";
    }
    if (!quiet) showError(err);
    throw err;
  }
  if (raw) return resp;
  if (resp.status === 204) return null;
  const type = resp.headers.get("Content-Type") || "";
  return type.includes("json") ? resp.json() : resp.text();
}

export async function login(username, password) {
  let data;
  try {
    data = await api("/auth/token", { method: "POST", form: { username, password }, quiet: true });
  } catch (err) {
    // a new account or a reset password: no token until a new password is set
    if (err.code !== "AUTH_PASSWORD_CHANGE_REQUIRED") throw err;
    const { forcedPasswordChange } = await import("./pages/password.js");
    data = await forcedPasswordChange(username, password, err.message);
  }
  setToken(data.access_token);
  return data;
}

/** Items of a list answer, whether the API pages ({items, total}) or returns a bare list. */
export function itemsOf(data) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data.items)) return data.items;
  return [];
}

/** Download a response body as a file, taking the server's file name when it gives one. */
export async function download(resp, fallbackName) {
  const blob = await resp.blob();
  const cd = resp.headers.get("Content-Disposition") || "";
  // RFC 6266: the UTF-8 name (filename*) wins over the ASCII fallback that comes first
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  const name = utf8 ? decodeURIComponent(utf8[1]) : plain ? plain[1] : fallbackName;
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}
