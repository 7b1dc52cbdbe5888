// A form generated from a JSON Schema (the parameter model of a job type, as /api/jobs/types publishes
// it): one input per property, typed by the schema, and the server's field errors shown beside them.
import { el } from "./dom.js";
import { t } from "./i18n.js";

// pydantic writes Optional[X] as anyOf [X, null] and nested models as $ref into $defs.
function resolve(schema, root) {
  let current = schema;
  if (current.$ref) current = root.$defs?.[current.$ref.split("/").pop()] ?? {};
  const options = current.anyOf ?? current.oneOf;
  if (options) {
    const concrete = options.find((option) => option.type !== "null") ?? {};
    current = { ...resolve(concrete, root), ...current, anyOf: undefined, oneOf: undefined };
  }
  return current;
}

function kindOf(schema) {
  if (schema.enum) return "enum";
  if (schema.type === "array" && ["string", "number", "integer"].includes(schema.items?.type)) return "list";
  return schema.type ?? "json";
}

function inputFor(name, schema, kind, id) {
  const common = { id, name, dataset: { kind } };
  const initial = schema.default;
  if (kind === "boolean") return el("input", { ...common, type: "checkbox", checked: initial === true });
  if (kind === "enum") {
    return el(
      "select",
      common,
      ...schema.enum.map((value) => el("option", { value, text: value, selected: value === initial })),
    );
  }
  if (kind === "integer" || kind === "number") {
    return el("input", {
      ...common,
      type: "number",
      step: kind === "integer" ? "1" : "any",
      min: schema.minimum ?? schema.exclusiveMinimum,
      max: schema.maximum ?? schema.exclusiveMaximum,
      value: initial,
    });
  }
  if (kind === "string") return el("input", { ...common, value: initial, maxlength: schema.maxLength });
  const text =
    initial === undefined ? "" : kind === "list" ? initial.join("\n") : JSON.stringify(initial, null, 2);
  return el("textarea", { ...common, rows: kind === "list" ? 3 : 4 }, text);
}

export function buildFields(container, schema) {
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([name, raw]) => {
    const property = resolve(raw, schema);
    const kind = kindOf(property);
    const id = `param-${name}`;
    const hint = kind === "list" ? t("form.one_per_line") : kind === "json" || kind === "object" ? t("form.json") : "";
    return el(
      "div",
      { className: "param" },
      el("label", { for: id, text: `${property.title ?? name}${required.has(name) ? " *" : ""}` }),
      inputFor(name, property, kind, id),
      el("span", { className: "field-error", dataset: { errorFor: `parameters.${name}` } }),
      property.description || hint ? el("p", { className: "help", text: [property.description, hint].filter(Boolean).join(" ") }) : null,
    );
  });
  container.replaceChildren(container.querySelector("legend"), ...fields);
}

export class FieldError extends Error {
  constructor(loc, message) {
    super(message);
    this.loc = loc;
  }
}

function readValue(input) {
  const kind = input.dataset.kind;
  if (kind === "boolean") return input.checked;
  const text = input.value.trim();
  if (text === "") return undefined;
  if (kind === "integer" || kind === "number") return Number(text);
  if (kind === "list") return text.split("\n").map((line) => line.trim()).filter(Boolean);
  if (kind === "string" || kind === "enum") return input.value;
  try {
    return JSON.parse(text);
  } catch {
    throw new FieldError(`parameters.${input.name}`, t("form.invalid_json"));
  }
}

// Empty inputs are left out, so the server applies the model's defaults.
export function readFields(container) {
  const values = {};
  for (const input of container.querySelectorAll("[data-kind]")) {
    const value = readValue(input);
    if (value !== undefined) values[input.name] = value;
  }
  return values;
}

// Puts each server error (`loc` like "body.parameters.max_pages") beside its field; returns the rest.
export function showFieldErrors(form, fields) {
  clearFieldErrors(form);
  const unplaced = [];
  for (const field of fields) {
    const loc = field.loc.replace(/^body\./, "");
    const parts = loc.split(".");
    const slot =
      form.querySelector(`[data-error-for="${CSS.escape(parts.slice(0, 2).join("."))}"]`) ??
      form.querySelector(`[data-error-for="${CSS.escape(parts[0])}"]`);
    if (slot) slot.textContent = [slot.textContent, field.message].filter(Boolean).join("; ");
    else unplaced.push(`${loc}: ${field.message}`);
  }
  return unplaced;
}

export function clearFieldErrors(form) {
  for (const slot of form.querySelectorAll(".field-error")) slot.textContent = "";
}
