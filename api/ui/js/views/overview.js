// The overview: counts per kind, the store's revision, firing alerts, and
// what the signed-in principal may do.

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
  const firing = h("span", { "data-test": "firing" }, "…");
  let seen = 0;
  const seenEl = h("span", { "data-test": "events-seen" }, "0");
  ctx.onLeave(ctx.events.subscribe(() => { seen += 1; seenEl.textContent = String(seen); }));
  main.append(
    panel("Cluster", h("div", { class: "row" },
      "Store revision: ", head, h("span", { class: "grow" }),
      "Firing alerts: ", firing, h("span", { class: "grow" }),
      "Events since this page opened: ", seenEl), cards, status),
    panel("You", h("p", {}, `${ctx.me.id} — ${ctx.me.kind === "user" ? "roles" : "scopes"}: `,
      (ctx.me.scopes || ctx.me.roles).join(", ") || "none"),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Kind"), h("th", {}, "Read"), h("th", {}, "Write"))),
      h("tbody", {}, Object.entries(ctx.me.permissions).map(([kind, p]) =>
        h("tr", {}, h("td", {}, kind), h("td", {}, p.read ? "yes" : "—"), h("td", {}, p.write ? "yes" : "—")))))));
  (async () => {
    let revision = 0;
    for (const [kind, title, path, field] of KINDS) {
      if (!ctx.may(kind)) continue;
      try {
        const { json, headers } = await ctx.api.call("GET", path, { query: [["page_size", String(COUNT_PAGE)]] });
        const n = json[field].length;
        revision = Math.max(revision, Number(headers.get("x-clusterdb-revision") || 0));
        cards.append(h("a", { class: "card", href: `#/${route(kind)}`, "data-kind": kind },
          h("div", { class: "n" }, json.next_page_token ? `${n}+` : String(n)), h("div", { class: "muted" }, title)));
      } catch (error) {
        showError(status, error);
      }
    }
    head.textContent = revision ? String(revision) : "—";
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
