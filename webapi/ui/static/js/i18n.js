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
