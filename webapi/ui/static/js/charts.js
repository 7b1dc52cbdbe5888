// Time-series charts drawn by plotly.js (the basic bundle the service vendors). The library is loaded
// after the page has shown its data: each chart's caption carries its latest figures as text first.
import { lang, t } from "./i18n.js";

let plotly = null;

// One <script> for the whole page, added on first use; its URL (with a content hash) is on <body>.
function loadPlotly() {
  plotly ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = document.body.dataset.plotly;
    script.async = true;
    script.addEventListener("load", () => {
      registerLocale(window.Plotly);
      resolve(window.Plotly);
    });
    script.addEventListener("error", () => reject(new Error(t("chart.load_failed"))));
    document.head.append(script);
  });
  return plotly;
}

// Month and day names for the date axis in the page's language (plotly's basic bundle has English only).
function registerLocale(Plotly) {
  if (lang === "en") return;
  const month = (index, style) => new Date(Date.UTC(2024, index, 15)).toLocaleString(lang, { month: style, timeZone: "UTC" });
  const day = (index, style) => new Date(Date.UTC(2024, 0, 7 + index)).toLocaleString(lang, { weekday: style, timeZone: "UTC" });
  const range12 = [...Array(12).keys()];
  const range7 = [...Array(7).keys()];
  const decimal = (1.5).toLocaleString(lang).charAt(1);
  Plotly.register({
    moduleType: "locale",
    name: lang,
    dictionary: {},
    format: {
      months: range12.map((i) => month(i, "long")),
      shortMonths: range12.map((i) => month(i, "short")),
      days: range7.map((i) => day(i, "long")),
      shortDays: range7.map((i) => day(i, "short")),
      decimal,
      thousands: decimal === "," ? " " : ",",
      date: "%d/%m/%Y",
      // Day before month on the date axis, as French (and most languages but English) write dates.
      year: "%Y",
      month: "%b %Y",
      dayMonth: "%-d %b",
      dayMonthYear: "%-d %b %Y",
    },
  });
}

const COLOURS = ["#1d4ed8", "#b45309", "#15803d", "#7c3aed", "#be123c", "#0e7490"];

function trace(line, index) {
  const colour = COLOURS[index % COLOURS.length];
  const base = {
    type: "scatter",
    mode: "lines",
    name: line.name,
    x: line.points.map(([ts]) => new Date(ts * 1000)),
    y: line.points.map(([, value]) => value),
    line: { color: colour, width: line.band ? 1 : 2 },
  };
  // A band fills from the previous trace (the mean) up to this one (the max).
  return line.band ? { ...base, fill: "tonexty", fillcolor: `${COLOURS[(index - 1) % COLOURS.length]}22`, line: { color: `${COLOURS[(index - 1) % COLOURS.length]}88`, width: 1 } } : base;
}

// `lines`: [{name, points: [[ts, value]], band?}]; `percent` fixes the axis at 0–100 %.
export async function lineChart(container, { title, unit, lines, since, until, percent = false }) {
  const Plotly = await loadPlotly();
  const traces = lines.map(trace);
  const empty = traces.every((one) => one.x.length === 0);
  const layout = {
    margin: { l: 50, r: 10, t: 10, b: 36 },
    height: 230,
    yaxis: percent ? { title: { text: unit }, range: [0, 100], fixedrange: true } : { title: { text: unit }, rangemode: "tozero" },
    // The whole requested window, so an empty or partial series still shows which time it covers.
    xaxis: { type: "date", range: [new Date(since * 1000), new Date(until * 1000)] },
    showlegend: traces.length > 1,
    legend: { orientation: "h", x: 0, y: -0.2, xanchor: "left", yanchor: "top" },
    annotations: empty
      ? [{ text: t("chart.no_data"), showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }]
      : [],
    hovermode: "x unified",
  };
  if (traces.length > 1) layout.height = 260;
  // No mode bar: its dozen buttons per chart would flood the tab order; drag zooms, a double click resets.
  const config = { displaylogo: false, displayModeBar: false, responsive: true, locale: lang };
  await Plotly.react(container, traces, layout, config);
  container.dataset.drawn = title;
}

// Stacked bars: `bars` is [{name, colour, x: [Date], y: [count]}].
export async function barChart(container, { bars, since, until, unit }) {
  const Plotly = await loadPlotly();
  const traces = bars.map((bar) => ({ type: "bar", name: bar.name, x: bar.x, y: bar.y, marker: { color: bar.colour } }));
  const layout = {
    barmode: "stack",
    margin: { l: 50, r: 10, t: 10, b: 36 },
    height: 230,
    yaxis: { title: { text: unit }, rangemode: "tozero", fixedrange: true },
    xaxis: { type: "date", range: [new Date(since * 1000), new Date(until * 1000)] },
    legend: { orientation: "h", x: 0, y: -0.2, xanchor: "left", yanchor: "top" },
  };
  await Plotly.react(container, traces, layout, { displaylogo: false, displayModeBar: false, responsive: true, locale: lang });
}
