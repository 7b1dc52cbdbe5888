// The inventory node form (add on /nodes, edit on /nodes/{name}); labels are typed as "k=v, k2=v2".
import { clearFieldErrors, FieldError, showFieldErrors } from "./schemaform.js";
import { ApiError } from "./api.js";
import { byId, setText } from "./dom.js";
import { t } from "./i18n.js";

function parseLabels(text) {
  const labels = {};
  for (const pair of text.split(",").map((part) => part.trim()).filter(Boolean)) {
    const [key, ...rest] = pair.split("=");
    if (!rest.length || !key.trim()) throw new FieldError("labels", t("form.labels_format"));
    labels[key.trim()] = rest.join("=").trim();
  }
  return labels;
}

export function readNodeForm(form) {
  const body = {};
  for (const name of ["name", "address", "exporter"]) {
    const value = form.elements[name].value.trim();
    if (value) body[name] = value;
  }
  const port = form.elements.dispy_port.value.trim();
  if (port) body.dispy_port = Number(port);
  body.labels = parseLabels(form.elements.labels.value);
  return body;
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

// Runs `send(body)`; field errors (local or from the server) go beside their fields.
export async function submitNodeForm(form, send) {
  clearFieldErrors(form);
  setText("node-form-error", "");
  try {
    return await send(readNodeForm(form));
  } catch (error) {
    if (error instanceof FieldError) showFieldErrors(form, [{ loc: error.loc, message: error.message }]);
    else if (error instanceof ApiError && error.fields.length) {
      const rest = showFieldErrors(form, error.fields);
      setText("node-form-error", rest.length ? rest.join("; ") : t("form.fix_fields"));
    } else byId("node-form-error").textContent = error.message;
    return null;
  }
}
