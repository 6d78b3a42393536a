/** Sends one API call and answers its JSON, or throws its typed error. */
import { ApiError } from "./errors.js";
import type { Transport } from "./transport.js";

export interface CallOptions {
  query?: Record<string, unknown>;
  body?: unknown;
  /** Sent as it is, with this content type (instead of JSON). */
  raw?: { bytes: Uint8Array; contentType: string };
  headers?: Record<string, string>;
}

export class Caller {
  constructor(
    readonly transport: Transport,
    readonly baseUrl: string,
  ) {}

  /** The URL of `path` with `query` (arrays repeat the parameter). */
  url(path: string, query: Record<string, unknown> = {}): string {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    return url.toString();
  }

  async call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const headers = new Headers(options.headers);
    let body: BodyInit | undefined;
    if (options.raw) {
      headers.set("Content-Type", options.raw.contentType);
      body = new Blob([options.raw.bytes as Uint8Array<ArrayBuffer>]);
    } else if (options.body !== undefined) {
      headers.set("Content-Type", "application/json");
      body = JSON.stringify(options.body);
    }
    const response = await this.transport.send(new Request(this.url(path, options.query), { method, headers, body }));
    const text = await response.text();
    if (!response.ok) throw ApiError.fromResponse(response, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
