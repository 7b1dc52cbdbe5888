// One job: details, progress, result, error, logs tailing live; cancel, retry and priority change.
import { api, reportError } from "../api.js";
import { byId, celsius, coalesce, el, jobRunTime, number, pretty, replaceChildren, setBadge, setText, timeEl } from "../dom.js";
import { t } from "../i18n.js";
import { on, onReconnect, startLive } from "../live.js";
import { jobErrorText, typeTitle } from "../wording.js";

const jobId = document.body.dataset.jobId;
const base = `/api/jobs/${encodeURIComponent(jobId)}`;
const CANCELLABLE = new Set(["queued", "dispatched", "running"]);
const RETRYABLE = new Set(["failed", "cancelled", "timed_out", "lost"]);
const LOG_POLL_MS = 2000;
let job = null;
let logCursor = null;

function detail(label, value) {
  return [el("dt", { text: label }), el("dd", {}, value)];
}

function placementText(placement) {
  if (!placement) return t("jobs.placement_any");
  const parts = [...(placement.nodes ?? []), ...Object.entries(placement.labels ?? {}).map(([key, value]) => `${key}=${value}`)];
  return parts.join(", ") || t("jobs.placement_any");
}

// What the run cost its node: unknown when no data was collected, never a guess.
function celsiusOrUnknown(value) {
  return value === null || value === undefined ? t("value.unknown") : celsius(value);
}

function yesNo(value) {
  if (value === null || value === undefined) return t("value.unknown");
  return t(value ? "value.yes" : "value.no");
}

function render() {
  document.title = `${job.name} · DispyCluster`;
  setText("job-name", job.name);
  setBadge("job-status", job.status);
  const progress = Math.max(0, Math.min(100, job.progress ?? 0));
  byId("job-progress-bar").style.width = `${progress}%`;
  byId("job-progress").setAttribute("aria-valuenow", String(progress));
  // The last progress message ("running as pid …") describes a running attempt: stale once the job ended.
  const message = job.finished_at ? null : job.progress_message;
  setText("job-progress-text", [`${number(progress, 0)} %`, message].filter(Boolean).join(" — "));
  replaceChildren(byId("job-details"), [
    ...detail(t("col.id"), String(job.id)),
    ...detail(t("col.type"), typeTitle(job.type)),
    ...detail(t("col.node"), job.node ?? "—"),
    ...detail(t("col.priority"), String(job.priority)),
    ...detail(t("jobs.attempts"), `${job.attempts ?? 0} / ${1 + (job.max_retries ?? 0)}`),
    ...detail(t("field.timeout_s"), job.timeout_s === null || job.timeout_s === undefined ? "—" : `${job.timeout_s} s`),
    ...detail(t("col.created"), timeEl(job.created_at)),
    ...detail(t("field.scheduled_at"), timeEl(job.scheduled_at)),
    ...detail(t("jobs.started"), timeEl(job.started_at)),
    ...detail(t("jobs.finished"), timeEl(job.finished_at)),
    ...detail(t("col.duration"), el("span", { id: "job-elapsed", text: jobRunTime(job) })),
    ...(job.waiting_reason ? detail(t("jobs.waiting_reason"), el("span", { id: "job-waiting", text: job.waiting_reason })) : []),
    ...detail(t("jobs.placement"), placementText(job.placement)),
    ...detail(t("jobs.peak_temperature"), job.finished_at ? celsiusOrUnknown(job.peak_temperature_celsius) : "—"),
    ...detail(t("jobs.throttled"), job.finished_at ? yesNo(job.throttled) : "—"),
  ]);
  setText("job-parameters", pretty(job.parameters));
  setText("job-result", pretty(job.result));
  byId("job-error-section").hidden = !job.error;
  setText("job-error", jobErrorText(job.error) ?? "");
  byId("job-cancel").hidden = !CANCELLABLE.has(job.status) || job.cancel_requested === true;
  byId("job-retry").hidden = !RETRYABLE.has(job.status);
  byId("priority-form").hidden = job.status !== "queued";
  const priority = byId("priority-input");
  if (document.activeElement !== priority) priority.value = job.priority;
}

async function loadJob() {
  job = await api(base);
  render();
}

function logLine(entry) {
  return el("span", { className: "log-line", dataset: { stream: entry.stream } }, `[${entry.stream}] ${entry.text}\n`);
}

async function loadLogs() {
  const answer = await api(`${base}/logs${logCursor === null ? "" : `?since=${encodeURIComponent(logCursor)}`}`);
  const pane = byId("job-logs");
  const atBottom = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 4;
  pane.append(...answer.items.map(logLine));
  logCursor = answer.next_since;
  if (atBottom) pane.scrollTop = pane.scrollHeight;
}

const tailLogs = coalesce(() => loadLogs().catch(reportError));

async function act(request) {
  setText("job-action-error", "");
  try {
    await request();
    await loadJob();
  } catch (error) {
    setText("job-action-error", error.message);
  }
}

byId("job-cancel").addEventListener("click", () => act(() => api(base, { method: "DELETE" })));
byId("job-retry").addEventListener("click", () => act(() => api(`${base}/retry`, { method: "POST" })));
byId("priority-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const priority = Number(byId("priority-input").value);
  act(() => api(base, { method: "PUT", body: { priority } }));
});

on("job", (update) => {
  if (String(update.id) !== jobId || job === null) return;
  job = { ...job, ...update };
  render();
  tailLogs();
  // Result and error are not in the live message: fetch the whole job once it has ended.
  if (!CANCELLABLE.has(job.status)) loadJob().catch(reportError);
});
// A queued job's waiting reason follows the nodes (a drain, a guard), which send no job message: read
// the job again when the nodes change, at most every 5 s.
const refreshWaiting = coalesce(() => loadJob().catch(reportError), 5000);
on("nodes", () => {
  if (job?.status === "queued") refreshWaiting();
});
onReconnect(() => {
  loadJob().catch(reportError);
  tailLogs();
});
setInterval(() => {
  if (job?.started_at && !job.finished_at && byId("job-elapsed")) setText("job-elapsed", jobRunTime(job));
}, 1000);
// Log lines have no live message of their own: poll while the job may still write some.
setInterval(() => {
  if (job && CANCELLABLE.has(job.status)) tailLogs();
}, LOG_POLL_MS);

loadJob()
  .then(loadLogs)
  .catch(reportError);
startLive();
