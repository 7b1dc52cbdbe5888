// Text from the catalog the page embeds (chosen by the server from the lang cookie / Accept-Language).
const catalog = JSON.parse(document.getElementById("i18n").textContent);

export const lang = document.documentElement.lang || "en";

export function t(key, vars = {}) {
  let text = catalog[key] ?? key;
  for (const [name, value] of Object.entries(vars)) {
    text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

// Text for `key`, or `fallback` when the catalog has none (values the server may add later).
export function tOr(key, fallback) {
  return key in catalog ? catalog[key] : fallback;
}

// The language switch comes back to this page as it is now (filters the page put in its URL included).
for (const link of document.querySelectorAll(".langs a[hreflang]")) {
  link.addEventListener("click", () => {
    const target = new URL(link.href);
    target.searchParams.set("next", `${location.pathname}${location.search}${location.hash}`);
    link.href = target.toString();
  });
}
