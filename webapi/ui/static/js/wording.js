// The service's own phrases (overview issues, node reasons, part details) in the page's language. The API
// speaks English for logs and scripts; the page matches each known phrase and words it from the catalog.
// A phrase the catalog does not know (a library's error text) is shown as the service wrote it.
import { t, tOr } from "./i18n.js";

// [pattern, catalog key, names of the captured groups]
const ISSUES = [
  [/^no nodes in the inventory$/, "issue.no_nodes", []],
  [/^(\d+) of (\d+) nodes offline: (.*)$/, "issue.offline", ["count", "total", "names"]],
  [/^(\d+) nodes not scraped yet$/, "issue.unscraped", ["count"]],
  [/^(\d+) (\w+) alerts? firing$/, "issue.alerts", ["count", "severity"]],
  [/^inventory file not loaded: (.*)$/, "issue.inventory", ["error"]],
  [/^(\w+) (\w+): (.*)$/, "issue.part_detail", ["part", "status", "detail"]],
  [/^(\w+) (\w+)$/, "issue.part", ["part", "status"]],
];

const REASONS = [
  [/^not scraped yet$/, "reason.unscraped", []],
  [/^no fresh data \(last success never\)$/, "reason.never", []],
  [/^no fresh data \(last success (\d+) s ago\)$/, "reason.stale", ["seconds"]],
];

const DETAILS = [
  [/^not running$/, "detail.not_running", []],
  [/^first round not finished$/, "detail.first_round", []],
  [/^last round (\d+) s ago$/, "detail.last_round", ["seconds"]],
  [/^last round (\d+) s ago, (\d+) ms$/, "detail.last_round_took", ["seconds", "ms"]],
  [/^no dispy node configured: jobs stay queued$/, "detail.no_dispy_node", []],
  // The job dispatcher's summary; the route ("direct (embedded JobCluster)", a scheduler) and any
  // problems after it are left as the service wrote them.
  [/^(\d+) of (\d+) dispy nodes up, (\d+) CPUs, (.*)$/s, "detail.dispy_nodes", ["up", "total", "cpus", "rest"]],
];

// Built-in alert summaries (alerts/thresholds.py and alerts/prometheus_only.py).
const ALERTS = [
  [/^Node exporter unreachable\.$/, "alert_text.node_down", []],
  [/^CPU usage above (\d+) %\.$/, "alert_text.cpu", ["value"]],
  [/^Memory usage above (\d+) %\.$/, "alert_text.memory", ["value"]],
  [/^Filesystem more than (\d+) % full\.$/, "alert_text.disk", ["value"]],
  [/^Temperature above (\d+) °C\.$/, "alert_text.temperature", ["value"]],
  [/^Temperature above (\d+) °C: the node is throttling\.$/, "alert_text.throttling", ["value"]],
  [/^Filesystem predicted to fill up within (\d+) hours\.$/, "alert_text.disk_fill", ["value"]],
  [/^Network (\w+) errors above 1 %\.$/, "alert_text.network", ["direction"]],
  [/^Filesystem mounted read-only\.$/, "alert_text.read_only", []],
  [/^Clock skew above 50 ms\.$/, "alert_text.clock", []],
  [/^DispyCluster web service unreachable\.$/, "alert_text.service_down", []],
  [/^More than 25 % of jobs fail\.$/, "alert_text.jobs_fail", []],
  [/^Jobs were lost\.$/, "alert_text.jobs_lost", []],
  [/^Queued jobs are not being dispatched\.$/, "alert_text.jobs_stuck", []],
];

// A job's error as the service words it (webapi/jobs); a program's own message stays as it was.
const JOB_ERRORS = [
  [/^command exited with code (-?\d+)$/, "job_error.exit_code", ["code"]],
  [/^RuntimeError: command exited with code (-?\d+)$/, "job_error.exit_code", ["code"]],
  [/^the service stopped while the job was active$/, "job_error.service_stopped", []],
  [/^node (\S+) stopped answering$/, "job_error.node_lost", ["node"]],
  [/^terminated on the node$/, "job_error.terminated", []],
  [/^cancelled on request$/, "job_error.cancelled", []],
  [/^stopped: ran past its timeout_s$/, "job_error.timeout", []],
  [/^dispy refused the job: (.*)$/s, "job_error.refused", ["detail"]],
  [/^task type '(.*)' is no longer installed$/, "job_error.no_type", ["type"]],
  [/^could not prepare the job: (.*)$/s, "job_error.prepare", ["detail"]],
  [/^merging the results failed: (.*)$/s, "job_error.merge", ["detail"]],
];

// Captured values that are themselves words of ours (a part's name, a status, a severity).
function word(name, value) {
  if (name === "part") return tOr(`part.${value}`, value);
  if (name === "status" || name === "severity") return tOr(`status.${value}`, value);
  if (name === "detail") return detailText(value);
  if (name === "direction") return tOr(`direction.${value}`, value);
  return value;
}

function reword(text, table) {
  if (text === null || text === undefined) return text;
  for (const [pattern, key, names] of table) {
    const match = pattern.exec(text);
    if (match) return t(key, Object.fromEntries(names.map((name, index) => [name, word(name, match[index + 1])])));
  }
  return text;
}

export const issueText = (text) => reword(text, ISSUES);
export const reasonText = (text) => reword(text, REASONS);
export const detailText = (text) => reword(text, DETAILS);
export const alertText = (text) => reword(text, ALERTS);
export const jobErrorText = (text) => reword(text, JOB_ERRORS);
export const typeTitle = (name) => tOr(`task.${name}.title`, name);
