// Reference data (regions, units, categories, fetched once per login) and photos loaded
// with the bearer token (an <img src> cannot carry it), cached per login only.
import { api } from "./api.js";
import { h, zoomPhoto } from "./ui.js";

let refs = null;

/** Regions, units and categories, fetched once per login. */
export async function references() {
  if (refs) return refs;
  const [regions, units, categories] = await Promise.all([
    api("/regions"), api("/units"), api("/categories"),
  ]);
  refs = {
    regions, units, categories,
    region: Object.fromEntries(regions.map((r) => [r.code, r.name])),
    unit: Object.fromEntries(units.map((u) => [u.id, u.name])),
    category: Object.fromEntries(categories.map((c) => [c.code, c.name])),
  };
  return refs;
}

/** On login and logout: nothing one user fetched is shown to the next. */
export function forgetCaches() {
  refs = null;
  for (const url of blobCache.values()) url.then((u) => URL.revokeObjectURL(u)).catch(() => {});
  blobCache.clear();
}

const blobCache = new Map();

/** An <img> whose bytes come through the API with the token; click enlarges it. */
export function authPhoto(url, alt, cls = "") {
  const img = h("img", { alt: alt || "资产照片", class: cls, loading: "lazy" });
  const load = async () => {
    if (!blobCache.has(url)) {
      blobCache.set(url, (async () => {
        const resp = await api(url, { raw: true, quiet: true });
        return URL.createObjectURL(await resp.blob());
      })());
    }
    try {
      img.src = await blobCache.get(url);
    } catch {
      blobCache.delete(url);
      img.replaceWith(h("span", { class: "no-photo" }, "照片暂不可查看"));
    }
  };
  load();
  img.addEventListener("click", (e) => {
    e.stopPropagation();
    if (img.src) zoomPhoto(img.src, alt);
  });
  return img;
}
