// The service's own phrases (overview issues, node reasons, part details) in the page's language. The API
// speaks English for logs and scripts; the page matches each known phrase and words it from the catalog.
// A phrase the catalog does not know (a library's error text) is shown as the service wrote it.
import { t, tOr } from "./i18n.js";

// [pattern, catalog key, names of the captured groups]
const ISSUES = [
  [/^no nodes in the inventory$/, "issue.no_nodes", []],
  [/^(\d+) of (\d+) nodes offline: (.*)$/, "issue.offline", ["count", "total", "names"]],
  [/^(\d+) nodes not scraped yet$/, "issue.unscraped", ["count"]],
  [/^(\d+) (\w+) alerts? firing$/, "issue.alerts", ["count", "severity"]],
  [/^inventory file not loaded: (.*)$/, "issue.inventory", ["error"]],
  [/^(\w+) (\w+): (.*)$/, "issue.part_detail", ["part", "status", "detail"]],
  [/^(\w+) (\w+)$/, "issue.part", ["part", "status"]],
];

const REASONS = [
  [/^not scraped yet$/, "reason.unscraped", []],
  [/^no fresh data \(last success never\)$/, "reason.never", []],
  [/^no fresh data \(last success (\d+) s ago\)$/, "reason.stale", ["seconds"]],
];

const DETAILS = [
  [/^not running$/, "detail.not_running", []],
  [/^first round not finished$/, "detail.first_round", []],
  [/^last round (\d+) s ago$/, "detail.last_round", ["seconds"]],
];

// Captured values that are themselves words of ours (a part's name, a status, a severity).
function word(name, value) {
  if (name === "part") return tOr(`part.${value}`, value);
  if (name === "status" || name === "severity") return tOr(`status.${value}`, value);
  if (name === "detail") return detailText(value);
  return value;
}

function reword(text, table) {
  if (text === null || text === undefined) return text;
  for (const [pattern, key, names] of table) {
    const match = pattern.exec(text);
    if (match) return t(key, Object.fromEntries(names.map((name, index) => [name, word(name, match[index + 1])])));
  }
  return text;
}

export const issueText = (text) => reword(text, ISSUES);
export const reasonText = (text) => reword(text, REASONS);
export const detailText = (text) => reword(text, DETAILS);
