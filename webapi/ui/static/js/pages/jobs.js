// Jobs: the table (server-side pagination, filters and order, all in the URL), counts per status, the
// "New job" form generated from the type's JSON Schema and checked in the browser, and live updates.
import { api, ApiError, query, reportError } from "../api.js";
import { badge, byId, coalesce, el, jobRunTime, labelCells, number, replaceChildren, setText, showPager, timeEl, toggler } from "../dom.js";
import { t, tOr } from "../i18n.js";
import { on, onReconnect, startLive } from "../live.js";
import { buildFields, clearFieldErrors, problemWith, readFields, showFieldErrors } from "../schemaform.js";
import { fillForm, readState, writeState } from "../urlstate.js";
import { typeTitle } from "../wording.js";

const LIMIT = 20;
const DEFAULT_TYPE = "processing";
const DEFAULTS = { status: "", type: "", node: "", q: "", label: "", order: "desc", sort: "created", offset: "0", created_after: "" };
const FILTERS = ["status", "type", "node", "q", "label", "order", "sort"];
// The first click on a column sorts it this way (names A→Z; numbers and times largest/newest first).
const FIRST_ASCENDING = new Set(["name", "type", "status", "node"]);
const filters = byId("filters");
const statuses = [...byId("filter-status").options].map((option) => option.value).filter(Boolean);
const state = { offset: 0, total: 0, types: new Map() };
const rows = new Map();

// `created_after` has no control of its own: it comes with a link (the dashboard's "failed in 24 h").
function filterValues() {
  const values = Object.fromEntries(FILTERS.map((name) => [name, filters.elements[name].value.trim()]));
  return { ...values, created_after: state.createdAfter };
}

function showSince() {
  const since = byId("created-after");
  since.hidden = !state.createdAfter;
  if (state.createdAfter) byId("created-after-time").replaceChildren(timeEl(state.createdAfter));
}

function progressCell(job) {
  const value = Math.max(0, Math.min(100, job.progress ?? 0));
  const bar = el("div", { className: "progress-bar" });
  bar.style.width = `${value}%`;
  return el(
    "td",
    {},
    el("div", { className: "progress small", role: "progressbar", "aria-label": t("col.progress"), "aria-valuenow": value, "aria-valuemin": 0, "aria-valuemax": 100, title: `${number(value, 0)} %` }, bar),
  );
}

// Each label is a button that filters the list by it.
function labelsCell(job) {
  const chips = Object.entries(job.labels ?? {}).map(([key, value]) =>
    el("button", { type: "button", className: "label-chip", dataset: { label: `${key}=${value}` }, title: t("jobs.filter_by_label"), text: `${key}=${value}` }),
  );
  return el("td", { className: "job-labels" }, ...(chips.length ? chips : ["—"]));
}

function row(job) {
  return el(
    "tr",
    { dataset: { jobId: job.id } },
    el("td", { text: job.id }),
    el("td", {}, el("a", { href: `/jobs/${encodeURIComponent(job.id)}`, className: "job-name", text: job.name })),
    el("td", { text: typeTitle(job.type) }),
    el("td", { className: "job-status" }, badge(job.status), job.waiting_reason ? el("span", { className: "reason small job-waiting", title: job.waiting_reason, text: ` ${job.waiting_reason}` }) : null),
    progressCell(job),
    el("td", { className: "job-duration", text: jobRunTime(job) }),
    el("td", { text: job.node ?? "—" }),
    labelsCell(job),
    el("td", { text: job.priority }),
    el("td", {}, timeEl(job.created_at)),
  );
}

// The sorted column says so (aria-sort); the order's choices read "newest/oldest" for the creation time.
function showSort() {
  const sort = filters.elements.sort.value || DEFAULTS.sort;
  const ascending = filters.elements.order.value === "asc";
  for (const head of byId("jobs-table").querySelectorAll("th[data-sort]")) {
    if (head.dataset.sort === sort) head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    else head.removeAttribute("aria-sort");
  }
  const [desc, asc] = filters.elements.order.options;
  desc.text = t(sort === "created" ? "filter.newest" : "filter.desc");
  asc.text = t(sort === "created" ? "filter.oldest" : "filter.asc");
}

