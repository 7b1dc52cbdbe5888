// Time-series charts drawn by plotly.js (served by the service from the plotly package).
import { lang, t } from "./i18n.js";

const CONFIG = { displaylogo: false, responsive: true, locale: lang, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

export function lineChart(container, { title, unit, series, since, until }) {
  const traces = series.map(({ name, points }) => ({
    type: "scatter",
    mode: "lines",
    name,
    x: points.map(([ts]) => new Date(ts * 1000)),
    y: points.map(([, value]) => value),
  }));
  const empty = traces.every((trace) => trace.x.length === 0);
  const layout = {
    title: { text: title, font: { size: 14 }, x: 0.02, xanchor: "left" },
    margin: { l: 50, r: 10, t: 36, b: 36 },
    height: 260,
    yaxis: { title: { text: unit }, rangemode: "tozero" },
    // The whole requested window, so an empty or partial series still shows which time it covers.
    xaxis: { type: "date", range: [new Date(since * 1000), new Date(until * 1000)] },
    showlegend: traces.length > 1,
    legend: { orientation: "h", x: 1, y: 1.02, xanchor: "right", yanchor: "bottom" },
    annotations: empty
      ? [{ text: t("chart.no_data"), showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }]
      : [],
  };
  window.Plotly.react(container, traces, layout, CONFIG);
}
