// Metric history charts (node page and Monitoring): range buttons and one chart per metric. For several
// nodes a chart draws the cluster's mean with a band up to its max (readable at 100 nodes, unlike a
// line per node); each chart's caption says the latest figures as text before plotly.js has loaded.
import { api, query } from "./api.js";
import { el, number, rate } from "./dom.js";
import { t } from "./i18n.js";
import { lineChart } from "./charts.js";

export const RANGES = { "1h": 3600, "6h": 6 * 3600, "24h": 24 * 3600, "7d": 7 * 24 * 3600 };

// Chart → the history metrics it plots (network has two lines: received and sent).
const CHARTS = [
  { key: "cpu", unit: "%", metrics: ["cpu_percent"], percent: true },
  { key: "memory", unit: "%", metrics: ["memory_percent"], percent: true },
  { key: "disk", unit: "%", metrics: ["disk_percent"], percent: true },
  { key: "temperature", unit: "°C", metrics: ["temperature_celsius"] },
  { key: "network", unit: "B/s", metrics: ["network_rx_bps", "network_tx_bps"], total: true },
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

// Per timestamp across nodes: [[ts, value]] of `reduce(values)`.
function combine(series, reduce) {
  const byTime = new Map();
  for (const one of series) {
    for (const [ts, value] of one.points) {
      if (value === null || value === undefined) continue;
      if (!byTime.has(ts)) byTime.set(ts, []);
      byTime.get(ts).push(value);
    }
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([ts, values]) => [ts, reduce(values)]);
}

const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
const max = (values) => Math.max(...values);
const sum = (values) => values.reduce((total, value) => total + value, 0);

// The lines one chart draws: per metric, the node's own series, or the cluster's mean and max band
// (network: the cluster's total traffic).
function linesFor(chart, series, several) {
  const lines = [];
  for (const metric of chart.metrics) {
    const mine = series.filter((one) => one.metric === metric);
    const prefix = chart.metrics.length > 1 ? `${t(`metric.${metric}`)} ` : "";
    if (!several) {
      lines.push({ name: prefix.trim() || t(`metric.${chart.key}`), points: mine[0]?.points ?? [] });
    } else if (chart.total) {
      lines.push({ name: `${prefix}${t("chart.total")}`, points: combine(mine, sum) });
    } else {
      lines.push({ name: `${prefix}${t("chart.mean")}`, points: combine(mine, mean) });
      lines.push({ name: `${prefix}${t("chart.max")}`, points: combine(mine, max), band: true });
    }
  }
  return lines;
}

function format(chart, value) {
  if (chart.unit === "B/s") return rate(value);
  return `${number(value)} ${chart.unit}`;
}

const unitLabel = (unit) => (unit === "B/s" ? `${t("unit.B")}/s` : unit);

// "CPU: mean 12 %, max 40 %" from the last point of each line: the figures without the chart.
function caption(chart, lines) {
  const latest = lines
    .filter((line) => line.points.length)
    .map((line) => [line.name === t(`metric.${chart.key}`) ? "" : line.name, format(chart, line.points.at(-1)[1])].filter(Boolean).join(" "));
  return `${t(`metric.${chart.key}`)} — ${latest.length ? latest.join(", ") : t("chart.no_data")}`;
}

function frame(chart) {
  // One tab stop per chart: the figure itself, named by its caption.
  const captionId = `chart-caption-${chart.key}`;
  return el(
    "figure",
    { className: "chart", dataset: { chart: chart.key }, tabindex: "0", "aria-labelledby": captionId },
    el("figcaption", { id: captionId, className: "chart-caption", text: t(`metric.${chart.key}`) }),
    el("div", { className: "plot" }),
  );
}

// `keys` picks charts (the dashboard shows CPU, memory and temperature only).
export async function drawHistory(container, node, range, keys = CHARTS.map((chart) => chart.key)) {
  const charts = CHARTS.filter((chart) => keys.includes(chart.key));
  if (container.children.length !== charts.length) container.replaceChildren(...charts.map(frame));
  const { series, since, until } = await history(node, range);
  const several = new Set(series.map((one) => one.node)).size > 1;
  const drawn = charts.map((chart, index) => {
    const figure = container.children[index];
    const lines = linesFor(chart, series, several);
    figure.querySelector("figcaption").textContent = caption(chart, lines);
    const title = t(`metric.${chart.key}`);
    return { figure, args: { title, unit: unitLabel(chart.unit), lines, since, until, percent: chart.percent } };
  });
  // Text first (above), then the charts once the library is there.
  await Promise.all(drawn.map(({ figure, args }) => lineChart(figure.querySelector(".plot"), args)));
}
