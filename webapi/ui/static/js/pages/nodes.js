// Nodes: a live view of every node that stays usable at 100 nodes (a compact table with heat-coloured
// figures, or cards), filtered by text, state and label, grouped by a label, problems first; the state
// of the view is in the URL. Also the form that adds a node to the inventory.
import { api, reportError } from "../api.js";
import { badge, byId, celsius, coalesce, el, number, percent, replaceChildren, setText, timeEl, toggler } from "../dom.js";
import { t } from "../i18n.js";
import { on, onReconnect, startLive } from "../live.js";
import { submitNodeForm } from "../nodeform.js";
import { drainButton, mayOperate, nodeFacts, powerBadges, scheduleBadge } from "../nodeview.js";
import { fillForm, readState, writeState } from "../urlstate.js";
import { reasonText } from "../wording.js";

const DEFAULTS = { q: "", status: "", label: "", group: "", sort: "problems", view: "auto" };
// "auto" shows cards for a handful of nodes and the table beyond.
const CARDS_UP_TO = 12;
const filters = byId("node-filters");
let nodes = [];

function card(node) {
  const facts = nodeFacts(node).flatMap(([key, value]) => [el("dt", { text: t(key) }), el("dd", { text: value })]);
  return el(
    "article",
    { className: "card", dataset: { node: node.name, status: node.status ?? "unknown" } },
    el(
      "header",
      {},
      el("a", { href: `/nodes/${encodeURIComponent(node.name)}`, className: "card-title", text: node.name }),
      el("span", { className: "badges" }, badge(node.status), scheduleBadge(node), ...powerBadges(node)),
    ),
    el("p", { className: "muted", text: node.address ?? "" }),
    node.reason ? el("p", { className: "reason", text: reasonText(node.reason) }) : null,
    node.unschedulable_reason ? el("p", { className: "reason schedule", text: node.unschedulable_reason }) : null,
    el("dl", { className: "facts" }, ...facts),
    el("p", { className: "muted small" }, `${t("nodes.last_seen")} `, timeEl(node.last_seen)),
    node.schedulable === null || node.schedulable === undefined || !mayOperate() ? null : el("div", { className: "actions" }, drainButton(node, updated, reportError)),
  );
}

// The table stays a table on phones too (one line per node reads better at 100 nodes than stacked
// cards): it scrolls sideways inside its box, the node's name pinned on the left.

// A figure's cell is shaded by how high it is (the heatmap of the table view).
function level(value, warn, high) {
  if (value === null || value === undefined) return "none";
  return value >= high ? "high" : value >= warn ? "mid" : "low";
}

const COLUMNS = [
  { key: "cpu", label: "metric.cpu", value: (n) => n.cpu_percent, text: (n) => percent(n.cpu_percent), warn: 50, high: 85 },
  { key: "memory", label: "metric.memory", value: (n) => n.memory_percent, text: (n) => percent(n.memory_percent), warn: 70, high: 90 },
  { key: "disk", label: "metric.disk", value: (n) => n.disk_percent, text: (n) => percent(n.disk_percent), warn: 80, high: 90 },
  { key: "temperature", label: "metric.temperature", value: (n) => n.temperature_celsius, text: (n) => celsius(n.temperature_celsius), warn: 70, high: 80 },
  { key: "load", label: "metric.load", value: (n) => n.load1, text: (n) => number(n.load1, 2), warn: Infinity, high: Infinity },
];

function labelsText(node) {
  return Object.entries(node.labels ?? {}).map(([key, value]) => `${key}=${value}`).join(", ");
}

function tableRow(node) {
  return el(
    "tr",
    { dataset: { node: node.name, status: node.status ?? "unknown" } },
    el("th", { scope: "row" }, el("a", { href: `/nodes/${encodeURIComponent(node.name)}`, text: node.name })),
    el("td", {}, el("span", { className: "badges" }, badge(node.status), scheduleBadge(node), ...powerBadges(node)), node.reason ? el("span", { className: "reason small", text: ` ${reasonText(node.reason)}` }) : null),
    ...COLUMNS.map((column) =>
      el("td", { className: "heat", dataset: { level: level(column.value(node), column.warn, column.high) }, text: column.text(node) }),
    ),
    el("td", { className: "small", text: labelsText(node) }),
    el("td", {}, timeEl(node.last_seen)),
  );
}

