/** The live event watch: a resume across a server restart that neither
 * loses nor repeats an event, and 410 past the history. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { type Event, OutOfRangeError } from "../src/index.js";
import { eventually, Server } from "./server.js";

test("the watch resumes across a restart", async () => {
  const server = await Server.start();
  try {
    const db = server.client();
    await db.fleets.create({ name: "before", capacity: 1, instance_type: "t3.nano" });
    const watch = db.events.watch({ after: 0, types: ["fleet.created"] });
    const seen: Event[] = [];
    const done = (async () => {
      for await (const event of watch) {
        seen.push(event);
        if (seen.length === 3) return;
      }
    })();
    await db.fleets.create({ name: "during", capacity: 1, instance_type: "t3.nano" });
    await eventually(async () => seen.length === 2);
    await server.restart();
    await db.fleets.create({ name: "after", capacity: 1, instance_type: "t3.nano" });
    await done;
    watch.close();
    assert.deepEqual(
      seen.map((e) => e.data.name),
      ["before", "during", "after"],
    );
    assert.ok(watch.reconnects >= 1);
    assert.equal(new Set(seen.map((e) => e.id)).size, 3);
  } finally {
    await server.stop();
  }
});

test("a position older than the history is 410", async () => {
  const server = await Server.start("--event-retention-revisions", "2");
  try {
    const db = server.client();
    for (let i = 0; i < 5; i++) await db.fleets.create({ name: `f${i}`, capacity: 1, instance_type: "t3.nano" });
    await server.restart(); // retention compacts at start
    const watch = db.events.watch({ after: 1 });
    const error = await (async () => {
      for await (const _ of watch) return undefined;
    })().catch((e) => e);
    assert.ok(error instanceof OutOfRangeError, String(error));
    assert.equal(error.status, 410);
    assert.ok((error.details.oldest_after as number) > 1);
  } finally {
    await server.stop();
  }
});
