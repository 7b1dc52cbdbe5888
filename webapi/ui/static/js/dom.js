// Building DOM from data. Every value goes in as text (textContent / text nodes), never as HTML.
import { lang, t, tOr } from "./i18n.js";

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined).map(asNode));
  return node;
}

function asNode(child) {
  return child instanceof Node ? child : document.createTextNode(String(child));
}

export function replaceChildren(parent, children) {
  parent.replaceChildren(...children.map(asNode));
  if (parent.tagName === "TBODY") labelCells(parent);
}

// On a phone a `.stack` table shows each row as a card: every cell carries its column's name.
export function labelCells(tbody) {
  const table = tbody.closest("table.stack");
  if (!table) return;
  const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
  for (const tr of tbody.rows) [...tr.cells].forEach((td, index) => heads[index] && (td.dataset.label = heads[index]));
}

export function byId(id) {
  return document.getElementById(id);
}

export function setText(id, value) {
  byId(id).textContent = value;
}

// The pager under a table paged on the server (templates/pager.html): where we are, which way we can go.
export function showPager(offset, shown, total, limit) {
  const first = total ? offset + 1 : 0;
  setText("page-info", t("pager.info", { first, last: offset + shown, total }));
  byId("page-prev").disabled = offset === 0;
  byId("page-next").disabled = offset + limit >= total;
}

const UNKNOWN = () => t("value.unknown");

export function number(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return UNKNOWN();
  return Number(value).toLocaleString(lang, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function percent(value) {
  return value === null || value === undefined ? UNKNOWN() : `${number(value)} %`;
}

export function celsius(value) {
  return value === null || value === undefined ? UNKNOWN() : `${number(value)} °C`;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function bytes(value, suffix = "") {
  if (value === null || value === undefined) return UNKNOWN();
  let scaled = Number(value);
  let unit = 0;
  while (Math.abs(scaled) >= 1024 && unit < UNITS.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return `${number(scaled)} ${tOr(`unit.${UNITS[unit]}`, UNITS[unit])}${suffix}`;
}

export function rate(value) {
  return bytes(value, "/s");
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return UNKNOWN();
  const s = Math.floor(Number(seconds));
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days) return `${days} ${t("unit.d")} ${hours} ${t("unit.h")}`;
  if (hours) return `${hours} ${t("unit.h")} ${minutes} ${t("unit.min")}`;
  if (minutes) return `${minutes} ${t("unit.min")}`;
  return `${s} ${t("unit.s")}`;
}

// How long a job ran: from its start to its end, or to now while it runs ("—" before it started).
export function jobRunTime(job) {
  if (!job?.started_at) return "—";
  const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
  return duration(Math.max(0, (end - Date.parse(job.started_at)) / 1000));
}

// Times come as ISO-8601 strings (jobs) or Unix seconds (metrics, alerts).
export function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function when(value) {
  const date = toDate(value);
  return date ? date.toLocaleString(lang) : "—";
}

export function timeEl(value) {
  const date = toDate(value);
  return el("time", { datetime: date?.toISOString(), text: date ? date.toLocaleString(lang) : "—" });
}

export function badge(status) {
  const known = status ?? "unknown";
  return el("span", { className: "badge", dataset: { status: known }, text: tOr(`status.${known}`, known) });
}

export function setBadge(id, status) {
  const node = byId(id);
  const known = status ?? "unknown";
  node.dataset.status = known;
  node.textContent = tOr(`status.${known}`, known);
}

export function pretty(value) {
  return value === null || value === undefined ? "—" : JSON.stringify(value, null, 2);
}

// Runs `fn` at most once per `ms`, always with the latest call's arguments (live bursts → one redraw).
export function coalesce(fn, ms = 1000) {
  let timer = null;
  let last = 0;
  let pending = null;
  return (...args) => {
    pending = args;
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      const call = pending;
      pending = null;
      fn(...call);
    }, wait);
  };
}

export function toggler(buttonId, panelId, onOpen = () => {}) {
  const button = byId(buttonId);
  const panel = byId(panelId);
  button.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) onOpen();
  });
}
