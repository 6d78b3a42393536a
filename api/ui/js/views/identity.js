// Identity: users (and their API keys: the secret is shown once, on
// create), groups, OAuth clients (the secret shown once too).

import { act, form, panel, resourceTable } from "../components.js";
import { age, badge, h, replace } from "../dom.js";

export function render(main, ctx) {
  const status = h("div");
  const keys = h("div");
  const secret = h("div");
  /** Shows a secret the server will not show again. */
  function once(label, value) {
    replace(secret, h("div", { class: "notice" }, `${label} — copy it now, it is not shown again:`,
      h("div", { class: "secret", "data-test": "secret" }, value)));
  }
  if (ctx.may("user")) {
    const users = resourceTable(ctx, {
      kind: "user", path: "/users", listField: "users", testName: "user",
      columns: [
        ["Username", (u) => u.username],
        ["Email", (u) => u.email],
        ["Roles", (u) => u.roles.join(", ")],
        ["Status", (u) => badge(u.status)],
        ["Age", (u) => age(u.created_at)],
      ],
      actions: (u) => [
        ctx.may("apikey") ? act("API keys", async () => showKeys(u), status) : null,
        ctx.may("user", "write") ? act("Delete", async () => {
          if (!confirm(`Delete user ${u.username}?`)) return;
          await ctx.api.del(`/users/${u.id}`);
        }, status, { danger: true }) : null,
      ],
    });
    const create = ctx.may("user", "write") ? form([
      { name: "username", label: "Username", required: true },
      { name: "email", label: "Email", type: "email", required: true },
      { name: "roles", label: "Role", type: "select", options: ["viewer", "editor", "admin"], value: "viewer" },
    ], "Create user", async (v) => {
      await ctx.api.post("/users", { username: v.username, email: v.email, roles: [v.roles] });
      users.reload();
    }) : null;
    main.append(panel("Users", create || "", users.el, status), keys, secret);
  }

  async function showKeys(user) {
    const list = h("tbody");
    async function load() {
      const answer = await ctx.api.get(`/users/${user.id}/api-keys`);
      replace(list, answer.api_keys.map((k) => h("tr", {},
        h("td", {}, k.name), h("td", { class: "mono" }, k.id), h("td", {}, k.expires_at || "never"),
        h("td", {}, ctx.may("apikey", "write") ? act("Revoke", async () => {
          await ctx.api.del(`/users/${user.id}/api-keys/${k.id}`); load();
        }, status, { danger: true }) : null))));
    }
    const create = ctx.may("apikey", "write") ? form([{ name: "name", label: "Key name", required: true }],
      "Create key", async (v) => {
        const made = await ctx.api.post(`/users/${user.id}/api-keys`, { name: v.name });
        once(`API key ${v.name}`, made.key);
        load();
      }) : null;
    replace(keys, panel(`API keys of ${user.username}`, create || "",
      h("table", {}, h("thead", {}, h("tr", {}, ["Name", "Id", "Expires", ""].map((t) => h("th", {}, t)))), list)));
    await load();
  }

  if (ctx.may("group")) {
    const groups = resourceTable(ctx, {
      kind: "group", path: "/groups", listField: "groups", testName: "group",
      columns: [
        ["Name", (g) => g.name],
        ["Roles", (g) => g.roles.join(", ")],
        ["Members", (g) => String(g.members.length)],
        ["Age", (g) => age(g.created_at)],
      ],
    });
    const create = ctx.may("group", "write") ? form([
      { name: "name", label: "Name", required: true },
      { name: "roles", label: "Role", type: "select", options: ["viewer", "editor", "admin"], value: "viewer" },
    ], "Create group", async (v) => {
      await ctx.api.post("/groups", { name: v.name, roles: [v.roles] });
      groups.reload();
    }) : null;
    main.append(panel("Groups", create || "", groups.el));
  }
  if (ctx.may("oauthclient")) {
    const clients = resourceTable(ctx, {
      kind: "oauthclient", path: "/oauth-clients", listField: "oauth_clients", testName: "oauthclient",
      columns: [
        ["Name", (c) => c.name],
        ["Id", (c) => h("span", { class: "mono" }, c.id)],
        ["Scopes", (c) => c.scopes.join(" ")],
        ["Owner", (c) => c.owner],
      ],
    });
    const create = ctx.may("oauthclient", "write") ? form([
      { name: "name", label: "Name", required: true },
      { name: "scopes", label: "Scopes (space-separated)", value: "compute:read" },
    ], "Create client", async (v) => {
      const made = await ctx.api.post("/oauth-clients", {
        name: v.name, owner: ctx.me.id, scopes: v.scopes.split(/\s+/).filter(Boolean),
      });
      once(`Secret of ${made.id}`, made.client_secret);
      clients.reload();
    }) : null;
    main.append(panel("OAuth clients", create || "", clients.el));
  }
}
