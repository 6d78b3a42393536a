/** What every call does: pages, retries with idempotency keys, typed
 * errors, optimistic concurrency, the user agent, timeouts. */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, before, test } from "node:test";

import {
  AlreadyExistsError,
  ApiConnectionError,
  ClusterDB,
  ConflictError,
  IdempotencyKeyReusedError,
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
  UnavailableError,
  USER_AGENT,
  VERSION,
} from "../src/index.js";
import { collect, Server, unique } from "./server.js";

let server: Server;
let db: ClusterDB;
before(async () => {
  server = await Server.start();
  db = server.client();
});
after(() => server.stop());

/** A fetch that keeps each request and, per request, answers a status
 * itself (with Retry-After: 0), or sends it and loses the answer
 * ("drop"), or sends it normally (undefined). */
function recording(fail: (number | "drop" | undefined)[] = []) {
  const requests: Request[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    requests.push(request.clone());
    const action = fail.shift();
    if (typeof action === "number") {
      return new Response(JSON.stringify({ error: { code: "UNAVAILABLE", message: "try again" } }), {
        status: action,
        headers: { "Retry-After": "0", "Content-Type": "application/json" },
      });
    }
    const response = await fetch(request);
    if (action === "drop") {
      await response.arrayBuffer();
      throw new TypeError("fetch failed", { cause: new Error("connection reset") });
    }
    return response;
  };
  return { requests, fetch: fetchImpl as typeof fetch };
}

test("lists page through every item", async () => {
  const batch = unique("batch");
  const names = Array.from({ length: 7 }, (_, i) => `${batch}-${i}`);
  for (const name of names) await db.fleets.create({ name, capacity: 1, instance_type: "t3.nano", tags: { batch } });
  const rec = recording();
  const listed = await collect(server.client({ fetch: rec.fetch }).fleets.list({ tag: { batch }, pageSize: 3 }));
  assert.deepEqual(listed.map((f) => f.name).sort(), [...names].sort());
  const pages = rec.requests.filter((r) => new URL(r.url).pathname === "/v1/fleets");
  assert.equal(pages.length, 3);
  assert.ok(new URL(pages[1].url).searchParams.get("page_token"));
});

test("a lost answer is retried and runs once", async () => {
  const name = unique("lost");
  const rec = recording(["drop"]);
  const client = server.client({ fetch: rec.fetch, sleep: async () => {} });
  const fleet = await client.fleets.create({ name, capacity: 1, instance_type: "t3.nano" });
  const [first, retry] = rec.requests;
  const key = first.headers.get("idempotency-key");
  assert.ok(key);
  assert.equal(retry.headers.get("idempotency-key"), key);
  assert.deepEqual((await collect(db.fleets.list({ name }))).map((f) => f.id), [fleet.id]);
});

test("429 and 503 are retried honouring Retry-After", async () => {
  const rec = recording([503, 429]);
  const waits: number[] = [];
  const client = server.client({ fetch: rec.fetch, sleep: async (ms) => void waits.push(ms) });
  const [admin] = await collect(client.users.list({ name: "admin" }));
  assert.equal(admin.username, "admin");
  assert.deepEqual(waits, [0, 0]);
  assert.equal(rec.requests.length, 3);
});

test("retries stop after maxRetries", async () => {
  const rec = recording([503, 503, 503]);
  const client = server.client({ fetch: rec.fetch, maxRetries: 2, sleep: async () => {} });
  const error = await client.fleets.get("fleet-x").catch((e) => e);
  assert.ok(error instanceof UnavailableError);
  assert.equal(error.retryAfter, 0);
  assert.equal(rec.requests.length, 3);
});

test("a refused connection throws after retries", async () => {
  const client = new ClusterDB("http://127.0.0.1:9", { apiKey: "cdb_x_y", maxRetries: 1, sleep: async () => {} });
  await assert.rejects(client.fleets.get("fleet-x"), ApiConnectionError);
});

test("errors are typed with the API's fields", async () => {
  const error = await db.fleets.create({ name: unique("bad"), capacity: -1, instance_type: "t3.nano" }).catch((e) => e);
  assert.ok(error instanceof InvalidRequestError);
  assert.deepEqual([error.status, error.code, error.field], [400, "INVALID_REQUEST", "capacity"]);
  assert.ok(error.reason && error.requestId);
  const missing = await db.fleets.get("fleet-nope").catch((e) => e);
  assert.ok(missing instanceof NotFoundError);
  assert.equal(missing.code, "NOT_FOUND");
});

test("a taken name is a conflict", async () => {
  const name = unique("taken");
  await db.fleets.create({ name, capacity: 1, instance_type: "t3.nano" });
  const error = await db.fleets.create({ name, capacity: 1, instance_type: "t3.nano" }).catch((e) => e);
  assert.ok(error instanceof AlreadyExistsError && error instanceof ConflictError);
  assert.equal(error.status, 409);
});

test("If-Match from an object read earlier", async () => {
  const name = unique("ifmatch");
  const fleet = await db.fleets.create({ name, capacity: 1, instance_type: "t3.nano" });
  const body = { name, capacity: 2, instance_type: "t3.nano" as const };
  await db.fleets.replace(fleet.id, body, { ifMatch: fleet });
  const error = await db.fleets.replace(fleet.id, body, { ifMatch: fleet }).catch((e) => e);
  assert.ok(error instanceof PreconditionFailedError);
  assert.equal(error.details.expected_version, fleet.resource_version);
});

test("an idempotency key reused for another request", async () => {
  const name = unique("idem");
  const idempotencyKey = `key-${name}`;
  const first = await db.fleets.create({ name, capacity: 1, instance_type: "t3.nano" }, { idempotencyKey });
  const again = await db.fleets.create({ name, capacity: 1, instance_type: "t3.nano" }, { idempotencyKey });
  assert.equal(again.id, first.id);
  await assert.rejects(
    db.fleets.create({ name: `${name}-b`, capacity: 1, instance_type: "t3.nano" }, { idempotencyKey }),
    IdempotencyKeyReusedError,
  );
});

test("the user agent names the SDK", async () => {
  const rec = recording();
  await collect(server.client({ fetch: rec.fetch }).users.list());
  assert.equal(rec.requests[0].headers.get("user-agent"), `clusterdb-node/${VERSION}`);
  assert.equal(USER_AGENT, `clusterdb-node/${VERSION}`);
});

test("a timeout bounds each attempt", async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket)); // takes connections, never answers
  await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done));
  try {
    const port = (silent.address() as { port: number }).port;
    const client = new ClusterDB(`http://127.0.0.1:${port}`, { apiKey: "cdb_x_y", timeoutMs: 300, maxRetries: 0 });
    const started = Date.now();
    const error = await client.fleets.get("fleet-x").catch((e) => e);
    assert.ok(error instanceof ApiConnectionError, String(error));
    assert.ok(Date.now() - started < 5000);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test("read options", async () => {
  const name = unique("read");
  const fleet = await db.fleets.create({ name, capacity: 1, instance_type: "t3.nano" });
  assert.equal((await db.fleets.get(fleet.id, { minRevision: fleet.resource_version })).id, fleet.id);
  assert.equal((await db.fleets.get(fleet.id, { stale: true })).id, fleet.id);
  assert.deepEqual((await collect(db.fleets.list({ name, stale: true }))).map((f) => f.id), [fleet.id]);
  const error = await db.fleets.get(fleet.id, { minRevision: -1 }).catch((e) => e);
  assert.ok(error instanceof InvalidRequestError);
  assert.equal(error.field, "min_revision");
});
