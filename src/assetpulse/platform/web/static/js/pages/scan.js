// 扫码盘点, made for a phone: take a photo with the camera (or pick one), and the server
// decodes it; or type a code, or paste many. Each result shows at once in colour with a
// short beep (WebAudio): green 已盘到, amber 盘盈 (not on this task's book), red refused.
import { api } from "../api.js";
import { field, fmtTime, h } from "../ui.js";

const SEEN_STATUS = [["", "不变更"], ["in_use", "在用"], ["idle", "闲置"], ["pending_disposal", "待处置"], ["leased", "出租出借"], ["under_repair", "维修中"]];
let audio = null;

/** A short tone: high for found, middle for surplus, low for refused. */
export function beep(kind) {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = { ok: 1320, warn: 660, bad: 220 }[kind] || 880;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + (kind === "bad" ? 0.4 : 0.15));
    document.body.dataset.lastBeep = kind;
  } catch {
    // no sound on this device: the colour still says it
  }
}

export async function render(root, { args }) {
  const id = args[0];
  const [progress, rep] = await Promise.all([api(`/stocktakes/${id}`), api(`/stocktakes/${id}/report`)]);
  const book = new Map([...rep.found, ...rep.not_scanned, ...rep.missing].map((f) => [f.asset_code, f]));
  const found = new Set(rep.found.map((f) => f.asset_code));
  const counter = h("span", {});
  const drawCounter = () => counter.replaceChildren(`已盘到 ${found.size} / ${book.size}`);
  drawCounter();
  const panel = h("div", { class: "scan-result", role: "status", "aria-live": "polite" }, "请拍摄资产标签，或输入资产编号");
  const history = h("ul", { class: "scan-history" });
  const status = h("select", { name: "status" }, SEEN_STATUS.map(([v, l]) => h("option", { value: v }, l)));
  const location = h("input", { name: "location", placeholder: "如：主楼 305 室" });

  function show(kind, title, lines = []) {
    panel.className = `scan-result ${kind}`;
    panel.replaceChildren(title, ...lines.map((l) => h("small", {}, l)));
    beep(kind);
  }

  function outcome(out) {
    const lines = [];
    let kind = "ok";
    for (const r of out.recorded) {
      const card = r.asset_code && book.get(r.asset_code);
      if (card) {
        found.add(r.asset_code);
        lines.push(`已盘到：${card.name}（${r.asset_code}）`);
      } else {
        kind = "warn";
        lines.push(`盘盈：${r.asset_code || r.code} 不在本次盘点账面`);
      }
      history.prepend(h("li", {}, `${fmtTime(new Date())} ${lines[lines.length - 1]}`));
    }
    for (const d of out.duplicates) lines.push(`重复提交，已记录过：${d}`);
    for (const r of out.rejected) {
      kind = out.recorded.length ? "warn" : "bad";
      lines.push(`未记录：${r.code}（${r.reason}）`);
    }
    drawCounter();
    const title = kind === "ok" ? "✔ 已盘到" : kind === "warn" ? "⚠ 请核对" : "✘ 未记录";
    show(kind, title, lines);
  }

  async function send(promise) {
    panel.className = "scan-result";
    panel.replaceChildren("正在识别…");
    try {
      outcome(await promise);
    } catch (err) {
      if (err && err.status !== undefined) show("bad", "✘ 未记录", [err.message]);
      else throw err;
    }
  }

  const extras = () => ({ status: status.value || undefined, location: location.value.trim() || undefined });
  function sendImage(file) {
    if (!file) return;
    const form = new FormData();
    form.append("image", file);
    const x = extras();
    if (x.status) form.append("status", x.status);
    if (x.location) form.append("location", x.location);
    return send(api(`/stocktakes/${id}/scans`, { method: "POST", form, quiet: true }));
  }
  const camera = h("input", { type: "file", accept: "image/*", capture: "environment", name: "camera", hidden: true, onchange: (e) => { sendImage(e.target.files[0]); e.target.value = ""; } });
  const album = h("input", { type: "file", accept: "image/*", name: "photo", hidden: true, onchange: (e) => { sendImage(e.target.files[0]); e.target.value = ""; } });
  const manual = h("input", { name: "code", placeholder: "资产编号或标签内容", autocomplete: "off", enterkeyhint: "send" });
  const paste = h("textarea", { name: "paste", placeholder: "每行一个编码，或用逗号分隔" });
  const submitManual = (e) => {
    e.preventDefault();
    const code = manual.value.trim();
    if (!code) return;
    manual.value = "";
    send(api(`/stocktakes/${id}/scans`, { method: "POST", quiet: true, json: { method: "manual", scans: [{ code, ...extras() }] } }));
  };
  const submitPaste = () => {
    const text = paste.value.trim();
    if (!text) return;
    send(api(`/stocktakes/${id}/scans`, { method: "POST", quiet: true, json: { method: "manual", text, ...extras() } }).then((out) => { paste.value = ""; return out; }));
  };

  root.replaceChildren(
    h("div", { class: "page-head" }, h("h2", {}, `扫码盘点 — ${progress.stocktake.title}`), counter),
    panel,
    h("div", { class: "toolbar" },
      h("button", { class: "primary scan-big", onclick: () => camera.click() }, "拍照扫码"),
      h("button", { class: "scan-big", onclick: () => album.click() }, "从相册上传照片"),
      camera, album),
    h("div", { class: "card form-grid" }, field("现场状态", status), field("存放地点", location)),
    h("form", { class: "card", onsubmit: submitManual },
      h("h3", {}, "手工录入"),
      h("div", { class: "toolbar" }, manual, h("button", { class: "primary", type: "submit" }, "提交"))),
    h("div", { class: "card" }, h("h3", {}, "批量粘贴"), paste,
      h("div", { class: "toolbar" }, h("button", { onclick: submitPaste }, "批量提交"))),
    h("h3", {}, "本次扫描记录"), history,
    h("p", {}, h("a", { href: `#/stocktakes/${id}` }, "查看盘点进度与报告 →")));
}
