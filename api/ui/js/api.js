// The console's client of the public API: every call is a REST call with
// the signed-in credential as a bearer header (no cookies), so the API
// authorizes the console exactly as any other client.

/** An answer in the API's error format (or a failure to get one). */
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "UNKNOWN";
    this.details = error.details || {};
    this.field = this.details.field || null;
    this.reason = this.details.reason || null;
  }
}

/** A signed-in session: an API key, or OAuth client credentials that
 * fetch (and renew) an access token. */
export class Api {
  constructor(credential) {
    this.credential = credential;
    this.token = null;
    this.tokenRenewAt = 0;
  }

  async bearer() {
    if (this.credential.kind === "key") return this.credential.key;
    if (this.token && Date.now() < this.tokenRenewAt) return this.token;
    const basic = btoa(`${this.credential.id}:${this.credential.secret}`);
    const response = await fetch("/oauth/token", {
      method: "POST",
      headers: {
        authorization: `Basic ${basic}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials",
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new ApiError(response.status, {
        error: { code: "UNAUTHENTICATED", message: body.error_description || body.error || "the token endpoint refused" },
      });
    }
    this.token = body.access_token;
    const lifetime = (body.expires_in || 60) * 1000;
    this.tokenRenewAt = Date.now() + lifetime - Math.min(lifetime / 5, 60000);
    return this.token;
  }

  /** `method` on `/v1{path}`: the JSON answer (null when there is none). */
  async call(method, path, { query, body, raw, contentType, headers } = {}) {
    const url = new URL(`/v1${path}`, location.origin);
    for (const [key, value] of query || []) url.searchParams.append(key, value);
    const init = { method, headers: { authorization: `Bearer ${await this.bearer()}`, ...(headers || {}) } };
    if (raw !== undefined) {
      init.body = raw;
      if (contentType) init.headers["content-type"] = contentType;
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["content-type"] = "application/json";
    }
    const response = await fetch(url, init);
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    if (!response.ok) {
      if (response.status === 401 && this.credential.kind === "client") this.token = null;
      throw new ApiError(response.status, json);
    }
    return { json, headers: response.headers };
  }

  async get(path, query) { return (await this.call("GET", path, { query })).json; }
  async post(path, body) { return (await this.call("POST", path, { body })).json; }
  async put(path, body, version) {
    const headers = version === undefined ? {} : { "if-match": `"${version}"` };
    return (await this.call("PUT", path, { body, headers })).json;
  }
  async del(path, version) {
    const headers = version === undefined ? {} : { "if-match": `"${version}"` };
    return (await this.call("DELETE", path, { headers })).json;
  }

  /** Follows the event log live from now: `onEvent(event)` for each, until
   * `signal` aborts; reconnects with Last-Event-ID when a connection drops. */
  async watch(query, onEvent, signal, onState = () => {}) {
    let lastId = null;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const url = new URL("/v1/events:watch", location.origin);
        url.searchParams.set("after", "now");
        for (const [key, value] of query || []) url.searchParams.append(key, value);
        const headers = { authorization: `Bearer ${await this.bearer()}`, accept: "text/event-stream" };
        if (lastId) headers["last-event-id"] = lastId;
        const response = await fetch(url, { headers, signal });
        if (!response.ok) {
          const body = await response.json().catch(() => null);
          throw new ApiError(response.status, body);
        }
        onState("live");
        failures = 0;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const frame = parseFrame(block);
            if (frame.event === "error") throw new ApiError(410, JSON.parse(frame.data));
            if (!frame.event && frame.data) {
              if (frame.id) lastId = frame.id;
              onEvent(JSON.parse(frame.data));
            }
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ApiError && error.status < 500) { onState(`stopped: ${error.message}`); return; }
        failures += 1;
      }
      onState("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** failures, 10000)));
    }
  }
}

function parseFrame(block) {
  const frame = { event: null, data: "", id: null };
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) frame.event = line.slice(6).trim();
    else if (line.startsWith("data:")) frame.data += line.slice(5).replace(/^ /, "");
    else if (line.startsWith("id:")) frame.id = line.slice(3).trim();
  }
  return frame;
}

/** The kind an event is about: `fleet` of `fleet.created`. */
export function eventKind(event) {
  return String(event.type || "").split(".")[0];
}
