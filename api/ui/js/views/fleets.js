// Fleets: a live table (create, scale, delete), and a fleet's instances
// (start, stop) turning `running` as the reconciler and the event log say.

import { act, form, panel, resourceTable } from "../components.js";
import { age, badge, h, replace, tags } from "../dom.js";

export function render(main, ctx) {
  const writes = ctx.may("fleet", "write");
  const status = h("div");
  const instancesPanel = h("div");
  let closeInstances = () => {};

  const table = resourceTable(ctx, {
    kind: ["fleet", "instance"], path: "/fleets", listField: "fleets", testName: "fleet",
    columns: [
      ["Name", (f) => h("a", { href: "#/fleets", "data-test": "fleet-name", onclick: (e) => { e.preventDefault(); showInstances(f); } }, f.name)],
      ["Status", (f) => badge(f.status)],
      ["Capacity", (f) => String(f.capacity)],
      ["Running", (f) => h("span", { "data-test": "running" }, `${f.running_instances}/${f.observed_instances}`)],
      ["Type", (f) => f.instance_type],
      ["Tags", (f) => tags(f.tags)],
      ["Age", (f) => age(f.created_at)],
    ],
    actions: writes ? (f) => [
      act("Scale", async () => {
        const capacity = prompt(`Capacity of ${f.name}`, String(f.capacity));
        if (capacity === null) return;
        await ctx.api.put(`/fleets/${f.id}`, {
          name: f.name, description: f.description, capacity: Number(capacity),
          instance_type: f.instance_type, tags: f.tags,
        }, f.resource_version);
        table.reload();
      }, status, { test: "scale" }),
      act("Delete", async () => {
        if (!confirm(`Delete fleet ${f.name} and its instances?`)) return;
        await ctx.api.del(`/fleets/${f.id}`);
        table.reload();
      }, status, { danger: true, test: "delete" }),
    ] : null,
  });

  function showInstances(fleet) {
    closeInstances();
    const instances = resourceTable(ctx, {
      kind: "instance", path: "/instances", listField: "instances", testName: "instance",
      query: () => [["fleet_id", fleet.id]],
      columns: [
        ["Name", (i) => i.name],
        ["State", (i) => h("span", { "data-test": "state" }, badge(i.state))],
        ["Type", (i) => i.instance_type],
        ["Age", (i) => age(i.created_at)],
      ],
      actions: ctx.may("instance", "write") ? (i, reload) => [
        act("Start", async () => { await ctx.api.post(`/instances/${i.id}/start`); reload(); }, status, { test: "start" }),
        act("Stop", async () => { await ctx.api.post(`/instances/${i.id}/stop`); reload(); }, status, { test: "stop" }),
      ] : null,
    });
    closeInstances = instances.close;
    replace(instancesPanel, panel(`Instances of ${fleet.name}`, instances.el));
  }

  const create = writes ? panel("New fleet", form([
    { name: "name", label: "Name", required: true },
    { name: "capacity", label: "Capacity", type: "number", value: "1" },
    { name: "instance_type", label: "Instance type", value: "t3.micro" },
    { name: "tags", label: "Tags (k=v, …)" },
  ], "Create", async (v) => {
    const fleet = await ctx.api.post("/fleets", {
      name: v.name, capacity: Number(v.capacity), instance_type: v.instance_type, tags: parseTags(v.tags),
    });
    table.reload();
    showInstances(fleet);
  })) : null;
  main.append(create || "", panel("Fleets", table.el, status), instancesPanel);
}

/** `k=v, k2=v2` as a map. */
export function parseTags(text) {
  const map = {};
  for (const part of (text || "").split(",")) {
    const [key, value] = part.split("=");
    if (key && key.trim()) map[key.trim()] = (value || "").trim();
  }
  return map;
}
