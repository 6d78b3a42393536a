/** Every resource of the API through the SDK, against the real server. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";

import { AuthenticationError, type ClusterDB, NotFoundError, PermissionDeniedError } from "../src/index.js";
import { collect, eventually, Server, unique } from "./server.js";

const WAT = readFileSync(new URL("../../../testdata/uppercase.wat", import.meta.url), "utf8");

let server: Server;
let db: ClusterDB;
before(async () => {
  server = await Server.start();
  db = server.client();
});
after(() => server.stop());

async function running(fleetId: string, count: number) {
  const all = await collect(db.instances.list({ fleet_id: fleetId }));
  const up = all.filter((i) => i.state === "running");
  return up.length === count ? up : undefined;
}

test("fleets and their instances", async () => {
  const name = unique("fleet");
  const fleet = await db.fleets.create({ name, capacity: 2, instance_type: "t3.medium", tags: { environment: "production" } });
  assert.match(fleet.id, /^fleet-/);
  assert.equal((await db.fleets.get(fleet.id)).name, name);
  const instances = await eventually(() => running(fleet.id, 2));
  assert.ok(instances.every((i) => i.fleet_id === fleet.id));
  const tagged = await collect(db.fleets.list({ tag: { environment: "production" } }));
  assert.ok(tagged.some((f) => f.id === fleet.id));
  assert.deepEqual((await collect(db.fleets.list({ name }))).map((f) => f.id), [fleet.id]);
  const scaled = await db.fleets.replace(fleet.id, { name, capacity: 1, instance_type: "t3.medium" }, { ifMatch: fleet });
  assert.equal(scaled.capacity, 1);
  await eventually(() => running(fleet.id, 1));
  await db.fleets.delete(fleet.id);
  await eventually(async () => {
    try {
      await db.fleets.get(fleet.id);
      return false;
    } catch (err) {
      return err instanceof NotFoundError;
    }
  });
});

test("instances start and stop", async () => {
  const instance = await db.instances.create({ name: unique("inst"), instance_type: "t3.nano" });
  assert.equal(instance.state, "pending");
  assert.equal((await db.instances.start(instance.id)).state, "running");
  assert.equal((await db.instances.stop(instance.id)).state, "stopped");
  assert.equal((await db.instances.start(instance.id)).state, "running");
  await db.instances.delete(instance.id);
});

test("functions invoke", async () => {
  const fn = await db.functions.create({ name: unique("fn"), runtime: "wasm", code: WAT, timeout_ms: 2000 });
  const result = await db.functions.invoke(fn.id, new TextEncoder().encode("hello, sdk"));
  assert.equal(result.status, "succeeded");
  assert.equal(result.output, "HELLO, SDK");
  assert.ok((result.fuel_used ?? 0) > 0);
  assert.deepEqual((await db.functions.invoke(fn.id, { a: "b" })).output, { A: "B" });
  assert.equal((await db.functions.get(fn.id)).stats?.invocations, 2);
  await db.functions.delete(fn.id);
});

test("virtual services apply and resolve", async () => {
  const name = unique("vs");
  const spec = { name, hosts: [`${name}.example.com`], http_routes: [{ route: [{ destination: { host: "reviews-v2" } }] }] };
  const dry = await db.virtualServices.apply("default", name, spec, { dryRun: true });
  assert.equal(dry.name, name);
  await assert.rejects(db.virtualServices.getByName("default", name), NotFoundError);
  const applied = await db.virtualServices.apply("default", name, spec);
  assert.deepEqual((await db.virtualServices.get(applied.id)).hosts, [`${name}.example.com`]);
  const resolution = await db.virtualServices.resolve({ host: `${name}.example.com`, path: "/" });
  assert.match(JSON.stringify(resolution), /reviews-v2/);
  await db.virtualServices.deleteByName("default", name);
  await assert.rejects(db.virtualServices.get(applied.id), NotFoundError);
});

test("security policies apply and check", async () => {
  const name = unique("sp");
  const policy = await db.securityPolicies.apply("default", name, {
    name,
    action: "DENY",
    rules: [{ from: [{ source: { ip_blocks: ["10.9.0.0/16"] } }] }],
  });
  const denied = await db.securityPolicies.check({ namespace: "default", ip: "10.9.1.2" });
  const allowed = await db.securityPolicies.check({ namespace: "default", ip: "192.0.2.1" });
  assert.deepEqual([denied.decision, allowed.decision], ["DENY", "ALLOW"]);
  assert.equal(denied.policy?.name, name);
  assert.ok((await collect(db.securityPolicies.list({ namespace: "default" }))).some((p) => p.id === policy.id));
  await db.securityPolicies.delete(policy.id);
});

test("identity", async () => {
  const name = unique("user");
  const user = await db.users.create({ username: name, roles: ["viewer"] });
  const key = await db.apiKeys.create(user.id, { name: "ci" });
  assert.match(key.key, /^cdb_/);
  assert.deepEqual((await db.apiKeys.list(user.id)).map((k) => k.id), [key.id]);
  const viewer = server.client({ apiKey: key.key });
  assert.equal((await viewer.users.get(user.id)).username, name);
  await assert.rejects(viewer.fleets.create({ name, capacity: 1, instance_type: "t3.nano" }), PermissionDeniedError);
  await db.apiKeys.revoke(user.id, key.id);
  await assert.rejects(server.client({ apiKey: key.key, maxRetries: 0 }).users.get(user.id), AuthenticationError);

  const group = await db.groups.create({ name, roles: ["editor"] });
  assert.deepEqual((await db.groups.addMember(group.id, user.id)).members, [user.id]);
  await db.groups.removeMember(group.id, user.id);
  assert.deepEqual((await db.groups.get(group.id)).members, []);
  await db.groups.delete(group.id);

  const [admin] = await collect(db.users.list({ name: "admin" }));
  const client = await db.oauthClients.create({ name, owner: admin.id, scopes: ["compute:read"] });
  assert.ok(client.client_secret);
  const renewed = await db.oauthClients.resetSecret(client.id);
  assert.ok(renewed.client_secret && renewed.client_secret !== client.client_secret);
  await db.oauthClients.delete(client.id);
  await db.users.delete(user.id);
});

test("monitoring", async () => {
  const service = unique("svc");
  const pushed = await db.monitoring.push([{ metric: "http_requests_total", labels: { code: "500" }, value: 7 }], { service });
  assert.equal(pushed.accepted, 1);
  const metrics = await db.monitoring.metrics(service, { window: "1h", labels: { code: "500" } });
  assert.deepEqual(metrics.series.map((s) => s.metric), ["http_requests_total"]);
  const rule = await db.alertRules.create({
    name: service,
    service,
    metric: "http_requests_total",
    aggregation: "max",
    window: "5m",
    op: ">",
    threshold: 5,
  });
  assert.equal((await db.alertRules.get(rule.id)).threshold, 5);
  assert.ok(Array.isArray(await db.monitoring.alerts()));
  const silence = await db.silences.create({
    matchers: [{ name: "alertname", value: service }],
    ends_at: new Date(Date.now() + 3600_000).toISOString(),
  });
  assert.equal((await db.silences.expire(silence.id)).id, silence.id);
  await db.silences.delete(silence.id);
  await db.alertRules.delete(rule.id);
});

test("the event log", async () => {
  const name = unique("ev");
  const fleet = await db.fleets.create({ name, capacity: 1, instance_type: "t3.nano" });
  const created = (await collect(db.events.list({ types: ["fleet.created"], pageSize: 2 }))).filter(
    (e) => e.data.fleet_id === fleet.id,
  );
  assert.equal(created.length, 1);
  assert.equal(created[0].data.name, name);
});

test("the typed openapi-fetch client goes through the same transport", async () => {
  const { data, error } = await db.api.GET("/v1/fleets", { params: { query: { page_size: 1 } } });
  assert.equal(error, undefined);
  assert.ok(Array.isArray(data?.fleets));
});