function saveLocation() {
  writeState({ ...filterValues(), offset: state.offset }, DEFAULTS);
  showSort();
}

async function loadJobs() {
  saveLocation();
  const page = await api(`/api/jobs${query({ ...filterValues(), limit: LIMIT, offset: state.offset })}`);
  state.total = page.total;
  rows.clear();
  const body = page.items.map((job) => {
    const tr = row(job);
    rows.set(String(job.id), { tr, job });
    return tr;
  });
  replaceChildren(byId("jobs"), body.length ? body : [el("tr", {}, el("td", { colspan: 10, className: "muted", text: t("jobs.none") }))]);
  showPager(state.offset, page.items.length, page.total, LIMIT);
}

// How many jobs each status holds under the other filters; each count links to that status.
async function loadCounts() {
  const { status: _status, order: _order, sort: _sort, ...others } = filterValues();
  const totals = await Promise.all(statuses.map((status) => api(`/api/jobs${query({ ...others, status, limit: 1 })}`)));
  const links = statuses.map((status, index) => {
    const current = filters.elements.status.value === status;
    return el(
      "a",
      { href: `/jobs${query({ ...others, status })}`, className: "count", dataset: { status }, "aria-current": current ? "true" : null },
      badge(status),
      ` ${totals[index].total}`,
    );
  });
  replaceChildren(byId("status-counts"), links);
}

const reload = coalesce(() => loadJobs().catch(reportError));
const recount = coalesce(() => loadCounts().catch(reportError), 2000);

// Live events may carry only what changed: merge into what the row shows.
function applyLive(job) {
  recount();
  const shown = rows.get(String(job.id));
  if (!shown) {
    reload();
    return;
  }
  const merged = { ...shown.job, ...job };
  const tr = row(merged);
  shown.tr.replaceWith(tr);
  labelCells(byId("jobs"));
  rows.set(String(job.id), { tr, job: merged });
}

function fillSelect(select, values, label = (value) => value) {
  const keep = select.value;
  select.replaceChildren(select.options[0], ...values.map((value) => el("option", { value, text: label(value) })));
  // A value from a shared URL stays chosen even if it is not (or no longer) among the choices.
  fillForm(filters, { [select.name]: keep });
}

async function loadChoices() {
  const [types, nodes] = await Promise.all([api("/api/jobs/types"), api("/api/cluster/nodes")]);
  state.types = new Map(types.map((type) => [type.name, type]));
  fillSelect(byId("filter-type"), [...state.types.keys()], typeTitle);
  fillSelect(byId("filter-node"), nodes.map((node) => node.name));
  const typeSelect = byId("job-type");
  typeSelect.replaceChildren(
    ...[...state.types.keys()].map((name) => el("option", { value: name, text: typeTitle(name), selected: name === DEFAULT_TYPE })),
  );
  showTypeForm();
}

function showTypeForm() {
  const name = byId("job-type").value;
  const type = state.types.get(name);
  setText("job-type-help", type ? tOr(`task.${name}.description`, type.description) : "");
  buildFields(byId("job-parameters"), type?.parameters ?? { properties: {} }, name);
}

const TOP_LEVEL = {
  name: { type: "string", maxLength: 200 },
  priority: { type: "integer", minimum: 1, maximum: 10 },
  max_retries: { type: "integer", minimum: 0 },
  timeout_s: { type: "number", exclusiveMinimum: 0 },
};

