// Functions: a table, a create form that uploads a `.wasm` (or `.wat`)
// file, and an invoke panel showing output, logs, fuel, duration and the
// function's duration histogram.

import { act, form, panel, resourceTable } from "../components.js";
import { age, h, replace } from "../dom.js";

export function render(main, ctx) {
  const writes = ctx.may("function", "write");
  const status = h("div");
  const detail = h("div");
  const table = resourceTable(ctx, {
    kind: "function", path: "/functions", listField: "functions", testName: "function",
    columns: [
      ["Name", (f) => h("a", { href: "#/functions", "data-test": "function-name", onclick: (e) => { e.preventDefault(); open(f.id); } }, f.name)],
      ["Runtime", (f) => f.runtime],
      ["Handler", (f) => f.handler],
      ["Memory MB", (f) => String(f.memory_mb)],
      ["Timeout ms", (f) => String(f.timeout_ms)],
      ["Age", (f) => age(f.created_at)],
    ],
    actions: writes ? (f) => [act("Delete", async () => {
      if (!confirm(`Delete function ${f.name}?`)) return;
      await ctx.api.del(`/functions/${f.id}`);
      table.reload();
    }, status, { danger: true })] : null,
  });

  async function open(id) {
    const f = await ctx.api.get(`/functions/${id}`);
    const output = h("div", { "data-test": "invocation" });
    const invoke = writes ? form([{ name: "payload", label: "Payload", type: "textarea", value: "{}" }], "Invoke",
      async (v) => {
        const { json } = await ctx.api.call("POST", `/functions/${id}/invoke`, { raw: v.payload, contentType: "application/json" });
        replace(output,
          h("div", { class: "row" }, "Status: ", h("b", { "data-test": "invocation-status" }, json.status),
            ` · ${json.duration_ms} ms`, json.fuel_used != null ? ` · fuel ${json.fuel_used}` : ""),
          h("div", {}, "Output:"),
          h("pre", { class: "secret", "data-test": "invocation-output" },
            typeof json.output === "string" ? json.output : JSON.stringify(json.output, null, 2)),
          json.logs ? [h("div", {}, "Logs:"), h("pre", { class: "secret" }, json.logs)] : null);
        const again = await ctx.api.get(`/functions/${id}`);
        replace(stats, histogram(again.stats));
      }, { inline: false, keep: true }) : h("p", { class: "muted" }, "You may not invoke functions.");
    const stats = h("div", {}, histogram(f.stats));
    replace(detail, panel(`Function ${f.name}`,
      h("p", { class: "muted mono" }, `${f.id} · ${f.runtime}/${f.handler} · code ${f.code_sha256 || "none"}`),
      invoke, output, h("h2", {}, "Invocations (this server)"), stats));
  }

  const create = writes ? panel("New function", form([
    { name: "name", label: "Name", required: true },
    { name: "runtime", label: "Runtime", type: "select", options: ["wasm", "native"], value: "wasm" },
    { name: "handler", label: "Handler (optional)" },
    { name: "code", label: "Module (.wasm or .wat)", type: "file", accept: ".wasm,.wat" },
  ], "Create", async (v) => {
    const input = { name: v.name, runtime: v.runtime };
    if (v.handler) input.handler = v.handler;
    if (v.code) input.code = await codeField(v.code);
    const made = await ctx.api.post("/functions", input);
    table.reload();
    open(made.id);
  })) : null;
  main.append(create || "", panel("Functions", table.el, status), detail);
}

/** A `code` field: base64 of a `.wasm` module, or a `.wat` file's text. */
async function codeField(file) {
  if (file.name.endsWith(".wat")) return file.text();
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The duration histogram as bars. */
function histogram(stats) {
  if (!stats) return h("p", { class: "muted" }, "No statistics.");
  const buckets = stats.duration_histogram || [];
  const most = Math.max(1, ...buckets.map((b) => b.count));
  return h("div", { class: "bars", "data-test": "stats" },
    h("p", {}, `${stats.invocations} invocations, ${stats.errors} errors, ${stats.timeouts} timeouts`,
      stats.p50_duration_ms != null ? ` · p50 ${stats.p50_duration_ms} ms · p99 ${stats.p99_duration_ms} ms` : ""),
    h("table", {}, h("tbody", {}, buckets.map((b) => h("tr", {},
      h("td", { class: "mono" }, b.le_ms == null ? "> last" : `≤ ${b.le_ms} ms`),
      h("td", {}, bar((100 * b.count) / most)),
      h("td", {}, String(b.count)))))));
}

/** A bar `percent` wide (CSSOM, which the CSP allows; no style attribute). */
function bar(percent) {
  const el = h("span", { class: "bar" });
  el.style.width = `${Math.max(1, Math.round(percent * 2))}px`;
  return el;
}
