/**
 * The HTTP transport under every call: credentials, an automatic
 * `Idempotency-Key` on each POST, a timeout per attempt, and retries of
 * connection errors, 429 and 503 honouring `Retry-After`.
 */
import { randomUUID } from "node:crypto";

import type { Credentials } from "./auth.js";
import { ApiConnectionError, parseRetryAfter } from "./errors.js";
import { VERSION } from "./version.js";

/** Statuses worth another attempt: both send Retry-After. */
const RETRY_STATUSES = new Set([429, 503]);
/** 409 codes that mean "the first attempt is still running". */
const RETRY_CODES = new Set(["IDEMPOTENCY_KEY_IN_USE"]);

export const USER_AGENT = `clusterdb-node/${VERSION}`;

/** How the transport behaves. */
export interface TransportOptions {
  /** Milliseconds each attempt may take (default 30 s); null: no bound. */
  timeoutMs?: number | null;
  /** Attempts after the first (default 3). */
  maxRetries?: number;
  /** The longest single wait between attempts, ms (default 30 s). */
  maxRetryWaitMs?: number;
  /** The fetch to send with (default: the global one). */
  fetch?: typeof fetch;
  /** How to wait (tests replace it). */
  sleep?: (ms: number) => Promise<void>;
}

export class Transport {
  readonly fetchImpl: typeof fetch;
  readonly timeoutMs: number | null;
  readonly maxRetries: number;
  readonly maxRetryWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Attempts made again so far. */
  retries = 0;

  constructor(
    readonly baseUrl: string,
    readonly credentials: Credentials | null,
    options: TransportOptions = {},
  ) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs === undefined ? 30_000 : options.timeoutMs;
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 30_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** A `fetch` that sends through this transport (for openapi-fetch). */
  readonly fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
    this.send(new Request(input, init));

  /** Sends `request`, retrying as the class says; `timeoutMs` overrides the bound. */
  async send(request: Request, timeoutMs: number | null = this.timeoutMs): Promise<Response> {
    const headers = new Headers(request.headers);
    headers.set("User-Agent", USER_AGENT);
    if (request.method === "POST" && !headers.has("idempotency-key")) {
      headers.set("Idempotency-Key", randomUUID());
    }
    const original = new Request(request, { headers });
    let renewed = false;
    for (let attempt = 0; ; ) {
      const attemptHeaders = new Headers(original.headers);
      if (this.credentials) {
        attemptHeaders.set("Authorization", `Bearer ${await this.credentials.bearer(this.baseUrl, this.fetchImpl)}`);
      }
      const signals = [original.signal];
      if (timeoutMs !== null) signals.push(AbortSignal.timeout(timeoutMs));
      const sent = new Request(original.clone(), { headers: attemptHeaders, signal: AbortSignal.any(signals) });
      let response: Response;
      try {
        response = await this.fetchImpl(sent);
      } catch (err) {
        if (original.signal.aborted) throw err;
        if (attempt >= this.maxRetries) {
          throw new ApiConnectionError(`${request.method} ${request.url}: ${describe(err)}`, { cause: err });
        }
        await this.#wait(attempt++, undefined);
        continue;
      }
      if (response.status === 401 && !renewed && this.credentials?.invalidate()) {
        // A cached access token the server no longer takes: fetch a new one, once.
        await response.body?.cancel();
        renewed = true;
        continue;
      }
      if (attempt < this.maxRetries && (await retryable(response))) {
        const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
        await response.body?.cancel();
        await this.#wait(attempt++, retryAfter);
        continue;
      }
      return response;
    }
  }

  async #wait(attempt: number, retryAfterSeconds: number | undefined): Promise<void> {
    this.retries += 1;
    const ms =
      retryAfterSeconds !== undefined
        ? retryAfterSeconds * 1000
        : Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
    await this.sleep(Math.min(ms, this.maxRetryWaitMs));
  }
}

async function retryable(response: Response): Promise<boolean> {
  if (RETRY_STATUSES.has(response.status)) return true;
  if (response.status !== 409) return false;
  try {
    const body = await response.clone().json();
    return RETRY_CODES.has(body?.error?.code);
  } catch {
    return false;
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.name}: ${err.message}${cause}`;
  }
  return String(err);
}