function table(group) {
  const head = el(
    "tr",
    {},
    el("th", { scope: "col", text: t("field.name") }),
    el("th", { scope: "col", text: t("col.state") }),
    ...COLUMNS.map((column) => el("th", { scope: "col", text: t(column.label) })),
    el("th", { scope: "col", text: t("field.labels") }),
    el("th", { scope: "col", text: t("nodes.last_seen") }),
  );
  const body = el("tbody", {}, ...group.map(tableRow));
  const wrap = el("div", { className: "table-wrap", tabindex: "0", role: "region", "aria-label": t("nodes.heading") }, el("table", { className: "table nodes-table" }, el("thead", {}, head), body));
  return wrap;
}

const PROBLEM_ORDER = { offline: 0, unknown: 1, online: 2 };
const SORTS = {
  problems: (a, b) => (PROBLEM_ORDER[a.status] ?? 1) - (PROBLEM_ORDER[b.status] ?? 1) || a.name.localeCompare(b.name),
  name: (a, b) => a.name.localeCompare(b.name),
};
// Figures sort highest first; unknown values last.
for (const column of COLUMNS) {
  SORTS[column.key] = (a, b) => (column.value(b) ?? -Infinity) - (column.value(a) ?? -Infinity) || a.name.localeCompare(b.name);
}

function matches(node, state) {
  if (state.status && node.status !== state.status) return false;
  if (state.label) {
    const [key, ...rest] = state.label.split("=");
    if ((node.labels ?? {})[key] !== rest.join("=")) return false;
  }
  const text = state.q.trim().toLowerCase();
  return !text || [node.name, node.address ?? "", labelsText(node)].some((field) => field.toLowerCase().includes(text));
}

function fillChoices() {
  const pairs = new Set();
  const keys = new Set();
  for (const node of nodes) {
    for (const [key, value] of Object.entries(node.labels ?? {})) {
      pairs.add(`${key}=${value}`);
      keys.add(key);
    }
  }
  const state = currentState();
  for (const [select, values] of [[filters.elements.label, pairs], [filters.elements.group, keys]]) {
    const wanted = ["", ...[...values].sort()];
    // Rebuilt only when the choices change: a live update must not close a list the user has open.
    if (wanted.join("\n") === [...select.options].map((option) => option.value).join("\n")) continue;
    select.replaceChildren(select.options[0], ...wanted.slice(1).map((value) => new Option(value, value)));
  }
  fillForm(filters, { label: state.label, group: state.group });
}

function currentState() {
  return Object.fromEntries(Object.keys(DEFAULTS).map((name) => [name, filters.elements[name].value]));
}

function render() {
  const state = currentState();
  writeState(state, DEFAULTS);
  const shown = nodes.filter((node) => matches(node, state)).sort(SORTS[state.sort] ?? SORTS.problems);
  const online = nodes.filter((node) => node.status === "online").length;
  const offline = nodes.filter((node) => node.status === "offline").length;
  setText("nodes-summary", t("nodes.summary_shown", { online, offline, total: nodes.length, shown: shown.length }));
  const view = state.view === "auto" ? (nodes.length > CARDS_UP_TO ? "table" : "cards") : state.view;
  const groups = new Map();
  for (const node of shown) {
    const key = state.group ? ((node.labels ?? {})[state.group] ?? null) : "";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(node);
  }
  const sections = [...groups.entries()]
    .sort(([a], [b]) => (a === null) - (b === null) || String(a).localeCompare(String(b)))
    .map(([key, group]) =>
      el(
        "section",
        { className: "node-group", dataset: { group: key ?? "" } },
        state.group ? el("h2", { text: `${state.group}=${key ?? t("nodes.no_label")} (${group.length})` }) : null,
        view === "table" ? table(group) : el("div", { className: "cards" }, ...group.map(card)),
      ),
    );
  const empty = nodes.length ? t("nodes.none_match") : t("nodes.none");
  replaceChildren(byId("node-groups"), sections.length ? sections : [el("p", { className: "muted", text: empty })]);
}

function show(answer) {
  nodes = answer;
  fillChoices();
  render();
}

// A drain or resume answered the node: shown at once, before the next live update.
function updated(node) {
  nodes = nodes.map((item) => (item.name === node.name ? { ...item, ...node } : item));
  render();
}

async function load() {
  show(await api("/api/cluster/nodes"));
}

fillForm(filters, readState(DEFAULTS));
filters.addEventListener("input", render);
filters.addEventListener("change", render);
filters.addEventListener("submit", (event) => event.preventDefault());

const redraw = coalesce(show);
on("nodes", redraw);
onReconnect(() => load().catch(reportError));

toggler("add-node-toggle", "add-node", () => byId("node-name").focus());
byId("node-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const created = await submitNodeForm(form, (body) => api("/api/cluster/nodes", { method: "POST", body }));
  if (created) {
    form.reset();
    byId("add-node").hidden = true;
    await load().catch(reportError);
  }
});
load().catch(reportError);
startLive();
