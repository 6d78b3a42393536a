// The console: sign-in, the navigation, one live event stream shared by
// the views, and the views themselves (js/views/).

import { Api } from "./api.js";
import { eventKind } from "./api.js";
import { form, showError } from "./components.js";
import { h, replace } from "./dom.js";
import * as events from "./views/events.js";
import * as fleets from "./views/fleets.js";
import * as functions from "./views/functions.js";
import * as identity from "./views/identity.js";
import * as mesh from "./views/mesh.js";
import * as monitoring from "./views/monitoring.js";
import * as overview from "./views/overview.js";
import * as webhooks from "./views/webhooks.js";

const VIEWS = [
  { id: "overview", title: "Overview", reads: [], view: overview },
  { id: "fleets", title: "Fleets", reads: ["fleet"], view: fleets },
  { id: "functions", title: "Functions", reads: ["function"], view: functions },
  { id: "mesh", title: "Mesh", reads: ["virtual_service", "security_policy"], view: mesh },
  { id: "identity", title: "Identity", reads: ["user", "group", "oauthclient"], view: identity },
  { id: "webhooks", title: "Webhooks", reads: ["webhook"], view: webhooks },
  { id: "monitoring", title: "Monitoring", reads: ["alertrule", "alert", "silence", "metric"], view: monitoring },
  { id: "events", title: "Events", reads: [], view: events },
];

/** Where the credential lives: this tab's session storage, never a cookie. */
const STORE = "clusterdb.credential";
const root = document.getElementById("app");

/** The event stream's subscribers. */
class EventHub {
  constructor() { this.subscribers = new Set(); }
  subscribe(fn) { this.subscribers.add(fn); return () => this.subscribers.delete(fn); }
  emit(event) { for (const fn of this.subscribers) fn(event); }
}

async function start() {
  const saved = sessionStorage.getItem(STORE);
  if (!saved) return signIn();
  const api = new Api(JSON.parse(saved));
  try {
    const me = await api.get("/auth/whoami");
    run(api, me);
  } catch (error) {
    sessionStorage.removeItem(STORE);
    signIn(error);
  }
}

function signIn(error = null) {
  const status = h("div");
  const withKey = form(
    [{ name: "key", label: "API key", type: "password", placeholder: "cdb_…", required: true }],
    "Sign in",
    (v) => attempt({ kind: "key", key: v.key.trim() }),
    { inline: false },
  );
  const withClient = form(
    [
      { name: "id", label: "OAuth client id", required: true },
      { name: "secret", label: "Client secret", type: "password", required: true },
    ],
    "Sign in",
    (v) => attempt({ kind: "client", id: v.id.trim(), secret: v.secret }),
    { inline: false },
  );
  async function attempt(credential) {
    const api = new Api(credential);
    const me = await api.get("/auth/whoami");
    sessionStorage.setItem(STORE, JSON.stringify(credential));
    run(api, me);
  }
  replace(root, h("div", { class: "signin" },
    h("h1", {}, "ClusterDB"),
    h("section", { class: "panel", "data-test": "signin-key" }, h("h2", {}, "With an API key"), withKey),
    h("section", { class: "panel", "data-test": "signin-client" }, h("h2", {}, "With OAuth client credentials"), withClient),
    status));
  if (error) showError(status, error);
}

function run(api, me) {
  const may = (kind, verb = "read") => Boolean(me.permissions[kind] && me.permissions[kind][verb]);
  const visible = VIEWS.filter((v) => v.reads.length === 0 || v.reads.some((k) => may(k)));
  const hub = new EventHub();
  /** What the current view undoes when it is left. */
  let leave = [];
  const stream = new AbortController();
  const live = h("span", { class: "who", "data-test": "live" }, "connecting…");
  api.watch([], (event) => hub.emit({ ...event, kind: eventKind(event) }), stream.signal,
    (state) => { live.textContent = state; });
  const nav = h("nav", {}, visible.map((v) => h("a", { href: `#/${v.id}`, "data-view": v.id }, v.title)));
  const main = h("main");
  const signOut = h("button", {
    type: "button", "data-test": "sign-out",
    onclick: () => {
      stream.abort();
      for (const fn of leave) fn();
      window.onhashchange = null;
      sessionStorage.removeItem(STORE);
      location.hash = "";
      signIn();
    },
  }, "Sign out");
  replace(root,
    h("header", { class: "top" }, h("span", { class: "brand" }, "ClusterDB"), nav,
      h("span", { class: "who", "data-test": "principal" }, `${me.id} (${(me.scopes || me.roles).join(", ")})`),
      live, signOut),
    main);
  function show() {
    for (const fn of leave) fn();
    leave = [];
    const id = (location.hash.match(/^#\/([a-z]+)/) || [])[1] || "overview";
    const view = visible.find((v) => v.id === id) || visible[0];
    for (const a of nav.querySelectorAll("a")) a.classList.toggle("active", a.dataset.view === view.id);
    const ctx = { api, me, may, events: hub, onLeave: (fn) => leave.push(fn), route: location.hash };
    replace(main, h("h1", {}, view.title));
    view.view.render(main, ctx);
  }
  window.onhashchange = show;
  show();
}

start();
