// Nodes: one live card per node, and the form that adds a node to the inventory.
import { api, reportError } from "../api.js";
import { badge, byId, coalesce, el, replaceChildren, setText, timeEl, toggler } from "../dom.js";
import { t } from "../i18n.js";
import { on, onReconnect, startLive } from "../live.js";
import { submitNodeForm } from "../nodeform.js";
import { nodeFacts, powerBadges } from "../nodeview.js";

function card(node) {
  const facts = nodeFacts(node).flatMap(([key, value]) => [el("dt", { text: t(key) }), el("dd", { text: value })]);
  return el(
    "article",
    { className: "card", dataset: { node: node.name, status: node.status ?? "unknown" } },
    el(
      "header",
      {},
      el("a", { href: `/nodes/${encodeURIComponent(node.name)}`, className: "card-title", text: node.name }),
      el("span", { className: "badges" }, badge(node.status), ...powerBadges(node)),
    ),
    el("p", { className: "muted", text: node.address ?? "" }),
    node.reason ? el("p", { className: "reason", text: node.reason }) : null,
    el("dl", { className: "facts" }, ...facts),
    el("p", { className: "muted small" }, `${t("nodes.last_seen")} `, timeEl(node.last_seen)),
  );
}

function render(nodes) {
  const online = nodes.filter((node) => node.status === "online").length;
  setText("nodes-summary", t("nodes.summary", { online, total: nodes.length }));
  replaceChildren(byId("node-cards"), nodes.length ? nodes.map(card) : [el("p", { className: "muted", text: t("nodes.none") })]);
}

async function load() {
  const answer = await api("/api/cluster/nodes");
  render(answer);
}

const redraw = coalesce(render);
on("nodes", redraw);
onReconnect(() => load().catch(reportError));

toggler("add-node-toggle", "add-node", () => byId("node-name").focus());
byId("node-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const created = await submitNodeForm(form, (body) => api("/api/cluster/nodes", { method: "POST", body }));
  if (created) {
    form.reset();
    byId("add-node").hidden = true;
    await load().catch(reportError);
  }
});
load().catch(reportError);
startLive();
