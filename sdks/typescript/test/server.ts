/** The real `clusterdb` binary on a loopback port, for the SDK's tests.
 * `CLUSTERDB_BIN` names the binary (default: the workspace's debug build). */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { ClusterDB, type ClusterDBOptions } from "../src/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const BINARY = process.env.CLUSTERDB_BIN ?? join(root, "target", "debug", "clusterdb");

export class Server {
  readonly directory = mkdtempSync(join(tmpdir(), "clusterdb-ts-"));
  readonly data = join(this.directory, "data.redb");
  url = "";
  port = 0;
  key = "";
  #process: ChildProcess | null = null;

  private constructor(readonly flags: string[]) {}

  static async start(...flags: string[]): Promise<Server> {
    const server = new Server(flags);
    await server.start();
    server.key = readFileSync(`${server.data}.admin-key`, "utf8").trim();
    return server;
  }

  async start(): Promise<void> {
    const log = openSync(join(this.directory, "server.log"), "a");
    const child = spawn(BINARY, ["serve", "--listen", `127.0.0.1:${this.port}`, "--data", this.data, ...this.flags], {
      stdio: ["ignore", "pipe", log],
    });
    this.#process = child;
    const lines = createInterface({ input: child.stdout! });
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error("the server did not start")), 30_000);
      lines.on("line", (line) => {
        if (line.startsWith("listening on ")) {
          clearTimeout(timer);
          resolveUrl(line.slice("listening on ".length).trim());
        }
      });
      child.on("exit", () => reject(new Error(readFileSync(join(this.directory, "server.log"), "utf8"))));
    });
    this.url = url;
    this.port = Number(url.slice(url.lastIndexOf(":") + 1));
  }

  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((done) => {
      child.on("exit", () => done());
      child.kill("SIGTERM");
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  client(options: ClusterDBOptions = {}): ClusterDB {
    return new ClusterDB(this.url, { apiKey: this.key, ...options });
  }
}

/** `check()`'s first truthy answer, polling until `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await check();
    if (answer) return answer;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every item of an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

let counter = 0;
/** A name no other test uses. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}
