// The REST client: same-origin fetch (the login cookie carries the auth), JSON in and out, and the
// service's one error shape `{"error": {"status", "message", "fields"}}` turned into an ApiError.
import { byId } from "./dom.js";
import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, message, fields = []) {
    super(message);
    this.status = status;
    this.fields = fields;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error;
    if (response.status === 401) showBanner(t("auth.required"));
    throw new ApiError(response.status, error?.message ?? response.statusText, error?.fields ?? []);
  }
  return data;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export function showBanner(message) {
  const banner = byId("banner");
  banner.textContent = message;
  banner.hidden = false;
}

export function clearBanner() {
  const banner = byId("banner");
  banner.hidden = true;
  banner.textContent = "";
}

// Shows an unexpected failure instead of leaving the page half drawn. fetch() rejects with a TypeError
// (in the browser's own words) when the service does not answer at all.
export function reportError(error) {
  const reason = error instanceof TypeError ? t("error.unreachable") : error.message;
  showBanner(`${t("error.load")}: ${reason}`);
}
