// The overview: the server (version, engine, leadership, the event log's
// head), counts per kind, firing alerts, and what the signed-in principal
// may do.

import { panel, showError } from "../components.js";
import { h, replace } from "../dom.js";

const KINDS = [
  ["fleet", "Fleets", "/fleets", "fleets"],
  ["instance", "Instances", "/instances", "instances"],
  ["function", "Functions", "/functions", "functions"],
  ["virtual_service", "Virtual services", "/mesh/virtual-services", "virtual_services"],
  ["security_policy", "Security policies", "/mesh/security-policies", "security_policies"],
  ["user", "Users", "/users", "users"],
  ["group", "Groups", "/groups", "groups"],
  ["webhook", "Webhooks", "/webhooks", "webhooks"],
  ["alertrule", "Alert rules", "/monitoring/alert-rules", "alert_rules"],
];
/** Counted up to this many (a page); more shows as "100+". */
const COUNT_PAGE = 100;

export function render(main, ctx) {
  const cards = h("div", { class: "cards", "data-test": "counts" });
  const status = h("div");
  const head = h("span", { "data-test": "revision" }, "…");
  const engine = h("span", { "data-test": "engine" }, "…");
  const leader = h("span", { "data-test": "leader" }, "…");
  const version = h("span", { "data-test": "version" }, "…");
  const firing = h("span", { "data-test": "firing" }, "…");
  let seen = 0;
  const seenEl = h("span", { "data-test": "events-seen" }, "0");
  ctx.onLeave(ctx.events.subscribe(() => { seen += 1; seenEl.textContent = String(seen); }));
  main.append(
    panel("Cluster", h("div", { class: "row" },
      "Server ", version, " on ", engine, " · ", leader, h("span", { class: "grow" }),
      "Event log head: ", head, h("span", { class: "grow" }),
      "Firing alerts: ", firing, h("span", { class: "grow" }),
      "Events since this page opened: ", seenEl), cards, status),
    panel("You", h("p", {}, `${ctx.me.id} — ${ctx.me.kind === "user" ? "roles" : "scopes"}: `,
      (ctx.me.scopes || ctx.me.roles).join(", ") || "none"),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Kind"), h("th", {}, "Read"), h("th", {}, "Write"))),
      h("tbody", {}, Object.entries(ctx.me.permissions).map(([kind, p]) =>
        h("tr", {}, h("td", {}, kind), h("td", {}, p.read ? "yes" : "—"), h("td", {}, p.write ? "yes" : "—")))))));
  (async () => {
    try {
      const server = await ctx.api.get("/server");
      version.textContent = server.version;
      engine.textContent = server.engine + (server.read_cache ? " (read cache on)" : "");
      leader.textContent = server.leader ? "leads the background work" : "follows (another server leads)";
      head.textContent = String(server.revision);
    } catch (error) {
      showError(status, error);
    }
    ctx.onLeave(ctx.events.subscribe((event) => {
      head.textContent = String(Math.max(Number(head.textContent) || 0, event.revision));
    }));
    for (const [kind, title, path, field] of KINDS) {
      if (!ctx.may(kind)) continue;
      try {
        const json = await ctx.api.get(path, [["page_size", String(COUNT_PAGE)]]);
        const n = json[field].length;
        cards.append(h("a", { class: "card", href: `#/${route(kind)}`, "data-kind": kind },
          h("div", { class: "n" }, json.next_page_token ? `${n}+` : String(n)), h("div", { class: "muted" }, title)));
      } catch (error) {
        showError(status, error);
      }
    }
    if (ctx.may("alert")) {
      try {
        const answer = await ctx.api.get("/monitoring/alerts", [["state", "firing"]]);
        firing.textContent = String(answer.alerts.length);
      } catch (error) { showError(status, error); }
    } else {
      replace(firing, "—");
    }
  })();
}

function route(kind) {
  return {
    fleet: "fleets", instance: "fleets", function: "functions", virtual_service: "mesh",
    security_policy: "mesh", user: "identity", group: "identity", webhook: "webhooks", alertrule: "monitoring",
  }[kind];
}
