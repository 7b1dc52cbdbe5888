// One node: its details, filesystems, interfaces and sensors, history charts, edit and removal.
import { api, reportError } from "../api.js";
import { byId, bytes, celsius, coalesce, el, percent, rate, replaceChildren, setBadge, setText, timeEl, toggler } from "../dom.js";
import { t } from "../i18n.js";
import { drawHistory, rangeButtons } from "../history.js";
import { on, onReconnect, startLive } from "../live.js";
import { fillNodeForm, submitNodeForm } from "../nodeform.js";
import { drainButton, nodeFacts, powerBadges, scheduleBadge, scheduleText } from "../nodeview.js";
import { reasonText } from "../wording.js";

const name = document.body.dataset.nodeName;
const base = `/api/cluster/nodes/${encodeURIComponent(name)}`;
let range = "1h";
let node = null;
// Set once the node is being removed: nothing reads it any more (its answers would be 404s).
let removing = false;

function rows(id, items) {
  replaceChildren(byId(id), items.length ? items : [el("tr", {}, el("td", { className: "muted", text: t("value.none") }))]);
}

function renderSummary(summary) {
  node = { ...node, ...summary };
  setBadge("node-status", node.status);
  replaceChildren(byId("node-power"), powerBadges(node));
  replaceChildren(byId("node-schedule"), [scheduleBadge(node)].filter(Boolean));
  const known = node.schedulable !== null && node.schedulable !== undefined;
  const slot = byId("node-drain-slot"); // absent for a viewer
  if (slot) replaceChildren(slot, known ? [drainButton(node, renderSummary, (error) => setText("node-action-error", error.message))] : []);
  const facts = nodeFacts(node).flatMap(([key, value]) => [el("dt", { text: t(key) }), el("dd", { text: value })]);
  replaceChildren(byId("node-details"), [
    el("dt", { text: t("field.address") }), el("dd", { text: node.address ?? "—" }),
    el("dt", { text: t("field.exporter") }), el("dd", { text: node.exporter ?? "—" }),
    el("dt", { text: t("field.dispy_port") }), el("dd", { text: node.dispy_port ?? "—" }),
    el("dt", { text: t("field.labels") }), el("dd", { text: Object.entries(node.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(", ") || "—" }),
    el("dt", { text: t("nodes.last_seen") }), el("dd", {}, timeEl(node.last_seen)),
    ...(node.reason ? [el("dt", { text: t("nodes.reason") }), el("dd", { text: reasonText(node.reason) })] : []),
    el("dt", { text: t("nodes.schedulable") }), el("dd", { id: "node-schedulable", text: scheduleText(node) }),
    ...facts,
  ]);
}

function renderDetail(detail) {
  renderSummary(detail);
  rows("node-filesystems", (detail.filesystems ?? []).map((fs) =>
    el("tr", {}, el("td", { text: fs.mountpoint }), el("td", { text: percent(fs.used_percent) }), el("td", { text: `${bytes(fs.avail_bytes)} / ${bytes(fs.size_bytes)}` })),
  ));
  rows("node-interfaces", (detail.interfaces ?? []).map((nic) =>
    el("tr", {}, el("td", { text: nic.device }), el("td", { text: `↓ ${rate(nic.rx_bytes_per_second)}` }), el("td", { text: `↑ ${rate(nic.tx_bytes_per_second)}` })),
  ));
  rows("node-sensors", Object.entries(detail.sensors ?? {}).map(([sensor, value]) =>
    el("tr", {}, el("td", { text: sensor }), el("td", { text: celsius(value) })),
  ));
}

// The Grafana node dashboard selects a node by its Prometheus `instance`, the exporter's host:port.
function linkGrafana(exporter) {
  const link = byId("node-grafana");
  if (link) link.href = `${document.body.dataset.grafanaNode}?var-instance=${encodeURIComponent(exporter)}`;
}

async function loadNode() {
  if (removing) return;
  const detail = await api(base);
  renderDetail(detail);
  linkGrafana(detail.exporter);
  if (byId("edit-node").hidden) fillNodeForm(byId("node-form"), detail);
}

async function loadHistory() {
  if (removing) return;
  await drawHistory(byId("node-charts"), name, range);
}

function loadAll() {
  loadNode().catch(reportError);
  loadHistory().catch(reportError);
}

const refreshHistory = coalesce(() => loadHistory().catch(reportError), 15000);
on("nodes", (nodes) => {
  const mine = nodes.find((item) => item.name === name);
  if (!mine || removing) return;
  renderSummary(mine);
  refreshHistory();
});
onReconnect(loadAll);

toggler("edit-node-toggle", "edit-node");
byId("node-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const saved = await submitNodeForm(event.currentTarget, (body) => {
    const { name: _name, ...fields } = body;
    return api(base, { method: "PUT", body: fields });
  });
  if (saved) {
    byId("edit-node").hidden = true;
    await loadNode().catch(reportError);
  }
});
byId("node-delete").addEventListener("click", async () => {
  if (!window.confirm(t("nodes.confirm_remove", { name }))) return;
  removing = true;
  try {
    await api(base, { method: "DELETE" });
    location.assign("/nodes");
  } catch (error) {
    removing = false;
    setText("node-action-error", error.message);
  }
});
rangeButtons(byId("ranges"), range, (chosen) => {
  range = chosen;
  loadHistory().catch(reportError);
});
loadAll();
startLive();