// The request body and every problem found in the form, in the order of the fields.
function readJobForm() {
  const body = { type: byId("job-type").value };
  const errors = [];
  const name = byId("job-name").value.trim();
  const nameProblem = problemWith(name || undefined, TOP_LEVEL.name, true);
  if (nameProblem) errors.push({ loc: "name", message: nameProblem });
  body.name = name;
  if (!body.type) errors.push({ loc: "type", message: t("form.required") });
  // By id: a type's parameters may reuse these names (processing has its own timeout_s).
  for (const [field, id] of [["priority", "job-priority"], ["max_retries", "job-max-retries"], ["timeout_s", "job-timeout"]]) {
    const input = byId(id);
    const text = input.value.trim();
    const invalid = input.validity.badInput;
    if (text === "" && !invalid) continue;
    const value = invalid ? Number.NaN : Number(text);
    const problem = problemWith(value, TOP_LEVEL[field], false);
    if (problem) errors.push({ loc: field, message: problem });
    else body[field] = value;
  }
  const scheduled = byId("job-scheduled").value;
  if (scheduled) body.scheduled_at = new Date(scheduled).toISOString();
  const parameters = readFields(byId("job-parameters"));
  body.parameters = parameters.values;
  errors.push(...parameters.errors);
  return { body, errors };
}

async function submitJob(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearFieldErrors(form);
  setText("job-form-error", "");
  setText("job-created", "");
  const { body, errors } = readJobForm();
  if (errors.length) {
    showFieldErrors(form, errors);
    setText("job-form-error", t("form.fix_fields_count", { count: errors.length }));
    return;
  }
  try {
    const job = await api("/api/jobs", { method: "POST", body });
    const notice = byId("job-created");
    notice.replaceChildren(t("jobs.created"), " ", el("a", { href: `/jobs/${encodeURIComponent(job.id)}`, text: job.name }));
    byId("job-name").value = "";
    state.offset = 0;
    await loadJobs();
  } catch (error) {
    if (error instanceof ApiError && error.fields.length) {
      const rest = showFieldErrors(form, error.fields);
      setText("job-form-error", rest.length ? rest.join("; ") : t("form.fix_fields"));
    } else {
      setText("job-form-error", error.message);
    }
  }
}

const initial = readState(DEFAULTS);
state.createdAfter = initial.created_after;
showSince();
byId("created-after-clear").addEventListener("click", () => {
  state.createdAfter = "";
  showSince();
  state.offset = 0;
  reload();
  recount();
});
fillForm(filters, Object.fromEntries(FILTERS.map((name) => [name, initial[name]])));
state.offset = Math.max(0, Number(initial.offset) || 0);
filters.addEventListener("change", () => {
  state.offset = 0;
  reload();
  recount();
});
filters.addEventListener("submit", (event) => event.preventDefault());
byId("jobs").addEventListener("click", (event) => {
  const chip = event.target.closest(".label-chip");
  if (!chip) return;
  filters.elements.label.value = chip.dataset.label;
  state.offset = 0;
  reload();
  recount();
});
byId("filter-q").addEventListener("input", () => {
  state.offset = 0;
  reload();
  recount();
});
for (const button of byId("jobs-table").querySelectorAll("button.sort")) {
  button.addEventListener("click", () => {
    const { sort, order } = filters.elements;
    if (sort.value === button.dataset.sort) order.value = order.value === "asc" ? "desc" : "asc";
    else order.value = FIRST_ASCENDING.has(button.dataset.sort) ? "asc" : "desc";
    sort.value = button.dataset.sort;
    state.offset = 0;
    loadJobs().catch(reportError);
  });
}
byId("page-prev").addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - LIMIT);
  loadJobs().catch(reportError);
});
byId("page-next").addEventListener("click", () => {
  state.offset += LIMIT;
  loadJobs().catch(reportError);
});
toggler("new-job-toggle", "new-job", () => byId("job-name").focus());
byId("job-type").addEventListener("change", showTypeForm);
byId("job-form").addEventListener("submit", submitJob);
on("job", applyLive);
onReconnect(() => {
  loadJobs().catch(reportError);
  loadCounts().catch(reportError);
});
loadChoices().catch(reportError);
loadJobs().catch(reportError);
loadCounts().catch(reportError);
startLive();
