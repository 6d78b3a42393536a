// The mesh: virtual services and security policies, a YAML editor that
// asks the server for a dry run and shows the diff before applying, and
// the resolve and check forms.

import { act, form, panel, resourceTable, showError } from "../components.js";
import { diffLines } from "../diff.js";
import { age, h, replace } from "../dom.js";
import yaml from "../../vendor/js-yaml.mjs";

const KINDS = {
  "virtual-service": { kind: "virtual_service", path: "/mesh/virtual-services", field: "virtual_services" },
  "security-policy": { kind: "security_policy", path: "/mesh/security-policies", field: "security_policies" },
};
/** Fields the server writes: not part of what one applies. */
const SERVER_FIELDS = ["id", "created_at", "updated_at", "created_by", "updated_by", "resource_version"];

const TEMPLATE = `name: web
namespace: default
hosts:
  - web.example.com
http_routes:
  - name: primary
    route:
      - destination:
          host: web-v1
        weight: 100
`;

export function render(main, ctx) {
  const editor = editorPanel(ctx);
  for (const [name, { kind, path, field }] of Object.entries(KINDS)) {
    if (!ctx.may(kind)) continue;
    const status = h("div");
    const table = resourceTable(ctx, {
      kind, path, listField: field, testName: kind,
      columns: [
        ["Namespace", (o) => o.namespace],
        ["Name", (o) => o.name],
        kind === "virtual_service" ? ["Hosts", (o) => o.hosts.join(", ")] : ["Action", (o) => o.action],
        kind === "virtual_service" ? ["Routes", (o) => String(o.http_routes.length)] : ["Rules", (o) => String(o.rules.length)],
        ["Age", (o) => age(o.created_at)],
      ],
      actions: (o) => [
        act("YAML", async () => editor.load(name, o), status, { test: "edit" }),
        ctx.may(kind, "write") ? act("Delete", async () => {
          if (!confirm(`Delete ${o.namespace}/${o.name}?`)) return;
          await ctx.api.del(`${path}/${o.namespace}/${o.name}`);
        }, status, { danger: true }) : null,
      ],
    });
    main.append(panel(name === "virtual-service" ? "Virtual services" : "Security policies", table.el, status));
  }
  main.append(editor.el);
  if (ctx.may("virtual_service")) {
    const answer = h("pre", { class: "secret", "data-test": "resolution" });
    main.append(panel("Resolve a request", form([
      { name: "host", label: "Host", value: "web.example.com" },
      { name: "path", label: "Path", value: "/" },
      { name: "method", label: "Method", value: "GET" },
    ], "Resolve", async (v) => {
      const json = await ctx.api.post("/mesh/routes:resolve", { host: v.host, path: v.path, method: v.method });
      answer.textContent = JSON.stringify(json, null, 2);
    }, { keep: true }), answer));
  }
  if (ctx.may("security_policy")) {
    const answer = h("pre", { class: "secret", "data-test": "decision" });
    main.append(panel("Check a request", form([
      { name: "namespace", label: "Namespace", value: "default" },
      { name: "principal", label: "Principal" },
      { name: "host", label: "Host", value: "web.example.com" },
      { name: "path", label: "Path", value: "/" },
      { name: "method", label: "Method", value: "GET" },
    ], "Check", async (v) => {
      const json = await ctx.api.post("/mesh/security-policies:check", v);
      answer.textContent = JSON.stringify(json, null, 2);
    }, { keep: true }), answer));
  }
}

/** The YAML editor: dry run (the server's), the diff, then apply. */
function editorPanel(ctx) {
  const writes = ctx.may("virtual_service", "write") || ctx.may("security_policy", "write");
  const which = h("select", { "data-test": "editor-kind" },
    Object.keys(KINDS).filter((k) => ctx.may(KINDS[k].kind, "write") || ctx.may(KINDS[k].kind))
      .map((k) => h("option", { value: k }, k)));
  const text = h("textarea", { "data-test": "editor", spellcheck: "false" }, TEMPLATE);
  const status = h("div");
  const outcome = h("div", { "data-test": "outcome" });
  const diff = h("div", { class: "diff", "data-test": "diff" });
  let planned = null; // [text, version] the dry run was made for
  const apply = h("button", { class: "primary", disabled: true, "data-test": "apply" }, "Apply");

  function parse() {
    const input = yaml.load(text.value);
    if (!input || typeof input !== "object") throw new Error("the YAML must be a mapping");
    if (!input.name) throw new Error("the YAML needs a name");
    return input;
  }
  async function current(kind, input) {
    try {
      return await ctx.api.get(`${KINDS[kind].path}/${input.namespace || "default"}/${input.name}`);
    } catch (error) {
      if (error.status === 404) return null;
      throw error;
    }
  }
  const dryRun = h("button", { "data-test": "dry-run", onclick: async () => {
    replace(status); replace(outcome); replace(diff); apply.disabled = true; planned = null;
    try {
      const kind = which.value;
      const input = parse();
      const before = await current(kind, input);
      const { json, headers } = await ctx.api.call("PUT",
        `${KINDS[kind].path}/${input.namespace || "default"}/${input.name}`,
        { body: input, query: [["dry_run", "true"]] });
      replace(outcome, `The server would: ${headers.get("apply-outcome")}`);
      const lines = diffLines(before ? show(before) : "", show(json));
      replace(diff, lines.map(([op, line]) =>
        h("span", { class: op === "+" ? "add" : op === "-" ? "del" : "same" }, `${op} ${line}`)));
      planned = [text.value, before ? before.resource_version : undefined, kind];
      apply.disabled = !writes;
    } catch (error) {
      showError(status, error);
    }
  } }, "Dry run");
  apply.addEventListener("click", async () => {
    if (!planned || planned[0] !== text.value || planned[2] !== which.value) {
      apply.disabled = true;
      replace(status, h("div", { class: "error" }, "The YAML changed since the dry run: run it again."));
      return;
    }
    try {
      const input = parse();
      const { headers } = await ctx.api.call("PUT",
        `${KINDS[planned[2]].path}/${input.namespace || "default"}/${input.name}`,
        { body: input, headers: planned[1] === undefined ? {} : { "if-match": `"${planned[1]}"` } });
      replace(outcome, h("b", { "data-test": "applied" }, `Applied: ${headers.get("apply-outcome")}`));
      replace(diff);
      apply.disabled = true;
      planned = null;
    } catch (error) {
      showError(status, error);
    }
  });
  text.addEventListener("input", () => { apply.disabled = true; });
  const el = panel("YAML", h("div", { class: "row" }, which, dryRun, apply,
    writes ? null : h("span", { class: "muted" }, "(read only: dry runs need write access too)")),
  text, status, outcome, diff);
  return {
    el,
    load(kind, object) {
      which.value = kind;
      const input = { ...object };
      for (const f of SERVER_FIELDS) delete input[f];
      text.value = yaml.dump(input, { noRefs: true });
      apply.disabled = true;
      replace(diff); replace(outcome);
      el.scrollIntoView();
    },
  };
}

/** An object as YAML, without what the server writes on every change. */
function show(object) {
  const copy = { ...object };
  for (const f of SERVER_FIELDS) delete copy[f];
  return yaml.dump(copy, { noRefs: true, sortKeys: true });
}
