// Jobs: the table (server-side pagination, filters, order by creation time), the "New job" form
// generated from the type's JSON Schema, and live state/progress updates.
import { api, ApiError, query, reportError } from "../api.js";
import { badge, byId, coalesce, el, number, replaceChildren, setText, timeEl, toggler } from "../dom.js";
import { t } from "../i18n.js";
import { on, onReconnect, startLive } from "../live.js";
import { buildFields, clearFieldErrors, FieldError, readFields, showFieldErrors } from "../schemaform.js";

const LIMIT = 20;
const STATUSES = ["queued", "dispatched", "running", "succeeded", "failed", "cancelled", "timed_out", "lost"];
const FILTERS = ["status", "type", "node", "q", "order"];
const filters = byId("filters");
const state = { offset: 0, total: 0, types: new Map() };
const rows = new Map();

function readLocation() {
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) if (params.has(name)) filters.elements[name].value = params.get(name);
  state.offset = Math.max(0, Number(params.get("offset")) || 0);
}

function filterValues() {
  return Object.fromEntries(FILTERS.map((name) => [name, filters.elements[name].value.trim()]));
}

function progressCell(job) {
  const bar = el("div", { className: "progress-bar" });
  bar.style.width = `${Math.max(0, Math.min(100, job.progress ?? 0))}%`;
  return el("td", {}, el("div", { className: "progress small", title: `${number(job.progress ?? 0, 0)} %` }, bar));
}

function row(job) {
  return el(
    "tr",
    { dataset: { jobId: job.id } },
    el("td", { text: job.id }),
    el("td", {}, el("a", { href: `/jobs/${encodeURIComponent(job.id)}`, className: "job-name", text: job.name })),
    el("td", { text: job.type }),
    el("td", { className: "job-status" }, badge(job.status)),
    progressCell(job),
    el("td", { text: job.node ?? "—" }),
    el("td", { text: job.priority }),
    el("td", {}, timeEl(job.created_at)),
  );
}

async function loadJobs() {
  const { order } = filterValues();
  const page = await api(`/api/jobs${query({ ...filterValues(), limit: LIMIT, offset: state.offset })}`);
  state.total = page.total;
  rows.clear();
  const body = page.items.map((job) => {
    const tr = row(job);
    rows.set(String(job.id), { tr, job });
    return tr;
  });
  replaceChildren(byId("jobs"), body.length ? body : [el("tr", {}, el("td", { colspan: 8, className: "muted", text: t("jobs.none") }))]);
  const first = page.total ? state.offset + 1 : 0;
  setText("page-info", t("pager.info", { first, last: state.offset + page.items.length, total: page.total }));
  byId("page-prev").disabled = state.offset === 0;
  byId("page-next").disabled = state.offset + LIMIT >= page.total;
  const params = query({ ...filterValues(), order: order === "desc" ? "" : order, offset: state.offset || "" });
  history.replaceState(null, "", `/jobs${params}`);
}

const reload = coalesce(() => loadJobs().catch(reportError));

// Live events may carry only what changed: merge into what the row shows.
function applyLive(job) {
  const shown = rows.get(String(job.id));
  if (!shown) {
    reload();
    return;
  }
  const merged = { ...shown.job, ...job };
  const tr = row(merged);
  shown.tr.replaceWith(tr);
  rows.set(String(job.id), { tr, job: merged });
}

function fillSelect(select, values) {
  const keep = select.value;
  select.replaceChildren(select.options[0], ...values.map((value) => el("option", { value, text: value })));
  select.value = keep;
}

async function loadChoices() {
  fillSelect(byId("filter-status"), STATUSES);
  byId("filter-status").querySelectorAll("option[value]:not([value=''])").forEach((option) => {
    option.textContent = t(`status.${option.value}`);
  });
  const [types, nodes] = await Promise.all([api("/api/jobs/types"), api("/api/cluster/nodes")]);
  state.types = new Map(types.map((type) => [type.name, type]));
  fillSelect(byId("filter-type"), [...state.types.keys()]);
  fillSelect(byId("filter-node"), nodes.map((node) => node.name));
  const typeSelect = byId("job-type");
  typeSelect.replaceChildren(...[...state.types.keys()].map((name) => el("option", { value: name, text: name })));
  showTypeForm();
}

function showTypeForm() {
  const type = state.types.get(byId("job-type").value);
  setText("job-type-help", type?.description ?? "");
  buildFields(byId("job-parameters"), type?.parameters ?? { properties: {} });
}

function readJobForm(form) {
  const body = { name: form.elements.name.value.trim(), type: form.elements.type.value };
  body.parameters = readFields(byId("job-parameters"));
  for (const name of ["priority", "max_retries", "timeout_s"]) {
    const text = form.elements[name].value.trim();
    if (text !== "") body[name] = Number(text);
  }
  const scheduled = form.elements.scheduled_at.value;
  if (scheduled) body.scheduled_at = new Date(scheduled).toISOString();
  return body;
}

async function submitJob(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearFieldErrors(form);
  setText("job-form-error", "");
  setText("job-created", "");
  try {
    const job = await api("/api/jobs", { method: "POST", body: readJobForm(form) });
    const notice = byId("job-created");
    notice.replaceChildren(t("jobs.created"), " ", el("a", { href: `/jobs/${encodeURIComponent(job.id)}`, text: job.name }));
    form.elements.name.value = "";
    state.offset = 0;
    await loadJobs();
  } catch (error) {
    if (error instanceof FieldError) {
      showFieldErrors(form, [{ loc: error.loc, message: error.message }]);
    } else if (error instanceof ApiError && error.fields.length) {
      const rest = showFieldErrors(form, error.fields);
      setText("job-form-error", rest.length ? rest.join("; ") : t("form.fix_fields"));
    } else {
      setText("job-form-error", error.message);
    }
  }
}

readLocation();
filters.addEventListener("change", () => {
  state.offset = 0;
  reload();
});
filters.addEventListener("submit", (event) => event.preventDefault());
byId("filter-q").addEventListener("input", () => {
  state.offset = 0;
  reload();
});
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
onReconnect(() => loadJobs().catch(reportError));
loadChoices().catch(reportError);
loadJobs().catch(reportError);
startLive();
