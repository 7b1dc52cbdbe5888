// A page's filters, sort and page number live in its URL: shareable, restored on reload, kept by the
// back button and by the language switch. Values equal to their default are left out of the URL.
export function readState(defaults) {
  const params = new URLSearchParams(location.search);
  return Object.fromEntries(Object.entries(defaults).map(([name, value]) => [name, params.get(name) ?? value]));
}

export function writeState(state, defaults) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(state)) {
    if (value !== undefined && value !== null && value !== "" && String(value) !== String(defaults[name] ?? "")) {
      params.set(name, String(value));
    }
  }
  const search = params.toString();
  const url = `${location.pathname}${search ? `?${search}` : ""}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, "", url);
}

// Sets each form control named in `state` (a <select> gets an option for a value it does not list yet,
// so a shared URL keeps its filter while the choices load).
export function fillForm(form, state) {
  for (const [name, value] of Object.entries(state)) {
    const control = form.elements[name];
    if (!control) continue;
    if (control.tagName === "SELECT" && value && ![...control.options].some((option) => option.value === value)) {
      control.append(new Option(value, value));
    }
    control.value = value;
  }
}
