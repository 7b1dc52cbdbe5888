// One job: details, progress, elapsed time, queue position, result, error; its output pushed live over
// /ws (`job_log`, this page follows the job) with each attempt's lines apart; cancel, retry, priority.
import { api, reportError } from "../api.js";
import { byId, celsius, coalesce, el, jobRunTime, number, pretty, replaceChildren, setBadge, setText, timeEl } from "../dom.js";
import { t, tOr } from "../i18n.js";
import { connected, follow, on, onConnect, onReconnect, startLive } from "../live.js";
import { jobErrorText, typeTitle } from "../wording.js";

const jobId = document.body.dataset.jobId;
const base = `/api/jobs/${encodeURIComponent(jobId)}`;
const CANCELLABLE = new Set(["queued", "dispatched", "running"]);
const RETRYABLE = new Set(["failed", "cancelled", "timed_out", "lost"]);
const POLL_MS = 2000;
const LOG_PAGE = 1000;
let job = null;
// The newest line shown, the attempt of the last one, and live lines held while the API is read.
let lastLogId = 0;
let shownAttempt = 0;
let fetchingLogs = false;
let readAgain = false;
let heldLines = [];

function detail(label, value) {
  return [el("dt", { text: label }), el("dd", {}, value)];
}

function labelText(labels) {
  const pairs = Object.entries(labels ?? {}).map(([key, value]) => `${key}=${value}`);
  return pairs.length ? pairs.join(", ") : "—";
}

// Where the job may run: its nodes and the labels they must carry, or any node.
function placementText(placement) {
  if (!placement || (!placement.nodes?.length && !Object.keys(placement.labels ?? {}).length)) return t("jobs.any_node");
  const parts = [];
  if (placement.nodes?.length) parts.push(placement.nodes.join(", "));
  if (Object.keys(placement.labels ?? {}).length) parts.push(labelText(placement.labels));
  return parts.join(" · ");
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
  setText("job-queue", queueText());
  byId("job-queue").hidden = job.status !== "queued";
  replaceChildren(byId("job-details"), [
    ...detail(t("col.id"), String(job.id)),
    ...detail(t("col.type"), typeTitle(job.type)),
    ...detail(t("col.node"), job.node ?? "—"),
    ...detail(t("col.labels"), el("span", { id: "job-labels", text: labelText(job.labels) })),
    ...detail(t("jobs.placement"), el("span", { id: "job-placement", text: placementText(job.placement) })),
    ...detail(t("col.priority"), String(job.priority)),
    ...detail(t("jobs.attempts"), `${job.attempts ?? 0} / ${1 + (job.max_retries ?? 0)}`),
    ...detail(t("field.timeout_s"), job.timeout_s === null || job.timeout_s === undefined ? "—" : `${job.timeout_s} s`),
    ...detail(t("col.created"), timeEl(job.created_at)),
    ...detail(t("field.scheduled_at"), timeEl(job.scheduled_at)),
    ...detail(t("jobs.started"), timeEl(job.started_at)),
    ...detail(t("jobs.finished"), timeEl(job.finished_at)),
    ...detail(t("col.duration"), el("span", { id: "job-elapsed", text: jobRunTime(job) })),
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

// While queued: its place in the queue (or that it waits for its time), and why, when the service says.
function queueText() {
  if (job.status !== "queued") return "";
  const reason = job.waiting_reason;
  const parts = [
    job.queue_position ? t("jobs.queue_position", { n: job.queue_position }) : t("jobs.waiting_schedule"),
    reason ? t("jobs.waiting_reason", { reason: typeof reason === "string" ? tOr(`waiting.${reason}`, reason) : JSON.stringify(reason) }) : null,
  ];
  return parts.filter(Boolean).join(" — ");
}

async function loadJob() {
  job = await api(base);
  render();
}

function logLine(entry) {
  return el("span", { className: "log-line", dataset: { stream: entry.stream } }, `[${entry.stream}] ${entry.text}\n`);
}

// Lines in id order, each shown once; a new attempt starts under a heading of its own.
function showLines(items) {
  const fresh = items.filter((entry) => entry.id > lastLogId);
  if (!fresh.length) return;
  const pane = byId("job-logs");
  const atBottom = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 4;
  const nodes = [];
  for (const entry of fresh) {
    if (entry.attempt > 0 && entry.attempt !== shownAttempt) {
      nodes.push(el("span", { className: "log-attempt", dataset: { attempt: entry.attempt } }, `── ${t("jobs.attempt_n", { n: entry.attempt })} ──\n`));
      shownAttempt = entry.attempt;
    }
    nodes.push(logLine(entry));
  }
  pane.append(...nodes);
  lastLogId = fresh[fresh.length - 1].id;
  if (atBottom) pane.scrollTop = pane.scrollHeight;
}

// Reads the lines after the last one shown, one read at a time (a call meanwhile reads again after);
// live lines arriving during a read wait for it, then join in order.
async function loadLogs() {
  if (fetchingLogs) {
    readAgain = true;
    return;
  }
  fetchingLogs = true;
  try {
    do {
      readAgain = false;
      let page;
      do {
        page = await api(`${base}/logs?since=${encodeURIComponent(lastLogId)}&limit=${LOG_PAGE}`);
        showLines(page.items);
      } while (page.items.length === LOG_PAGE);
    } while (readAgain);
  } finally {
    fetchingLogs = false;
    const held = heldLines;
    heldLines = [];
    showLines(held);
  }
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
on("job_log", (message) => {
  if (String(message.job_id) !== jobId) return;
  // Lines were left out of the message: read them all from the API.
  if (message.truncated) tailLogs();
  else if (fetchingLogs) heldLines.push(...message.lines);
  else showLines(message.lines);
});
// A queued job's waiting reason follows the nodes (a drain, a guard), which send no job message: read
// the job again when the nodes change, at most every 5 s.
const refreshWaiting = coalesce(() => loadJob().catch(reportError), 5000);
on("nodes", () => {
  if (job?.status === "queued") refreshWaiting();
});
onReconnect(() => loadJob().catch(reportError));
// Lines written before this connection (or while the page was away) come from the API.
onConnect(tailLogs);
setInterval(() => {
  if (job?.started_at && !job.finished_at && byId("job-elapsed")) setText("job-elapsed", jobRunTime(job));
}, 1000);
setInterval(() => {
  if (!job) return;
  // The queue moves without this job changing: its position is read again.
  if (job.status === "queued") loadJob().catch(reportError);
  // Without the live feed, the output is polled.
  if (CANCELLABLE.has(job.status) && !connected()) tailLogs();
}, POLL_MS);

loadJob()
  .then(loadLogs)
  .catch(reportError);
follow(jobId);
startLive();
