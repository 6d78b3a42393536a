// Identity: users (and their API keys: the secret is shown once, on
// create), groups with their members, OAuth clients (the secret shown
// once too, on create and when replaced).

import { act, form, panel, resourceTable, showError } from "../components.js";
import { age, badge, h, replace } from "../dom.js";

export function render(main, ctx) {
  const status = h("div");
  const keys = h("div");
  const secret = h("div");
  const members = h("div");
  let leaveMembers = null;
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
      actions: (g) => [
        act("Members", async () => showMembers(g), status, { test: "members" }),
        ctx.may("group", "write") ? act("Delete", async () => {
          if (!confirm(`Delete group ${g.name}?`)) return;
          await ctx.api.del(`/groups/${g.id}`);
        }, status, { danger: true }) : null,
      ],
    });
    const create = ctx.may("group", "write") ? form([
      { name: "name", label: "Name", required: true },
      { name: "roles", label: "Role", type: "select", options: ["viewer", "editor", "admin"], value: "viewer" },
    ], "Create group", async (v) => {
      await ctx.api.post("/groups", { name: v.name, roles: [v.roles] });
      groups.reload();
    }) : null;
    main.append(panel("Groups", create || "", groups.el), members);
  }

  /** A group's members by username, with add (by username) and remove;
   * read again when the group changes. */
  async function showMembers(group) {
    if (leaveMembers) leaveMembers();
    const writes = ctx.may("group", "write");
    const list = h("tbody", { "data-test": "members" });
    const area = h("div");
    async function load() {
      const current = await ctx.api.get(`/groups/${group.id}`);
      const names = await Promise.all(current.members.map(async (id) => {
        try { return (await ctx.api.get(`/users/${id}`)).username; } catch { return id; }
      }));
      replace(list, current.members.length === 0
        ? h("tr", {}, h("td", { colspan: 3, class: "muted" }, "No members."))
        : current.members.map((id, i) => h("tr", { "data-test": "member-row", "data-name": names[i] },
          h("td", {}, names[i]), h("td", { class: "mono" }, id),
          h("td", {}, writes ? act("Remove", async () => {
            await ctx.api.del(`/groups/${group.id}/members/${id}`); load();
          }, area, { danger: true, test: "remove-member" }) : null))));
    }
    leaveMembers = ctx.events.subscribe((event) => {
      if (event.kind === "group" && event.data && event.data.id === group.id) load().catch((error) => showError(area, error));
    });
    ctx.onLeave(leaveMembers);
    const add = writes ? form([{ name: "username", label: "Username", required: true }], "Add member", async (v) => {
      const found = await ctx.api.get("/users", [["name", v.username]]);
      if (found.users.length === 0) {
        throw { code: "NOT_FOUND", message: `no user is named ${v.username}`, field: "username", reason: "no such user" };
      }
      await ctx.api.post(`/groups/${group.id}/members`, { user_id: found.users[0].id });
      await load();
    }) : null;
    replace(members, panel(`Members of ${group.name}`, add || "",
      h("table", {}, h("thead", {}, h("tr", {}, ["Username", "User id", ""].map((t) => h("th", {}, t)))), list), area));
    await load();
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
      actions: ctx.may("oauthclient", "write") ? (c) => [
        act("New secret", async () => {
          if (!confirm(`Replace the secret of ${c.name}? The old one stops working.`)) return;
          const made = await ctx.api.post(`/oauth-clients/${c.id}/secret`);
          once(`New secret of ${c.id}`, made.client_secret);
        }, status, { test: "reset-secret" }),
        act("Delete", async () => {
          if (!confirm(`Delete OAuth client ${c.name}?`)) return;
          await ctx.api.del(`/oauth-clients/${c.id}`);
        }, status, { danger: true }),
      ] : null,
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
