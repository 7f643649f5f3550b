// A small inline-SVG usage chart: bars of hours in use per day, a line of sessions per day
// and marks for days the asset moved — enough to see at a glance why an asset looks idle.
const NS = "http://www.w3.org/2000/svg";

function el(tag, attrs = {}, text = null) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== null) e.textContent = text;
  return e;
}

/** buckets: [{start, in_use_s, sessions, distance_m, coverage}] → <svg>. */
export function usageChart(buckets, { width = 640, height = 200 } = {}) {
  const pad = { l: 36, r: 36, t: 14, b: 26 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const hours = buckets.map((b) => b.in_use_s / 3600);
  const maxH = Math.max(1, Math.ceil(Math.max(0, ...hours)));
  const maxS = Math.max(1, ...buckets.map((b) => b.sessions));
  const n = Math.max(1, buckets.length);
  const bw = w / n;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "每日使用时长（小时）与使用次数", class: "usage-chart" });
  svg.append(el("line", { x1: pad.l, y1: pad.t + h, x2: pad.l + w, y2: pad.t + h, class: "axis" }));
  svg.append(el("line", { x1: pad.l, y1: pad.t, x2: pad.l, y2: pad.t + h, class: "axis" }));
  for (const f of [0, 0.5, 1]) {
    const y = pad.t + h - f * h;
    svg.append(el("text", { x: pad.l - 4, y: y + 4, "text-anchor": "end" }, `${+(f * maxH).toFixed(1)}h`));
    if (f !== 0.5) svg.append(el("text", { x: pad.l + w + 4, y: y + 4 }, `${Math.round(f * maxS)}次`));
  }
  let path = "";
  buckets.forEach((b, i) => {
    const x = pad.l + i * bw;
    const bh = (hours[i] / maxH) * h;
    const low = b.coverage < 0.5;
    const rect = el("rect", { x: x + bw * 0.15, y: pad.t + h - bh, width: Math.max(1, bw * 0.7), height: Math.max(0, bh), fill: low ? "#c9d3df" : "#1f6fd1" });
    rect.append(el("title", {}, `${String(b.start).slice(0, 10)}：使用 ${hours[i].toFixed(1)} 小时，${b.sessions} 次，移动 ${Math.round(b.distance_m)} 米，数据覆盖 ${Math.round(b.coverage * 100)}%`));
    svg.append(rect);
    const sy = pad.t + h - (b.sessions / maxS) * h;
    path += `${i ? "L" : "M"}${x + bw / 2},${sy}`;
    if (b.moved === true || (b.moved === undefined && b.distance_m >= 50)) svg.append(el("circle", { cx: x + bw / 2, cy: pad.t + 6, r: 3, fill: "#c77700" }));
    if (n <= 31 && (i % Math.ceil(n / 8) === 0)) {
      svg.append(el("text", { x: x + bw / 2, y: height - 8, "text-anchor": "middle" }, String(b.start).slice(5, 10)));
    }
  });
  if (path) svg.append(el("path", { d: path, fill: "none", stroke: "#1e8e3e", "stroke-width": 1.5 }));
  return svg;
}

// --- dashboard charts (数据看板): grouped / stacked bars, a line over bars, a ring ----------
export const PALETTE = ["#1f6fd1", "#1e8e3e", "#c77700", "#8e44ad", "#c5221f", "#5f6b7a"];

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v);
}

/** Bars by category: labels [..], series [{name, values: [..]}]; stacked or side by side.
 * onPick(categoryIndex, seriesIndex) makes each bar a button (drill down). */
