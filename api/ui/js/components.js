// What the views share: forms that show the API's error next to the field
// it names, and tables that page through the API and follow the event log.

import { h, replace } from "./dom.js";

/** Shows `error` (an ApiError or any Error) in `area`, and next to the
 * input of the field it names when `form` has one. */
export function showError(area, error, form = null) {
  if (form) for (const old of form.querySelectorAll(".field-error")) old.remove();
  const field = error && error.field;
  const input = form && field && form.querySelector(`[name="${CSS.escape(field)}"]`);
  const text = error.code ? `${error.code}: ${error.message}` : String(error.message || error);
  if (input) {
    input.closest("label").append(h("span", { class: "field-error", "data-test": "field-error" },
      error.reason || error.message));
  }
  replace(area, h("div", { class: "error", "data-test": "error" }, text, field ? ` (${field})` : ""));
}

/** A form of `fields` ({name, label, type, value, options, required}):
 * `submit(values)` runs on submit; its error shows beside its field. A
 * form that made something is emptied after, unless `keep`. */
export function form(fields, submitLabel, submit, { inline = true, keep = false } = {}) {
  const status = h("div");
  const inputs = fields.map((f) => {
    let input;
    if (f.type === "select") {
      input = h("select", { name: f.name }, f.options.map((o) => h("option", { value: o, selected: o === f.value }, o)));
    } else if (f.type === "textarea") {
      input = h("textarea", { name: f.name }, f.value || "");
    } else {
      input = h("input", { name: f.name, type: f.type || "text", value: f.value, placeholder: f.placeholder, required: f.required, accept: f.accept });
    }
    return h("label", {}, f.label, input);
  });
  const el = h("form", { class: inline ? "inline" : "stack" }, inputs,
    h("button", { class: "primary", type: "submit" }, submitLabel), status);
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {};
    for (const f of fields) {
      const input = el.querySelector(`[name="${f.name}"]`);
      values[f.name] = f.type === "file" ? input.files[0] : input.value;
    }
    replace(status);
    for (const old of el.querySelectorAll(".field-error")) old.remove();
    try {
      await submit(values, status);
      if (!keep) el.reset();
    } catch (error) {
      showError(status, error, el);
    }
  });
  return el;
}

/** A table of one kind: a page at a time (never the whole list), a tag
 * filter, and a reload when the event log says the kind changed. */
export function resourceTable(ctx, { kind, path, listField, columns, actions, query = () => [], pageSize = 20, testName }) {
  const body = h("tbody");
  const status = h("div");
  const tagInput = h("input", { placeholder: "tag filter, e.g. env=prod", "data-test": "tag-filter" });
  const prev = h("button", { disabled: true }, "‹ Previous");
  const next = h("button", { disabled: true }, "Next ›");
  const info = h("span", { class: "muted" });
  let tokens = [null];
  let page = 0;
  let latest = null;

  async function load() {
    const pairs = [["page_size", String(pageSize)], ...query()];
    const tag = tagInput.value.trim();
    if (tag) {
      for (const one of tag.split(",")) {
        const [key, value = ""] = one.split("=");
        pairs.push(["tag", `${key.trim()}:${value.trim()}`]);
      }
    }
    if (tokens[page]) pairs.push(["page_token", tokens[page]]);
    try {
      const answer = await ctx.api.get(path, pairs);
      latest = answer[listField] || [];
      tokens[page + 1] = answer.next_page_token || null;
      replace(body, latest.length === 0
        ? h("tr", {}, h("td", { colspan: columns.length + 1, class: "muted" }, "None."))
        : latest.map((item) => h("tr", { "data-test": `${testName}-row`, "data-name": item.name || item.username || item.id },
          columns.map(([, cell]) => h("td", {}, cell(item))),
          h("td", {}, actions ? actions(item, reload) : null))));
      prev.disabled = page === 0;
      next.disabled = !tokens[page + 1];
      info.textContent = `page ${page + 1}`;
      replace(status);
    } catch (error) {
      showError(status, error);
    }
  }
  let timer = null;
  /** Reloads soon: at most once per 150 ms however many events come (a
   * busy cluster must not keep postponing it). */
  function reload() {
    if (timer) return;
    timer = setTimeout(() => { timer = null; load(); }, 150);
  }
  prev.addEventListener("click", () => { page -= 1; load(); });
  next.addEventListener("click", () => { page += 1; load(); });
  tagInput.addEventListener("change", () => { tokens = [null]; page = 0; load(); });
  const kinds = Array.isArray(kind) ? kind : [kind];
  const unsubscribe = ctx.events.subscribe((event) => { if (kinds.includes(event.kind)) reload(); });
  ctx.onLeave(unsubscribe);
  load();
  const el = h("div", { "data-test": `${testName}-table` },
    h("div", { class: "row" }, tagInput, h("span", { class: "grow" }), info, prev, next),
    h("table", {}, h("thead", {}, h("tr", {}, columns.map(([title]) => h("th", {}, title)), h("th", {}))), body),
    status);
  return { el, reload, items: () => latest, close: unsubscribe };
}

/** A button that runs `action` and shows its error in `area`. */
export function act(label, action, area, { danger = false, test } = {}) {
  return h("button", {
    class: danger ? "danger" : "", type: "button", "data-test": test,
    onclick: async (event) => {
      event.target.disabled = true;
      try { await action(); } catch (error) { showError(area, error); } finally { event.target.disabled = false; }
    },
  }, label);
}

/** A panel with a title. */
export function panel(title, ...children) {
  return h("section", { class: "panel" }, h("h2", {}, title), ...children);
}
