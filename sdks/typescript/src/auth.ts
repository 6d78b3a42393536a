/**
 * Credentials: an API key, or OAuth2 client credentials whose access token
 * is fetched, cached and renewed before it expires.
 */
import { ApiConnectionError, ApiError } from "./errors.js";

/** What the transport asks for the `Authorization` header. */
export interface Credentials {
  /** The credential to send now. */
  bearer(baseUrl: string, fetchImpl: typeof fetch): Promise<string>;
  /** Forgets a cached token after a 401; whether a retry may help. */
  invalidate(): boolean;
}

/** A user's API key (`cdb_<key id>_<secret>`). */
export class ApiKey implements Credentials {
  readonly #key: string;

  constructor(key: string) {
    if (!key) throw new TypeError("an API key must not be empty");
    this.#key = key;
  }

  async bearer(): Promise<string> {
    return this.#key;
  }

  invalidate(): boolean {
    return false;
  }
}

/**
 * OAuth2 client credentials (RFC 6749 §4.4) of an OAuth client. The access
 * token is fetched from `/oauth/token` on first use, shared by concurrent
 * calls, and fetched again when less than a fifth of its lifetime (at most
 * a minute) is left, or after the server refused it.
 */
export class ClientCredentials implements Credentials {
  readonly #secret: string;
  #token: string | null = null;
  #renewAt = 0;
  #pending: Promise<string> | null = null;
  /** How many tokens were fetched. */
  fetches = 0;

  constructor(
    readonly clientId: string,
    clientSecret: string,
    readonly options: { scope?: string; tokenUrl?: string; now?: () => number } = {},
  ) {
    this.#secret = clientSecret;
  }

  async bearer(baseUrl: string, fetchImpl: typeof fetch): Promise<string> {
    const now = this.options.now ?? Date.now;
    if (this.#token !== null && now() < this.#renewAt) return this.#token;
    this.#pending ??= this.#fetch(baseUrl, fetchImpl).finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  invalidate(): boolean {
    this.#token = null;
    return true;
  }

  async #fetch(baseUrl: string, fetchImpl: typeof fetch): Promise<string> {
    const now = this.options.now ?? Date.now;
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.clientId,
      client_secret: this.#secret,
    });
    if (this.options.scope) form.set("scope", this.options.scope);
    const started = now();
    let response: Response;
    try {
      response = await fetchImpl(this.options.tokenUrl ?? `${baseUrl}/oauth/token`, {
        method: "POST",
        body: form,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new ApiConnectionError(`fetching an access token: ${String(err)}`, { cause: err });
    }
    const text = await response.text();
    if (!response.ok) throw ApiError.fromResponse(response, text);
    const body = JSON.parse(text) as { access_token: string; expires_in: number };
    const lifetime = body.expires_in * 1000;
    this.#token = body.access_token;
    this.#renewAt = started + lifetime - Math.min(60_000, lifetime / 5);
    this.fetches += 1;
    return body.access_token;
  }
}
