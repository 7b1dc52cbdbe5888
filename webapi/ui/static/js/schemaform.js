// A form generated from a JSON Schema (the parameter model of a job type, as /api/jobs/types publishes
// it): one input per property, typed by the schema, titles and help from the catalog (the schema's
// English otherwise), checked in the browser against the schema with every error shown at once, and the
// server's field errors shown beside their fields.
import { SplitError, splitCommand } from "./argv.js";
import { el, replaceChildren } from "./dom.js";
import { t, tOr } from "./i18n.js";

// Parameters typed as a command line (split as a shell would, with a preview of the arguments).
const COMMAND_LINES = new Set(["processing.command"]);

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

function kindOf(schema, qualified) {
  if (COMMAND_LINES.has(qualified)) return "argv";
  if (schema.enum) return "enum";
  if (schema.type === "array" && ["string", "number", "integer"].includes(schema.items?.type)) return "list";
  if (schema.type === "object" && schema.additionalProperties?.type === "string" && !schema.properties) return "pairs";
  return schema.type ?? "json";
}

function inputFor(name, schema, kind, id, describedBy) {
  const common = { id, name, dataset: { kind }, "aria-describedby": describedBy };
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
  if (kind === "argv") return el("textarea", { ...common, rows: 2, spellcheck: "false", autocapitalize: "off" });
  let text = "";
  if (initial !== undefined && initial !== null) {
    if (kind === "list") text = initial.join("\n");
    else if (kind === "pairs") text = Object.entries(initial).map(([key, value]) => `${key}=${value}`).join("\n");
    else text = JSON.stringify(initial, null, 2);
  }
  return el("textarea", { ...common, rows: kind === "list" || kind === "pairs" ? 3 : 4, spellcheck: "false" }, text);
}

const HINTS = { list: "form.one_per_line", pairs: "form.pairs", json: "form.json", object: "form.json", argv: "form.command_line" };

// The argument list the node will run, shown under a command-line field as the user types.
function argvPreview(input, preview) {
  const update = () => {
    let words;
    try {
      words = splitCommand(input.value);
    } catch {
      preview.replaceChildren(t("form.preview_unfinished"));
      return;
    }
    preview.replaceChildren(
      words.length ? `${t("form.preview", { count: words.length })} ` : t("form.preview_empty"),
      ...words.map((word, index) => el("code", { className: "arg", title: `argv[${index}]`, text: word })),
    );
  };
  input.addEventListener("input", update);
  update();
}

export function buildFields(container, schema, typeName) {
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([name, raw]) => {
    const property = resolve(raw, schema);
    const qualified = `${typeName}.${name}`;
    const kind = kindOf(property, qualified);
    const id = `param-${name}`;
    const helpId = `${id}-help`;
    const errorId = `${id}-error`;
    const title = tOr(`param.${qualified}.title`, property.title ?? name);
    const help = [tOr(`param.${qualified}.help`, property.description ?? ""), HINTS[kind] ? t(HINTS[kind]) : ""].filter(Boolean).join(" ");
    const input = inputFor(name, property, kind, id, `${errorId} ${helpId}`);
    const preview = kind === "argv" ? el("p", { className: "argv-preview help", id: `${id}-preview`, "aria-live": "polite" }) : null;
    if (preview) argvPreview(input, preview);
    return el(
      "div",
      { className: "param" },
      el("label", { for: id, text: `${title}${required.has(name) ? " *" : ""}` }),
      input,
      el("span", { className: "field-error", id: errorId, dataset: { errorFor: `parameters.${name}` } }),
      preview,
      help ? el("p", { className: "help", id: helpId, text: help }) : null,
    );
  });
  replaceChildren(container, [container.querySelector("legend"), ...fields]);
  container.schema = schema;
}

// What is wrong with `value` for `schema`, in words, or null.
export function problemWith(value, schema, requiredField) {
  if (value === undefined) return requiredField ? t("form.required") : null;
  if (schema.type === "integer" && !Number.isInteger(value)) return t("form.integer");
  if ((schema.type === "number" || schema.type === "integer") && !Number.isFinite(value)) return t("form.number");
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) return t("form.min", { min: schema.minimum });
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) return t("form.above", { min: schema.exclusiveMinimum });
    if (schema.maximum !== undefined && value > schema.maximum) return t("form.max", { max: schema.maximum });
  }
  if (typeof value === "string" && schema.maxLength !== undefined && value.length > schema.maxLength) {
    return t("form.too_long", { max: schema.maxLength });
  }
  if (Array.isArray(value) && schema.minItems !== undefined && value.length < schema.minItems) {
    return requiredField && value.length === 0 ? t("form.required") : t("form.min_items", { min: schema.minItems });
  }
  return null;
}

function readValue(input) {
  const kind = input.dataset.kind;
  if (kind === "boolean") return input.checked;
  const text = input.value.trim();
  if (text === "") return undefined;
  if (kind === "integer" || kind === "number") return Number(text);
  if (kind === "list") return text.split("\n").map((line) => line.trim()).filter(Boolean);
  if (kind === "string" || kind === "enum") return input.value;
  if (kind === "argv") {
    try {
      return splitCommand(input.value);
    } catch (error) {
      if (error instanceof SplitError) throw new Error(t(`form.quote_${error.message}`));
      throw error;
    }
  }
  if (kind === "pairs") {
    const pairs = {};
    for (const line of text.split("\n").map((part) => part.trim()).filter(Boolean)) {
      const [key, ...rest] = line.split("=");
      if (!rest.length || !key.trim()) throw new Error(t("form.pairs_format"));
      pairs[key.trim()] = rest.join("=");
    }
    return pairs;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(t("form.invalid_json"));
  }
}

// The values of every field (empty inputs left out, so the server applies the model's defaults) and
// every problem found, as [{loc, message}], in the order of the fields.
export function readFields(container) {
  const schema = container.schema ?? { properties: {} };
  const required = new Set(schema.required ?? []);
  const values = {};
  const errors = [];
  for (const input of container.querySelectorAll("[data-kind]")) {
    const loc = `parameters.${input.name}`;
    let value;
    try {
      value = readValue(input);
    } catch (error) {
      errors.push({ loc, message: error.message });
      continue;
    }
    const property = resolve(schema.properties[input.name] ?? {}, schema);
    const problem = problemWith(value, property, required.has(input.name));
    if (problem) errors.push({ loc, message: problem });
    else if (value !== undefined) values[input.name] = value;
  }
  return { values, errors };
}

// Puts each error (`loc` like "body.parameters.max_pages") beside its field, marks the field invalid,
// moves focus to the first one; returns the errors no field could take.
export function showFieldErrors(form, fields) {
  clearFieldErrors(form);
  const unplaced = [];
  let first = null;
  for (const field of fields) {
    const loc = field.loc.replace(/^body\./, "");
    const parts = loc.split(".");
    const slot =
      form.querySelector(`[data-error-for="${CSS.escape(parts.slice(0, 2).join("."))}"]`) ??
      form.querySelector(`[data-error-for="${CSS.escape(parts[0])}"]`);
    if (!slot) {
      unplaced.push(`${loc}: ${field.message}`);
      continue;
    }
    slot.textContent = [slot.textContent, field.message].filter(Boolean).join("; ");
    const input = slot.parentElement.querySelector("input, select, textarea");
    if (input) {
      input.setAttribute("aria-invalid", "true");
      // The first in the page, whatever order the errors came in.
      if (!first || input.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING) first = input;
    }
  }
  first?.focus();
  return unplaced;
}

export function clearFieldErrors(form) {
  for (const slot of form.querySelectorAll(".field-error")) slot.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}