export function barChart(labels, series, { width = 520, height = 220, stacked = false, label = "", unit = "", onPick = null } = {}) {
  const pad = { l: 44, r: 12, t: 26, b: 34 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const totals = labels.map((_, i) => (stacked
    ? series.reduce((s, x) => s + (x.values[i] || 0), 0)
    : Math.max(0, ...series.map((x) => x.values[i] || 0))));
  const max = niceMax(Math.max(0, ...totals));
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "dash-chart" });
  for (const f of [0, 0.5, 1]) {
    const y = pad.t + h - f * h;
    svg.append(el("line", { x1: pad.l, y1: y, x2: pad.l + w, y2: y, class: f ? "grid" : "axis" }));
    const tick = f * max;
    if (Number.isInteger(tick)) svg.append(el("text", { x: pad.l - 4, y: y + 4, "text-anchor": "end" }, `${tick}${unit}`));
  }
  const n = Math.max(1, labels.length);
  const gw = w / n;
  labels.forEach((lab, i) => {
    const x0 = pad.l + i * gw;
    let base = 0;
    series.forEach((s, j) => {
      const v = s.values[i] || 0;
      const bh = (v / max) * h;
      const bw = stacked ? gw * 0.6 : (gw * 0.8) / series.length;
      const x = stacked ? x0 + gw * 0.2 : x0 + gw * 0.1 + j * bw;
      const y = pad.t + h - bh - (stacked ? (base / max) * h : 0);
      const r = el("rect", { x, y, width: Math.max(1, bw - 1), height: Math.max(0, bh), fill: s.color || PALETTE[j % PALETTE.length], class: onPick ? "pick" : "" });
      r.append(el("title", {}, `${lab} · ${s.name}：${v}${unit}`));
      if (onPick) {
        r.setAttribute("tabindex", "0");
        r.setAttribute("role", "button");
        r.setAttribute("aria-label", `${lab} ${s.name} ${v}`);
        r.addEventListener("click", () => onPick(i, j));
        r.addEventListener("keydown", (e) => { if (e.key === "Enter") onPick(i, j); });
      }
      svg.append(r);
      base += v;
    });
    if (n <= 12 || i % Math.ceil(n / 12) === 0) {
      svg.append(el("text", { x: x0 + gw / 2, y: height - pad.b + 14, "text-anchor": "middle" }, lab));
    }
  });
  series.forEach((s, j) => {
    const x = pad.l + j * 92;
    svg.append(el("rect", { x, y: 6, width: 10, height: 10, fill: s.color || PALETTE[j % PALETTE.length] }));
    svg.append(el("text", { x: x + 14, y: 15 }, s.name));
  });
  return svg;
}

/** A line (e.g. yuan saved per month) with a dot per point. */
export function lineChart(labels, values, { width = 520, height = 200, label = "", unit = "", color = PALETTE[1] } = {}) {
  const pad = { l: 64, r: 12, t: 16, b: 30 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const max = niceMax(Math.max(0, ...values));
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "dash-chart" });
  for (const f of [0, 0.5, 1]) {
    const y = pad.t + h - f * h;
    svg.append(el("line", { x1: pad.l, y1: y, x2: pad.l + w, y2: y, class: f ? "grid" : "axis" }));
    svg.append(el("text", { x: pad.l - 4, y: y + 4, "text-anchor": "end" }, `${(f * max).toLocaleString("zh-CN")}${unit}`));
  }
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  let d = "";
  values.forEach((v, i) => {
    const x = pad.l + i * step;
    const y = pad.t + h - (v / max) * h;
    d += `${i ? "L" : "M"}${x},${y}`;
    const dot = el("circle", { cx: x, cy: y, r: 3, fill: color });
    dot.append(el("title", {}, `${labels[i]}：${v.toLocaleString("zh-CN")}${unit}`));
    svg.append(dot);
    if (labels.length <= 12 || i % Math.ceil(labels.length / 12) === 0) {
      svg.append(el("text", { x, y: height - 10, "text-anchor": "middle" }, labels[i]));
    }
  });
  if (d) svg.append(el("path", { d, fill: "none", stroke: color, "stroke-width": 2 }));
  return svg;
}

/** A ring showing a rate in [0, 1] (null: no data yet). */
export function ring(rate, caption, { size = 96, color = PALETTE[0] } = {}) {
  const r = size / 2 - 8;
  const c = 2 * Math.PI * r;
  const svg = el("svg", { viewBox: `0 0 ${size} ${size}`, role: "img", "aria-label": `${caption} ${rate === null ? "暂无" : `${Math.round(rate * 100)}%`}`, class: "dash-ring" });
  svg.append(el("circle", { cx: size / 2, cy: size / 2, r, fill: "none", stroke: "#e4e8ee", "stroke-width": 10 }));
  if (rate !== null) {
    svg.append(el("circle", {
      cx: size / 2, cy: size / 2, r, fill: "none", stroke: color, "stroke-width": 10,
      "stroke-dasharray": `${c * Math.min(1, rate)} ${c}`, transform: `rotate(-90 ${size / 2} ${size / 2})`,
    }));
  }
  svg.append(el("text", { x: size / 2, y: size / 2 + 6, "text-anchor": "middle", class: "ring-value" }, rate === null ? "—" : `${Math.round(rate * 100)}%`));
  return svg;
}
