// The /ws live feed: typed messages to handlers, an indicator in the navigation, reconnection with
// backoff, and a refresh from the REST API after each reconnection (messages may have been missed).
import { byId } from "./dom.js";
import { t } from "./i18n.js";

const handlers = new Map();
const refreshers = [];
let attempts = 0;
let connectedOnce = false;

export function on(type, handler) {
  if (!handlers.has(type)) handlers.set(type, []);
  handlers.get(type).push(handler);
}

export function onReconnect(refresh) {
  refreshers.push(refresh);
}

function show(state) {
  const indicator = byId("live");
  indicator.dataset.state = state;
  indicator.textContent = t(`live.${state}`);
  indicator.title = state === "disconnected" ? t("live.retrying") : "";
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.addEventListener("open", () => {
    show("connected");
    attempts = 0;
    if (connectedOnce) refreshers.forEach((refresh) => refresh());
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
    // Exponential backoff with jitter, capped at 30 s; the first retry is quick.
    const delay = Math.min(30000, 500 * 2 ** attempts) * (0.75 + Math.random() / 2);
    attempts += 1;
    setTimeout(connect, delay);
  });
}

export function startLive() {
  show("connecting");
  connect();
}
