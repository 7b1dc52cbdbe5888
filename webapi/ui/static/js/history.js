// Metric history charts (node page and Monitoring): range buttons and one chart per metric.
import { api, query } from "./api.js";
import { el } from "./dom.js";
import { t } from "./i18n.js";
import { lineChart } from "./charts.js";

export const RANGES = { "1h": 3600, "6h": 6 * 3600, "24h": 24 * 3600, "7d": 7 * 24 * 3600 };

// Chart → the history metrics it plots (network has two lines per node).
const CHARTS = [
  { key: "cpu", unit: "%", metrics: ["cpu_percent"] },
  { key: "memory", unit: "%", metrics: ["memory_percent"] },
  { key: "disk", unit: "%", metrics: ["disk_percent"] },
  { key: "temperature", unit: "°C", metrics: ["temperature_celsius"] },
  { key: "network", unit: "B/s", metrics: ["network_rx_bps", "network_tx_bps"] },
];

// Aim for a few hundred points per series whatever the range.
function stepFor(seconds) {
  return Math.max(15, Math.round(seconds / 300));
}

// One request per draw: every history metric of the node (or of all nodes for the cluster view).
async function history(node, range) {
  const until = Date.now() / 1000;
  const since = until - RANGES[range];
  const window = { since: Math.floor(since), until: Math.ceil(until) };
  const answer = await api(`/api/monitoring/metrics${query({ node, ...window, step: stepFor(RANGES[range]) })}`);
  return { ...window, series: answer.series };
}

export function rangeButtons(container, current, onChange) {
  const buttons = Object.keys(RANGES).map((range) => {
    const button = el("button", { type: "button", dataset: { range }, "aria-pressed": String(range === current), text: t(`range.${range}`) });
    button.addEventListener("click", () => {
      for (const other of buttons) other.setAttribute("aria-pressed", String(other === button));
      onChange(range);
    });
    return button;
  });
  container.replaceChildren(...buttons);
}

function label(series, chart, several) {
  const direction = chart.metrics.length > 1 ? t(`metric.${series.metric}`) : "";
  return [several ? series.node : "", direction].filter(Boolean).join(" ") || t(`metric.${chart.key}`);
}

export async function drawHistory(container, node, range) {
  if (container.children.length !== CHARTS.length) {
    container.replaceChildren(...CHARTS.map((chart) => el("div", { className: "chart", dataset: { chart: chart.key } })));
  }
  const { series, since, until } = await history(node, range);
  const several = new Set(series.map((one) => one.node)).size > 1;
  CHARTS.forEach((chart, index) => {
    const mine = series.filter((one) => chart.metrics.includes(one.metric));
    lineChart(container.children[index], {
      title: t(`metric.${chart.key}`),
      unit: chart.unit,
      series: mine.map((one) => ({ name: label(one, chart, several), points: one.points })),
      since,
      until,
    });
  });
}
