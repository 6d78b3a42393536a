/** Following the event log live over server-sent events, resuming with
 * `Last-Event-ID` when the connection drops. */
import type { Caller } from "./caller.js";
import { ApiError } from "./errors.js";

/** An event of the log. */
export interface Event {
  id: string;
  type: string;
  data: Record<string, unknown>;
  timestamp: string;
  revision: number;
}

export interface WatchOptions {
  /** A revision to start after, or `"now"` (the default). */
  after?: number | "now";
  types?: string[];
  kinds?: string[];
  /** An event id to resume after. */
  lastEventId?: string;
  /** Give up after this many reconnections (default: never). */
  maxReconnects?: number;
}

/**
 * An async iterable of events from `GET /v1/events:watch`. When the stream
 * ends or the connection drops it reconnects, sending the last event's id
 * as `Last-Event-ID` (before any event, the last bookmark's revision as
 * `after`), so no event is lost or repeated. `OutOfRangeError` (410) means
 * the position is older than the history kept: list from
 * `error.details.oldest_after`, then watch again.
 */
export class EventWatch implements AsyncIterable<Event> {
  lastEventId: string | undefined;
  /** The revision read through so far. */
  revision: number | undefined;
  reconnects = 0;
  readonly #abort = new AbortController();

  constructor(
    private readonly caller: Caller,
    private readonly options: WatchOptions,
  ) {
    this.lastEventId = options.lastEventId;
    this.revision = typeof options.after === "number" ? options.after : undefined;
  }

  /** Ends the watch (an iteration in progress stops). */
  close(): void {
    this.#abort.abort();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Event> {
    let failures = 0;
    while (!this.#abort.signal.aborted) {
      try {
        for await (const event of this.#stream()) {
          failures = 0;
          yield event;
        }
      } catch (err) {
        if (err instanceof ApiError || this.#abort.signal.aborted) {
          if (this.#abort.signal.aborted) return;
          throw err;
        }
        failures += 1;
      }
      if (this.#abort.signal.aborted) return;
      if (this.options.maxReconnects !== undefined && this.reconnects >= this.options.maxReconnects) return;
      this.reconnects += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * failures)));
    }
  }

  async *#stream(): AsyncGenerator<Event> {
    const headers = new Headers({ Accept: "text/event-stream" });
    const query: Record<string, unknown> = {
      types: this.options.types?.join(","),
      kinds: this.options.kinds?.join(","),
    };
    if (this.lastEventId !== undefined) headers.set("Last-Event-ID", this.lastEventId);
    else query.after = this.revision ?? this.options.after ?? "now";
    const request = new Request(this.caller.url("/v1/events:watch", query), { headers, signal: this.#abort.signal });
    // No timeout: the server sends a comment every 15 s.
    const response = await this.caller.transport.send(request, null);
    if (!response.ok) throw ApiError.fromResponse(response, await response.text());
    if (!response.body) return;
    let kind = "message";
    let data: string[] = [];
    let id: string | undefined;
    for await (const line of lines(response.body)) {
      if (line === "") {
        if (data.length > 0) {
          const event = this.#dispatch(kind, data.join("\n"), id);
          if (event) yield event;
        }
        kind = "message";
        data = [];
        id = undefined;
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") kind = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
    }
  }

  #dispatch(kind: string, data: string, id: string | undefined): Event | undefined {
    const body = JSON.parse(data);
    if (kind === "bookmark") {
      if (this.revision === undefined || body.revision > this.revision) this.revision = body.revision;
      return undefined;
    }
    if (kind === "error") {
      throw ApiError.fromBody(body?.error?.code === "OUT_OF_RANGE" ? 410 : 500, body);
    }
    if (id !== undefined) this.lastEventId = id;
    if (typeof body.revision === "number" && (this.revision === undefined || body.revision > this.revision)) {
      this.revision = body.revision;
    }
    return body as Event;
  }
}

/** The lines of a UTF-8 stream (LF or CRLF). */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  const reader = body.getReader();
  for (;;) {
    const { done, value: chunk } = await reader.read();
    if (done) return;
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, end).replace(/\r$/, "");
      buffered = buffered.slice(end + 1);
    }
  }
}
