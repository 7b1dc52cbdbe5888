// Monitoring: history charts per node or for the whole cluster, alerts, exports, collection state.
import { api, query, reportError } from "../api.js";
import { badge, byId, coalesce, el, number, replaceChildren, timeEl } from "../dom.js";
import { t } from "../i18n.js";
import { drawHistory, RANGES, rangeButtons } from "../history.js";
import { on, onReconnect, startLive } from "../live.js";
import { alertText } from "../wording.js";

let range = "1h";
const scope = byId("scope");

async function loadCharts() {
  await drawHistory(byId("charts"), scope.value || undefined, range);
}

function updateExports() {
  const until = Math.ceil(Date.now() / 1000);
  const since = until - RANGES[range];
  for (const format of ["csv", "json"]) {
    byId(`export-${format}`).href = `/api/monitoring/export${query({ format, since, until, node: scope.value })}`;
  }
}

async function loadNodes() {
  const answer = await api("/api/cluster/nodes");
  const keep = scope.value;
  scope.replaceChildren(scope.options[0], ...answer.map((node) => el("option", { value: node.name, text: node.name })));
  scope.value = keep;
}

async function loadAlerts() {
  const answer = await api("/api/monitoring/alerts?state=all");
  const items = answer.alerts.map((alert) =>
    el(
      "tr",
      { dataset: { severity: alert.severity } },
      el("td", {}, badge(alert.status)),
      el("td", { text: alert.name }),
      el("td", {}, badge(alert.severity)),
      el("td", { text: alert.node ?? "—" }),
      el("td", { text: alertText(alert.summary), title: alert.description }),
      el("td", {}, timeEl(alert.starts_at)),
      el("td", { text: alert.source }),
    ),
  );
  replaceChildren(byId("alerts"), items.length ? items : [el("tr", {}, el("td", { colspan: 7, className: "muted", text: t("alerts.none") }))]);
}

function seconds(value) {
  return value === null || value === undefined ? "—" : `${number(value, 3)} s`;
}

async function loadCollection() {
  const [health, targets] = await Promise.all([api("/api/monitoring/health"), api("/api/monitoring/nodes")]);
  const round = health.last_round;
  replaceChildren(byId("collection"), [
    el("dt", { text: t("monitoring.collector") }), el("dd", {}, badge(health.collector_running ? "running" : "stopped")),
    el("dt", { text: t("monitoring.interval") }), el("dd", { text: seconds(health.scrape_interval_seconds) }),
    el("dt", { text: t("monitoring.last_round") }), el("dd", {}, timeEl(round?.started_at)),
    el("dt", { text: t("monitoring.round_duration") }), el("dd", { text: seconds(round?.duration_seconds) }),
    el("dt", { text: t("monitoring.scraped") }),
    el("dd", { text: round ? t("monitoring.scraped_count", { ok: round.succeeded, total: round.scraped }) : "—" }),
    ...(health.last_round_failure ? [el("dt", { text: t("jobs.error") }), el("dd", { className: "reason", text: health.last_round_failure })] : []),
    ...(health.inventory_error ? [el("dt", { text: t("monitoring.inventory") }), el("dd", { className: "reason", text: health.inventory_error })] : []),
  ]);
  const rows = targets.map((target) =>
    el(
      "tr",
      {},
      el("td", { text: target.node }),
      el("td", {}, badge(target.status)),
      el("td", {}, timeEl(target.last_scrape)),
      el("td", { text: target.error ?? seconds(target.duration_seconds) }),
    ),
  );
  replaceChildren(byId("targets"), rows);
}

// The light answers first; the history (the heaviest query, for every node) once they are on screen,
// so it does not hold them up.
function loadAll() {
  updateExports();
  const light = [loadNodes(), loadAlerts(), loadCollection()].map((load) => load.catch(reportError));
  Promise.all(light).then(() => loadCharts().catch(reportError));
}

rangeButtons(byId("ranges"), range, (chosen) => {
  range = chosen;
  updateExports();
  loadCharts().catch(reportError);
});
scope.addEventListener("change", () => {
  updateExports();
  loadCharts().catch(reportError);
});
for (const format of ["csv", "json"]) byId(`export-${format}`).addEventListener("click", updateExports);

const refreshAlerts = coalesce(() => loadAlerts().catch(reportError));
const refreshCollection = coalesce(() => loadCollection().catch(reportError), 5000);
const refreshCharts = coalesce(() => loadCharts().catch(reportError), 30000);
on("alert", refreshAlerts);
on("overview", () => {
  refreshCollection();
  refreshCharts();
});
onReconnect(loadAll);
loadAll();
startLive();
