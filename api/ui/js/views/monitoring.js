// Monitoring: a chart per series of a metrics query over a chosen window
// and step (uPlot), alert rules, alerts (live) and silences.

import { act, form, panel, resourceTable, showError } from "../components.js";
import { age, badge, h, replace, tags } from "../dom.js";
import uPlot from "../../vendor/uplot.mjs";

export function render(main, ctx) {
  const status = h("div");
  if (ctx.may("metric")) main.append(metricsPanel(ctx));
  if (ctx.may("alert")) {
    const alerts = h("tbody");
    async function load() {
      try {
        const answer = await ctx.api.get("/monitoring/alerts");
        replace(alerts, answer.alerts.length === 0
          ? h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No alerts."))
          : answer.alerts.map((a) => h("tr", { "data-test": "alert-row", "data-name": a.name },
            h("td", {}, a.name),
            h("td", { "data-test": "alert-state" }, badge(a.state),
              a.silenced_by.length ? [" ", badge("silenced")] : null),
            h("td", {}, a.severity),
            h("td", {}, a.value == null ? "" : String(a.value)), h("td", {}, tags(a.labels)),
            h("td", {}, a.fired_at ? `fired ${age(a.fired_at)} ago` : `since ${age(a.active_at)}`),
            h("td", {}, ctx.may("silence", "write") && a.state === "firing" && !a.silenced_by.length
              ? act("Silence 1h", async () => {
                await ctx.api.post("/monitoring/silences", {
                  matchers: [{ name: "alertname", value: a.name }],
                  ends_at: new Date(Date.now() + 3600 * 1000).toISOString(),
                  comment: `silenced from the console by ${ctx.me.id}`,
                });
                load();
              }, status, { test: "silence" })
              : null))));
      } catch (error) { showError(status, error); }
    }
    ctx.onLeave(ctx.events.subscribe((e) => { if (e.kind === "alert" || e.kind === "silence") load(); }));
    load();
    main.append(panel("Alerts", h("table", {}, h("thead", {}, h("tr", {},
      ["Name", "State", "Severity", "Value", "Labels", "When", ""].map((t) => h("th", {}, t)))), alerts), status));
  }
  if (ctx.may("alertrule")) {
    const rules = resourceTable(ctx, {
      kind: "alertrule", path: "/monitoring/alert-rules", listField: "alert_rules", testName: "alertrule",
      columns: [
        ["Name", (r) => r.name],
        ["Condition", (r) => `${r.aggregation}(${r.metric}) ${r.op} ${r.threshold} over ${r.window}`],
        ["Service", (r) => r.service || ""],
        ["For", (r) => r.for],
        ["Severity", (r) => r.severity],
      ],
      actions: ctx.may("alertrule", "write") ? (r, reload) => [act("Delete", async () => {
        await ctx.api.del(`/monitoring/alert-rules/${r.id}`); reload();
      }, status, { danger: true })] : null,
    });
    const create = ctx.may("alertrule", "write") ? form([
      { name: "name", label: "Name", required: true },
      { name: "service", label: "Service", required: true },
      { name: "metric", label: "Metric", required: true },
      { name: "aggregation", label: "Aggregation", type: "select", options: ["avg", "min", "max", "sum", "last", "rate", "p99"], value: "avg" },
      { name: "op", label: "Op", type: "select", options: [">", ">=", "<", "<=", "==", "!="], value: ">" },
      { name: "threshold", label: "Threshold", type: "number", value: "0" },
      { name: "window", label: "Window", value: "5m" },
      { name: "for", label: "For", value: "0s" },
    ], "Create rule", async (v) => {
      const input = { ...v, threshold: Number(v.threshold) };
      await ctx.api.post("/monitoring/alert-rules", input);
      rules.reload();
    }) : null;
    main.append(panel("Alert rules", create || "", rules.el));
  }
  if (ctx.may("silence")) {
    const silences = resourceTable(ctx, {
      kind: "silence", path: "/monitoring/silences", listField: "silences", testName: "silence",
      columns: [
        ["Name", (s) => s.name],
        ["Matchers", (s) => s.matchers.map((m) => `${m.name}${m.is_equal === false ? "!" : ""}${m.is_regex ? "=~" : "="}${m.value}`).join(", ")],
        ["State", (s) => badge(s.state)],
        ["Ends", (s) => s.ends_at],
        ["Comment", (s) => s.comment],
      ],
      actions: ctx.may("silence", "write") ? (s, reload) => [act("Expire", async () => {
        await ctx.api.post(`/monitoring/silences/${s.id}/expire`); reload();
      }, status)] : null,
    });
    main.append(panel("Silences", silences.el));
  }
}

/** A metrics query (service, metric, window, step) and a chart per series. */
function metricsPanel(ctx) {
  const charts = h("div", { "data-test": "charts" });
  const query = form([
    { name: "service", label: "Service", required: true },
    { name: "metric", label: "Metric" },
    { name: "window", label: "Window", value: "1h" },
    { name: "step", label: "Step", value: "1m" },
  ], "Show", async (v) => {
    const pairs = [["service", v.service], ["window", v.window]];
    if (v.metric) pairs.push(["metric", v.metric]);
    if (v.step) pairs.push(["step", v.step]);
    const answer = await ctx.api.get("/monitoring/metrics", pairs);
    replace(charts, answer.series.length === 0
      ? h("p", { class: "muted", "data-test": "no-series" }, "No samples in that window.")
      : answer.series.map((series) => chart(series)));
  }, { keep: true });
  return panel("Metrics", query, charts);
}

function chart(series) {
  const el = h("div", { class: "chart", "data-test": "chart", "data-metric": series.metric });
  const xs = series.points.map((p) => Date.parse(p.timestamp) / 1000);
  const ys = series.points.map((p) => p.value);
  const title = `${series.metric}{${tags(series.labels)}} — last ${series.summary.last}, avg ${series.summary.avg.toFixed(2)}`;
  el.append(h("div", { class: "muted" }, title));
  const width = Math.min(1200, Math.max(360, document.body.clientWidth - 120));
  // uPlot draws on a canvas and sizes it through the CSSOM (which the CSP allows).
  new uPlot({ width, height: 220, series: [{}, { label: series.metric, stroke: "#2f5bea", width: 2 }], axes: [{}, {}] },
    [xs, ys], el);
  return el;
}
