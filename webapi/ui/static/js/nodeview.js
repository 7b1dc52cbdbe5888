// How one node summary reads on screen (shared by the Nodes cards and the node page).
import { api } from "./api.js";
import { celsius, duration, el, number, percent, rate } from "./dom.js";
import { t, tOr } from "./i18n.js";

export function dispyText(dispy) {
  if (!dispy) return t("value.unknown");
  const state = dispy.state ?? "unknown";
  const parts = [tOr(`dispy.${state}`, state)];
  if (dispy.cpus !== null && dispy.cpus !== undefined) parts.push(`${dispy.cpus} ${t("unit.cpus")}`);
  if (dispy.busy !== null && dispy.busy !== undefined) parts.push(`${dispy.busy} ${t("dispy.busy")}`);
  if (dispy.jobs_done !== null && dispy.jobs_done !== undefined) parts.push(`${dispy.jobs_done} ${t("dispy.done")}`);
  if (dispy.message) parts.push(dispy.message);
  return parts.join(" · ");
}

export function nodeFacts(node) {
  return [
    ["metric.cpu", percent(node.cpu_percent)],
    ["metric.memory", percent(node.memory_percent)],
    ["metric.disk", percent(node.disk_percent)],
    ["metric.temperature", celsius(node.temperature_celsius)],
    ["metric.network", `↓ ${rate(node.network_rx_bps)} ↑ ${rate(node.network_tx_bps)}`],
    ["metric.load", number(node.load1, 2)],
    ["metric.uptime", duration(node.uptime_seconds)],
    ["metric.dispy", dispyText(node.dispy)],
  ];
}

// A Raspberry Pi's power and throttling flags as badges; none where they are unknown or clear.
export function powerBadges(node) {
  const flag = (key, status) => el("span", { className: "badge", dataset: { status, power: key }, title: t(`power.${key}.title`), text: t(`power.${key}`) });
  const badges = [];
  if (node.under_voltage) badges.push(flag("under_voltage", "critical"));
  else if (node.under_voltage_since_boot) badges.push(flag("under_voltage_since_boot", "warning"));
  if (node.throttled) badges.push(flag("throttled", "warning"));
  return badges;
}

// Whether the node takes new jobs: a badge when it does not (drained, or kept free by a guard), with why.
export function scheduleBadge(node) {
  if (node.schedulable !== false) return null;
  const kind = node.drained ? "drained" : "guarded";
  return el("span", { className: "badge", dataset: { status: node.drained ? "warning" : "critical", schedule: kind }, title: node.unschedulable_reason ?? "", text: t(`schedule.${kind}`) });
}

export function scheduleText(node) {
  if (node.schedulable === null || node.schedulable === undefined) return t("value.unknown");
  return node.schedulable ? t("schedule.yes") : node.unschedulable_reason ?? t("schedule.no");
}

// Whether the page's caller may drain and resume nodes (the server renders its role; the API decides).
export function mayOperate() {
  return ["operator", "admin"].includes(document.body.dataset.role);
}

// Drain (no new job starts there; the running ones finish) or Resume; `done` gets the node's answer,
// `failed` the error.
export function drainButton(node, done, failed) {
  const resume = node.drained === true;
  const button = el("button", { type: "button", className: "drain", dataset: { action: resume ? "resume" : "drain" }, text: t(resume ? "nodes.resume" : "nodes.drain") });
  button.addEventListener("click", async () => {
    const base = `/api/cluster/nodes/${encodeURIComponent(node.name)}`;
    let request;
    if (resume) {
      request = api(`${base}/resume`, { method: "POST" });
    } else {
      const reason = window.prompt(t("nodes.drain_reason", { name: node.name }), "");
      if (reason === null) return;
      request = api(`${base}/drain`, { method: "POST", body: { reason: reason.trim() || null } });
    }
    try {
      done(await request);
    } catch (error) {
      failed(error);
    }
  });
  return button;
}
