// Audit: the recorded mutations (admin only), newest first, paged on the server; filters in the URL.
import { api, ApiError, query, reportError } from "../api.js";
import { byId, coalesce, el, replaceChildren, showPager, timeEl } from "../dom.js";
import { t, tOr } from "../i18n.js";
import { onReconnect, startLive } from "../live.js";
import { fillForm, readState, writeState } from "../urlstate.js";

const LIMIT = 50;
const FILTERS = ["token_name", "method", "path", "outcome", "since", "until"];
const DEFAULTS = { ...Object.fromEntries(FILTERS.map((name) => [name, ""])), offset: "0" };
const filters = byId("filters");
const state = { offset: 0 };

function filterValues() {
  return Object.fromEntries(FILTERS.map((name) => [name, filters.elements[name].value.trim()]));
}

// The datetime inputs hold local times; the API takes ISO 8601 in UTC.
function apiQuery(values) {
  const asUtc = (text) => (text ? new Date(text).toISOString() : "");
  return { ...values, since: asUtc(values.since), until: asUtc(values.until) };
}

function statusClass(status) {
  if (status === null || status === undefined) return "unknown";
  return status < 400 ? "ok" : status < 500 ? "warning" : "critical";
}

function row(event) {
  return el(
    "tr",
    { dataset: { auditId: event.id } },
    el("td", {}, timeEl(event.at)),
    el("td", { className: "audit-caller", text: event.token_name }),
    el("td", { text: event.role ? tOr(`role.${event.role}`, event.role) : "—" }),
    el("td", {}, el("code", { text: `${event.method} ${event.path}` })),
    el("td", { text: event.target ?? "—" }),
    el("td", {}, el("span", { className: "badge", dataset: { status: statusClass(event.status) }, text: event.status ?? "—" })),
    el("td", { text: event.client ?? "—" }),
  );
}

async function load() {
  const values = filterValues();
  writeState({ ...values, offset: state.offset }, DEFAULTS);
  const notice = (text) => [el("tr", {}, el("td", { colspan: 7, className: "muted", text }))];
  let page;
  try {
    page = await api(`/api/audit${query({ ...apiQuery(values), limit: LIMIT, offset: state.offset })}`);
  } catch (error) {
    // In the table, not the banner: the live feed clears banners once it connects.
    if (error instanceof ApiError && error.status === 403) {
      replaceChildren(byId("audit-rows"), notice(t("audit.forbidden")));
      return;
    }
    throw error;
  }
  const rows = page.items.map(row);
  replaceChildren(byId("audit-rows"), rows.length ? rows : notice(t("audit.none")));
  showPager(state.offset, page.items.length, page.total, LIMIT);
}

const reload = coalesce(() => load().catch(reportError), 300);
const initial = readState(DEFAULTS);
fillForm(filters, Object.fromEntries(FILTERS.map((name) => [name, initial[name]])));
state.offset = Math.max(0, Number(initial.offset) || 0);
filters.addEventListener("submit", (event) => event.preventDefault());
filters.addEventListener("change", () => {
  state.offset = 0;
  reload();
});
for (const name of ["token_name", "path"]) {
  filters.elements[name].addEventListener("input", () => {
    state.offset = 0;
    reload();
  });
}
byId("page-prev").addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - LIMIT);
  load().catch(reportError);
});
byId("page-next").addEventListener("click", () => {
  state.offset += LIMIT;
  load().catch(reportError);
});
onReconnect(() => load().catch(reportError));
load().catch(reportError);
startLive();
