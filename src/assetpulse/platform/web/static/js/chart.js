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
