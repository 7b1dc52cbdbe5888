// The /ws live feed: typed messages to handlers, an indicator in the navigation, reconnection, and a
// refresh from the REST API after each reconnection (messages may have been missed). While the feed is
// down the page greys what it keeps live (it may be stale) and offers "Retry now"; once live again the
// error banners go. Retries stay at most ~2 s apart, so a restarted service is found again quickly.
import { clearBanner } from "./api.js";
import { byId } from "./dom.js";
import { t } from "./i18n.js";

const RETRY_MS = [250, 500, 1000, 1500];
const handlers = new Map();
const refreshers = [];
const openers = [];
let followed = null;
let attempts = 0;
let connectedOnce = false;
let socket = null;
let timer = null;

export function on(type, handler) {
  if (!handlers.has(type)) handlers.set(type, []);
  handlers.get(type).push(handler);
}

export function onReconnect(refresh) {
  refreshers.push(refresh);
}

// Called on every connection, the first included (what happened before it must be read from the API).
export function onConnect(handler) {
  openers.push(handler);
}

// The job whose output lines (`job_log` messages) this page wants; set before `startLive`.
export function follow(jobId) {
  followed = jobId;
}

function show(state) {
  const indicator = byId("live");
  indicator.dataset.state = state;
  indicator.textContent = t(`live.${state}`);
  indicator.title = state === "disconnected" ? t("live.retrying") : "";
  document.body.dataset.live = state;
  byId("live-retry").hidden = state !== "disconnected";
}

function scheduleRetry() {
  // Jittered so that many open pages do not all knock at the same instant.
  const delay = RETRY_MS[Math.min(attempts, RETRY_MS.length - 1)] * (0.75 + Math.random() / 2);
  attempts += 1;
  clearTimeout(timer);
  timer = setTimeout(connect, delay);
}

function connect() {
  clearTimeout(timer);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const search = followed === null ? "" : `?job=${encodeURIComponent(followed)}`;
  socket = new WebSocket(`${scheme}://${location.host}/ws${search}`);
  socket.addEventListener("open", () => {
    show("connected");
    clearBanner();
    attempts = 0;
    if (connectedOnce) refreshers.forEach((refresh) => refresh());
    openers.forEach((handler) => handler());
    connectedOnce = true;
  });
  socket.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    for (const handler of handlers.get(message.type) ?? []) handler(message.data);
  });
  socket.addEventListener("close", () => {
    show("disconnected");
    scheduleRetry();
  });
}

export function connected() {
  return socket?.readyState === WebSocket.OPEN;
}

export function startLive() {
  show("connecting");
  byId("live-retry").addEventListener("click", () => {
    if (socket?.readyState === WebSocket.CONNECTING) return;
    attempts = 0;
    connect();
  });
  connect();
}
