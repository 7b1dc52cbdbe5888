// The inventory node form (add on /nodes, edit on /nodes/{name}); labels are typed as "k=v, k2=v2".
// Checked in the browser first (every problem at once), then the server's field errors if any.
import { clearFieldErrors, problemWith, showFieldErrors } from "./schemaform.js";
import { ApiError } from "./api.js";
import { byId, setText } from "./dom.js";
import { t } from "./i18n.js";

function parseLabels(text) {
  const labels = {};
  for (const pair of text.split(",").map((part) => part.trim()).filter(Boolean)) {
    const [key, ...rest] = pair.split("=");
    if (!rest.length || !key.trim()) return null;
    labels[key.trim()] = rest.join("=").trim();
  }
  return labels;
}

// The request body and every problem found, as [{loc, message}].
export function readNodeForm(form) {
  const body = {};
  const errors = [];
  for (const name of ["name", "address", "exporter"]) {
    const value = form.elements[name].value.trim();
    if (value) body[name] = value;
    else if (form.elements[name].required) errors.push({ loc: name, message: t("form.required") });
  }
  const port = form.elements.dispy_port.value.trim();
  if (port) {
    body.dispy_port = Number(port);
    const problem = problemWith(body.dispy_port, { type: "integer", minimum: 1, maximum: 65535 }, false);
    if (problem) errors.push({ loc: "dispy_port", message: problem });
  }
  body.labels = parseLabels(form.elements.labels.value);
  if (body.labels === null) errors.push({ loc: "labels", message: t("form.labels_format") });
  return { body, errors };
}

export function fillNodeForm(form, node) {
  form.elements.name.value = node.name;
  form.elements.name.readOnly = true;
  form.elements.address.value = node.address ?? "";
  form.elements.exporter.value = node.exporter ?? "";
  form.elements.dispy_port.value = node.dispy_port ?? "";
  form.elements.labels.value = Object.entries(node.labels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
}

// Runs `send(body)` once the form has no problem left; field errors (local or from the server) go
// beside their fields, focus on the first.
export async function submitNodeForm(form, send) {
  clearFieldErrors(form);
  setText("node-form-error", "");
  const { body, errors } = readNodeForm(form);
  if (errors.length) {
    showFieldErrors(form, errors);
    setText("node-form-error", t("form.fix_fields_count", { count: errors.length }));
    return null;
  }
  try {
    return await send(body);
  } catch (error) {
    if (error instanceof ApiError && error.fields.length) {
      const rest = showFieldErrors(form, error.fields);
      setText("node-form-error", rest.length ? rest.join("; ") : t("form.fix_fields"));
    } else byId("node-form-error").textContent = error.message;
    return null;
  }
}
