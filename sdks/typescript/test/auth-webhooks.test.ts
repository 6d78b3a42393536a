/** OAuth client credentials with token renewal, and a real webhook
 * delivery verified with the SDK's verifier. */
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { after, before, test } from "node:test";

import {
  AuthenticationError,
  ClientCredentials,
  ClusterDB,
  PermissionDeniedError,
  WebhookVerificationError,
  webhooks,
} from "../src/index.js";
import { collect, Server, unique } from "./server.js";

let server: Server;
let db: ClusterDB;
before(async () => {
  server = await Server.start("--access-token-ttl", "3", "--webhook-allow-private");
  db = server.client();
});
after(() => server.stop());

test("the access token is renewed before it expires", async () => {
  const [admin] = await collect(db.users.list({ name: "admin" }));
  const client = await db.oauthClients.create({ name: unique("app"), owner: admin.id, scopes: ["compute:read"] });
  const credentials = new ClientCredentials(client.id, client.client_secret!);
  const app = new ClusterDB(server.url, { credentials });
  await collect(app.fleets.list({ pageSize: 1 }));
  await collect(app.fleets.list({ pageSize: 1 }));
  assert.equal(credentials.fetches, 1); // cached
  await new Promise((r) => setTimeout(r, 3000)); // tokens live 3 s (--access-token-ttl)
  await collect(app.fleets.list({ pageSize: 1 }));
  assert.equal(credentials.fetches, 2); // renewed, and the call succeeded
  await assert.rejects(app.fleets.create({ name: unique("no"), capacity: 1, instance_type: "t3.nano" }), PermissionDeniedError);
  const bad = new ClusterDB(server.url, { clientId: client.id, clientSecret: "wrong", maxRetries: 0 });
  const refused = await collect(bad.fleets.list()).catch((e) => e);
  assert.ok(refused instanceof AuthenticationError);
  assert.equal(refused.code, "invalid_client");
});

test("a real delivery verifies", async () => {
  const received: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done));
  try {
    const port = (receiver.address() as { port: number }).port;
    const endpoint = await db.webhooks.create({
      name: unique("hook"),
      url: `http://127.0.0.1:${port}/hook`,
      events: ["webhook.test"],
    });
    const secret = endpoint.secret!;
    assert.match(secret, /^whsec_/);
    await db.webhooks.test(endpoint.id);
    const deadline = Date.now() + 15_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const [{ headers, body }] = received;
    const event = webhooks.verify(secret, headers as Record<string, string>, body);
    assert.equal(event.type, "webhook.test");
    assert.throws(() => webhooks.verify(secret, headers as Record<string, string>, Buffer.concat([body, Buffer.from(" ")])), WebhookVerificationError);
    assert.throws(
      () => webhooks.verify(secret, headers as Record<string, string>, body, { now: Date.now() / 1000 + 3600 }),
      WebhookVerificationError,
    );
    const rotated = await db.webhooks.rotateSecret(endpoint.id);
    assert.notEqual(rotated.secret, secret);
    const deliveries = await collect(db.webhooks.deliveries(endpoint.id));
    assert.ok(deliveries.length > 0 && deliveries[0].attempts.length > 0);
    assert.equal((await db.webhooks.getDelivery(endpoint.id, deliveries[0].id)).id, deliveries[0].id);
    await db.webhooks.redeliver(endpoint.id, deliveries[0].id);
    while (received.length < 2 && Date.now() < deadline + 15_000) await new Promise((r) => setTimeout(r, 50));
    const again = received[1];
    assert.equal(webhooks.verify(rotated.secret!, again.headers as Record<string, string>, again.body).type, "webhook.test");
    await db.webhooks.delete(endpoint.id);
  } finally {
    receiver.close();
  }
});
