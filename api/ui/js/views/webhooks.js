// Webhooks: endpoints (the signing secret shown once, on create and on
// rotation; enable and disable), each one's deliveries with their
// attempts, redeliver and test.

import { act, form, panel, resourceTable } from "../components.js";
import { badge, h, replace } from "../dom.js";

export function render(main, ctx) {
  const writes = ctx.may("webhook", "write");
  const status = h("div");
  const secret = h("div");
  const deliveries = h("div");
  const endpoints = resourceTable(ctx, {
    kind: "webhook", path: "/webhooks", listField: "webhooks", testName: "webhook",
    columns: [
      ["Name", (w) => w.name],
      ["URL", (w) => h("span", { class: "mono" }, w.url)],
      ["Events", (w) => w.events.join(", ")],
      ["Enabled", (w) => (w.enabled ? badge("active") : badge(w.disabled_reason || "disabled"))],
    ],
    actions: (w) => [
      act("Deliveries", async () => showDeliveries(w), status),
      writes ? act("Test", async () => { await ctx.api.post(`/webhooks/${w.id}/test`); showDeliveries(w); }, status, { test: "test" }) : null,
      // The endpoint as it was read, with `enabled` flipped (an empty
      // secret keeps the current one); stale if someone changed it since.
      writes ? act(w.enabled ? "Disable" : "Enable", async () => {
        await ctx.api.put(`/webhooks/${w.id}`, {
          name: w.name, url: w.url, events: w.events, description: w.description,
          tags: w.tags || {}, enabled: !w.enabled,
        }, w.resource_version);
      }, status, { test: "toggle" }) : null,
      writes ? act("New secret", async () => {
        if (!confirm(`Give ${w.name} a new signing secret? The old one keeps signing for 24 hours.`)) return;
        const made = await ctx.api.post(`/webhooks/${w.id}/secret`, {});
        showSecret(made.secret);
      }, status, { test: "rotate" }) : null,
      writes ? act("Delete", async () => {
        if (!confirm(`Delete webhook ${w.name}?`)) return;
        await ctx.api.del(`/webhooks/${w.id}`);
      }, status, { danger: true }) : null,
    ],
  });
  /** Deliveries are not resources with events: the open list is read
   * again every two seconds, so new attempts show. */
  let refresh = null;
  ctx.onLeave(() => clearInterval(refresh));
  async function showDeliveries(w) {
    clearInterval(refresh);
    const body = h("tbody");
    async function load() {
      const page = await ctx.api.get(`/webhooks/${w.id}/deliveries`, [["page_size", "20"]]);
      replace(body, page.deliveries.map((d) => h("tr", {},
        h("td", { class: "mono" }, d.id), h("td", {}, d.event_type), h("td", {}, badge(d.status)),
        h("td", {}, d.attempts.map((a) => h("div", { class: "muted" },
          `#${a.attempt} ${a.at} ${a.response_code || ""} ${a.error || ""} ${a.duration_ms} ms${a.manual ? " (manual)" : ""}`))),
        h("td", {}, writes ? act("Redeliver", async () => {
          await ctx.api.post(`/webhooks/${w.id}/deliveries/${d.id}/redeliver`); load();
        }, status) : null))));
    }
    replace(deliveries, panel(`Deliveries to ${w.name}`, h("table", {},
      h("thead", {}, h("tr", {}, ["Delivery", "Event", "Status", "Attempts", ""].map((t) => h("th", {}, t)))), body)));
    await load();
    refresh = setInterval(() => load().catch(() => {}), 2000);
  }
  function showSecret(value) {
    replace(secret, h("div", { class: "notice" }, "Signing secret — copy it now, it is not shown again:",
      h("div", { class: "secret", "data-test": "secret" }, value)));
  }
  const create = writes ? panel("New endpoint", form([
    { name: "name", label: "Name", required: true },
    { name: "url", label: "URL", type: "url", required: true },
    { name: "events", label: "Events (comma-separated, * for all)", value: "*" },
  ], "Create", async (v) => {
    const made = await ctx.api.post("/webhooks", {
      name: v.name, url: v.url, events: v.events.split(",").map((e) => e.trim()).filter(Boolean),
    });
    showSecret(made.secret);
    endpoints.reload();
  })) : null;
  main.append(create || "", secret, panel("Endpoints", endpoints.el, status), deliveries);
}
