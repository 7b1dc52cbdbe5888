// Dashboard: live figures, the state of each part of the service, active alerts, recent job activity.
import { api, query, reportError } from "../api.js";
import { badge, byId, celsius, coalesce, el, percent, replaceChildren, setBadge, setText, timeEl, when } from "../dom.js";
import { t } from "../i18n.js";
import { on, onReconnect, startLive } from "../live.js";

const ACTIVITY_SIZE = 12;
const DAY_MS = 24 * 3600 * 1000;
const activity = new Map();

function renderOverview(overview) {
  const nodes = overview.nodes ?? {};
  setBadge("cluster-status", overview.status);
  setText("fig-nodes", `${nodes.online ?? "?"} / ${nodes.total ?? "?"}`);
  setText("fig-cpu", percent(overview.averages?.cpu_percent));
  setText("fig-memory", percent(overview.averages?.memory_percent));
  setText("fig-temperature", celsius(overview.max_temperature_celsius));
  setText("fig-alerts", String(overview.active_alerts));
  setText("updated", when(overview.timestamp));
  const services = overview.parts.map((part) =>
    el("tr", {}, el("td", { text: part.name }), el("td", {}, badge(part.status)), el("td", { text: part.detail ?? "" })),
  );
  replaceChildren(byId("services"), services);
}

async function loadOverview() {
  renderOverview(await api("/api/cluster/overview"));
}

async function countJobs(filters) {
  return (await api(`/api/jobs${query({ ...filters, limit: 1 })}`)).total;
}

// Counted by the job list itself, so the figures follow each job event, not only collection rounds.
async function loadJobCounts() {
  const since = new Date(Date.now() - DAY_MS).toISOString();
  const [running, queued, failed] = await Promise.all([
    countJobs({ status: "running" }),
    countJobs({ status: "queued" }),
    countJobs({ status: "failed", created_after: since }),
  ]);
  setText("fig-running", String(running));
  setText("fig-queued", String(queued));
  setText("fig-failed24h", String(failed));
}

function renderAlerts(alerts) {
  const items = alerts.map((alert) =>
    el(
      "li",
      { className: "alert", dataset: { severity: alert.severity } },
      el("strong", { text: alert.name }),
      " ",
      alert.node ? el("span", { className: "muted", text: alert.node }) : null,
      " — ",
      alert.summary ?? "",
    ),
  );
  replaceChildren(byId("alerts"), items.length ? items : [el("li", { className: "muted", text: t("alerts.none") })]);
}

async function loadAlerts() {
  const answer = await api("/api/monitoring/alerts");
  renderAlerts(answer.alerts);
}

function renderActivity() {
  const jobs = [...activity.values()].sort((a, b) => b.id - a.id).slice(0, ACTIVITY_SIZE);
  const items = jobs.map((job) =>
    el(
      "li",
      {},
      timeEl(job.finished_at ?? job.started_at ?? job.created_at),
      " ",
      el("a", { href: `/jobs/${encodeURIComponent(job.id)}`, text: job.name }),
      " ",
      el("span", { className: "muted", text: job.type }),
      " ",
      badge(job.status),
    ),
  );
  replaceChildren(byId("activity"), items.length ? items : [el("li", { className: "muted", text: t("jobs.none") })]);
}

async function loadActivity() {
  const page = await api(`/api/jobs${query({ limit: ACTIVITY_SIZE })}`);
  activity.clear();
  for (const job of page.items) activity.set(job.id, job);
  renderActivity();
}

function loadAll() {
  for (const load of [loadOverview, loadJobCounts, loadAlerts, loadActivity]) load().catch(reportError);
}

const refreshJobCounts = coalesce(() => loadJobCounts().catch(reportError));
const refreshAlerts = coalesce(() => loadAlerts().catch(reportError));
const redrawActivity = coalesce(renderActivity);

on("overview", renderOverview);
on("alert", refreshAlerts);
on("job", (job) => {
  activity.set(job.id, { ...activity.get(job.id), ...job });
  redrawActivity();
  refreshJobCounts();
});
onReconnect(loadAll);
loadAll();
startLive();
