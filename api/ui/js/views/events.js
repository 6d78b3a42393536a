// The event log as a live tail, filtered by event type and kind.

import { form, panel } from "../components.js";
import { h, replace } from "../dom.js";

/** Lines kept in the tail. */
const KEEP = 500;

export function render(main, ctx) {
  const tail = h("tbody");
  const state = h("span", { class: "muted", "data-test": "tail-state" });
  let stream = null;
  function follow(types, kinds) {
    if (stream) stream.abort();
    stream = new AbortController();
    replace(tail);
    const query = [];
    if (types) query.push(["types", types]);
    if (kinds) query.push(["kinds", kinds]);
    ctx.api.watch(query, (event) => {
      const data = event.data || {};
      tail.prepend(h("tr", { "data-test": "event-row" },
        h("td", { class: "mono" }, String(event.revision)), h("td", {}, event.type),
        h("td", {}, data.name || data.id || ""), h("td", { class: "muted" }, event.timestamp)));
      while (tail.children.length > KEEP) tail.lastChild.remove();
    }, stream.signal, (s) => { state.textContent = s; });
  }
  ctx.onLeave(() => stream && stream.abort());
  main.append(panel("Live tail", form([
    { name: "types", label: "Types (e.g. fleet.created)" },
    { name: "kinds", label: "Kinds (e.g. fleet,instance)" },
  ], "Follow", async (v) => follow(v.types.trim(), v.kinds.trim()), { keep: true }), state,
  h("div", { class: "tail" }, h("table", {}, h("thead", {}, h("tr", {},
    ["Revision", "Type", "Resource", "Time"].map((t) => h("th", {}, t)))), tail))));
  follow("", "");
}
