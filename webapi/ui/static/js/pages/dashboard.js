// Dashboard: is the cluster OK, and if not why. The overview's status and issues in words, key figures
// that link to the page behind them, one tile per node, last hour's charts, service parts, alerts, activity.
import { api, query, reportError } from "../api.js";
import { badge, byId, celsius, coalesce, el, percent, replaceChildren, setBadge, setText, timeEl, when } from "../dom.js";
import { t, tOr } from "../i18n.js";
import { barChart } from "../charts.js";
import { drawHistory } from "../history.js";
import { on, onReconnect, startLive } from "../live.js";
import { alertText, detailText, issueText, reasonText, typeTitle } from "../wording.js";

const ACTIVITY_SIZE = 12;
const DAY_MS = 24 * 3600 * 1000;
const HOUR_S = 3600;
const BUCKET_S = 300;
const THROUGHPUT_LIMIT = 500;
const activity = new Map();

function renderOverview(overview) {
  const nodes = overview.nodes ?? {};
  setBadge("cluster-status", overview.status);
  const issues = (overview.issues ?? []).map((issue) => el("li", { text: issueText(issue) }));
  replaceChildren(byId("issues"), issues.length ? issues : [el("li", { className: "ok", text: t("dashboard.no_issues") })]);
  setText("fig-nodes", `${nodes.online ?? "?"} / ${nodes.total ?? "?"}`);
  setText("fig-cpu", percent(overview.averages?.cpu_percent));
  setText("fig-memory", percent(overview.averages?.memory_percent));
  setText("fig-temperature", celsius(overview.max_temperature_celsius));
  setText("fig-alerts", String(overview.active_alerts));
  setText("updated", when(overview.timestamp));
  const services = overview.parts.map((part) =>
    el("tr", {}, el("td", { text: tOr(`part.${part.name}`, part.name) }), el("td", {}, badge(part.status)), el("td", { text: detailText(part.detail) ?? "" })),
  );
  replaceChildren(byId("services"), services);
}

async function loadOverview() {
  renderOverview(await api("/api/cluster/overview"));
}

// A tile's shade says how busy an online node is: below 50 %, up to 85 %, above.
function loadLevel(node) {
  const cpu = node.cpu_percent;
  if (node.status !== "online" || cpu === null || cpu === undefined) return "none";
  return cpu >= 85 ? "high" : cpu >= 50 ? "mid" : "low";
}

function tile(node) {
  const status = node.status ?? "unknown";
  const detail = node.status === "online" ? `${t("metric.cpu")} ${percent(node.cpu_percent)}` : tOr(`status.${status}`, status);
  return el(
    "li",
    {},
    el(
      "a",
      {
        className: "tile",
        href: `/nodes/${encodeURIComponent(node.name)}`,
        dataset: { status, load: loadLevel(node) },
        title: reasonText(node.reason) ?? "",
      },
      el("span", { className: "tile-name", text: node.name }),
      el("span", { className: "tile-detail", text: detail }),
    ),
  );
}

const STATUS_ORDER = { offline: 0, unknown: 1, online: 2 };

function renderTiles(nodes) {
  const sorted = [...nodes].sort(
    (a, b) => (STATUS_ORDER[a.status] ?? 1) - (STATUS_ORDER[b.status] ?? 1) || a.name.localeCompare(b.name),
  );
  replaceChildren(byId("node-tiles"), sorted.length ? sorted.map(tile) : [el("li", { className: "muted", text: t("nodes.none") })]);
}

async function loadTiles() {
  renderTiles(await api("/api/cluster/nodes"));
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
  byId("card-failed24h").href = `/jobs${query({ status: "failed", created_after: since })}`;
}

const OUTCOMES = [
  { key: "succeeded", colour: "#15803d", statuses: ["succeeded"] },
  { key: "failed", colour: "#b91c1c", statuses: ["failed", "timed_out", "lost"] },
  { key: "cancelled", colour: "#6b7280", statuses: ["cancelled"] },
];

// Jobs created in the last hour, finished ones counted per 5 minutes of their end by outcome.
async function loadThroughput() {
  const until = Math.ceil(Date.now() / 1000);
  const since = until - HOUR_S;
  const page = await api(
    `/api/jobs${query({ created_after: new Date(since * 1000).toISOString(), limit: THROUGHPUT_LIMIT })}`,
  );
  const buckets = Array.from({ length: HOUR_S / BUCKET_S + 1 }, (_, index) => since - (since % BUCKET_S) + index * BUCKET_S);
  const bars = OUTCOMES.map((outcome) => {
    const counts = new Map(buckets.map((start) => [start, 0]));
    for (const job of page.items) {
      if (!outcome.statuses.includes(job.status) || !job.finished_at) continue;
      const end = Date.parse(job.finished_at) / 1000;
      const start = end - (end % BUCKET_S);
      if (counts.has(start)) counts.set(start, counts.get(start) + 1);
    }
    return { name: t(`status.${outcome.key}`), colour: outcome.colour, x: buckets.map((start) => new Date((start + BUCKET_S / 2) * 1000)), y: [...counts.values()] };
  });
  const totals = bars.map((bar) => `${bar.name} ${bar.y.reduce((sum, count) => sum + count, 0)}`);
  const partial = page.total > page.items.length ? ` ${t("chart.latest_of", { shown: page.items.length, total: page.total })}` : "";
  setText("throughput-caption", `${t("chart.jobs")} — ${totals.join(", ")}${partial}`);
  await barChart(byId("throughput").querySelector(".plot"), { bars, since, until, unit: t("chart.jobs_unit") });
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
      alertText(alert.summary) ?? "",
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
      el("span", { className: "muted", text: typeTitle(job.type) }),
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

async function loadCharts() {
  await drawHistory(byId("charts"), undefined, "1h", ["cpu", "memory", "temperature"]);
}

// The figures first; the charts' queries (history of every node, the last hour's jobs) once they are
// on screen, so they do not hold the figures up.
function loadAll() {
  const light = [loadOverview, loadTiles, loadJobCounts, loadAlerts, loadActivity].map((load) => load().catch(reportError));
  Promise.all(light).then(() => {
    loadCharts().catch(reportError);
    loadThroughput().catch(reportError);
  });
}

const refreshJobCounts = coalesce(() => loadJobCounts().catch(reportError));
const refreshAlerts = coalesce(() => loadAlerts().catch(reportError));
const refreshCharts = coalesce(() => loadCharts().catch(reportError), 30000);
const refreshThroughput = coalesce(() => loadThroughput().catch(reportError), 10000);
const redrawActivity = coalesce(renderActivity);
const redrawTiles = coalesce(renderTiles);

on("overview", (overview) => {
  renderOverview(overview);
  refreshCharts();
});
on("nodes", redrawTiles);
on("alert", refreshAlerts);
on("job", (job) => {
  activity.set(job.id, { ...activity.get(job.id), ...job });
  redrawActivity();
  refreshJobCounts();
  refreshThroughput();
});
onReconnect(loadAll);
loadAll();
startLive();
