/** `ClusterDB`: the client, with one property per resource family. */
import createClient, { type Client } from "openapi-fetch";

import { ApiKey, ClientCredentials, type Credentials } from "./auth.js";
import { Caller } from "./caller.js";
import { ifMatchHeader, type IfMatch, type ListOptions, paginate, Resource, tagFilters } from "./resource.js";
import type { components, paths } from "./schema.js";
import { Transport, type TransportOptions } from "./transport.js";
import { type Event, EventWatch, type WatchOptions } from "./watch.js";

/** The API's types, by schema name: `Schemas["FleetInput"]`. */
export type Schemas = components["schemas"];

export interface ClusterDBOptions extends TransportOptions {
  /** A user's API key. */
  apiKey?: string;
  /** An OAuth client's id (with `clientSecret`): client credentials. */
  clientId?: string;
  clientSecret?: string;
  /** The scopes to ask the token for (default: all the client holds). */
  scope?: string;
  /** Any other credentials. */
  credentials?: Credentials;
}

/**
 * A ClusterDB server's REST API (`/v1`).
 *
 * ```ts
 * const db = new ClusterDB("http://127.0.0.1:7070", { apiKey: process.env.CLUSTERDB_API_KEY });
 * const fleet = await db.fleets.create({ name: "web", capacity: 3, instance_type: "t3.medium" });
 * ```
 *
 * Every call retries connection errors, 429 and 503 (honouring
 * `Retry-After`), each POST with an automatic `Idempotency-Key`; errors
 * throw `ApiError` subclasses. `api` is the typed openapi-fetch client of
 * every path, through the same transport.
 */
export class ClusterDB {
  readonly baseUrl: string;
  readonly transport: Transport;
  readonly caller: Caller;
  readonly api: Client<paths>;
  readonly fleets: Resource<Schemas["FleetInput"], Schemas["FleetOutput"]>;
  readonly instances: Instances;
  readonly functions: Functions;
  readonly virtualServices: VirtualServices;
  readonly securityPolicies: SecurityPolicies;
  readonly users: Resource<Schemas["UserInput"], Schemas["UserOutput"]>;
  readonly apiKeys: ApiKeys;
  readonly groups: Groups;
  readonly oauthClients: OAuthClients;
  readonly webhooks: Webhooks;
  readonly events: Events;
  readonly alertRules: Resource<Schemas["AlertRuleInput"], Schemas["AlertRuleOutput"]>;
  readonly silences: Silences;
  readonly monitoring: Monitoring;

  constructor(baseUrl: string, options: ClusterDBOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    const credentials =
      options.credentials ??
      (options.apiKey !== undefined
        ? new ApiKey(options.apiKey)
        : options.clientId !== undefined && options.clientSecret !== undefined
          ? new ClientCredentials(options.clientId, options.clientSecret, { scope: options.scope })
          : null);
    this.transport = new Transport(this.baseUrl, credentials, options);
    this.caller = new Caller(this.transport, this.baseUrl);
    this.api = createClient<paths>({ baseUrl: this.baseUrl, fetch: this.transport.fetch });
    const c = this.caller;
    this.fleets = new Resource(c, "/v1/fleets", "fleets");
    this.instances = new Instances(c, "/v1/instances", "instances");
    this.functions = new Functions(c, "/v1/functions", "functions");
    this.virtualServices = new VirtualServices(c, "/v1/mesh/virtual-services", "virtual_services");
    this.securityPolicies = new SecurityPolicies(c, "/v1/mesh/security-policies", "security_policies");
    this.users = new Resource(c, "/v1/users", "users");
    this.apiKeys = new ApiKeys(c);
    this.groups = new Groups(c, "/v1/groups", "groups");
    this.oauthClients = new OAuthClients(c, "/v1/oauth-clients", "oauth_clients");
    this.webhooks = new Webhooks(c, "/v1/webhooks", "webhooks");
    this.events = new Events(c);
    this.alertRules = new Resource(c, "/v1/monitoring/alert-rules", "alert_rules");
    this.silences = new Silences(c, "/v1/monitoring/silences", "silences");
    this.monitoring = new Monitoring(c);
  }
}

/** Instances: `list({fleetId})`, `start`, `stop`. */
export class Instances extends Resource<Schemas["InstanceInput"], Schemas["InstanceOutput"], ListOptions & { fleet_id?: string }> {
  /** Starts an instance. */
  start(id: string): Promise<Schemas["InstanceOutput"]> {
    return this.caller.call("POST", this.item(id, "start"));
  }

  /** Stops a running instance. */
  stop(id: string): Promise<Schemas["InstanceOutput"]> {
    return this.caller.call("POST", this.item(id, "stop"));
  }
}

/** Functions: create from WebAssembly (base64) or WebAssembly text, `invoke`. */
export class Functions extends Resource<Schemas["FunctionInput"], Schemas["FunctionOutput"]> {
  /** Runs the function with `payload` (JSON-encoded; bytes are sent as they
   * are) and answers its output, logs, fuel and duration. */
  invoke(id: string, payload?: unknown): Promise<Schemas["InvocationOutput"]> {
    const path = this.item(id, "invoke");
    if (payload instanceof Uint8Array) {
      return this.caller.call("POST", path, { raw: { bytes: payload, contentType: "application/octet-stream" } });
    }
    return this.caller.call("POST", path, { body: payload ?? null });
  }
}

type MeshFilters = ListOptions & { namespace?: string };

/** A mesh kind: also addressed by namespace and name (`apply`). */
class MeshResource<Input, Output> extends Resource<Input, Output, MeshFilters> {
  /** Creates or updates it by namespace and name; `dryRun` validates and
   * answers the result without storing it. */
  apply(namespace: string, name: string, body: Input, options: { dryRun?: boolean; ifMatch?: IfMatch } = {}): Promise<Output> {
    const query = options.dryRun ? { dry_run: true } : {};
    return this.caller.call("PUT", this.item(namespace, name), { body, query, headers: ifMatchHeader(options.ifMatch) });
  }

  /** Reads it by namespace and name. */
  getByName(namespace: string, name: string): Promise<Output> {
    return this.caller.call("GET", this.item(namespace, name));
  }

  /** Deletes it by namespace and name. */
  deleteByName(namespace: string, name: string, options: { ifMatch?: IfMatch } = {}): Promise<Output | undefined> {
    return this.caller.call("DELETE", this.item(namespace, name), { headers: ifMatchHeader(options.ifMatch) });
  }
}

/** Virtual services (Istio's `VirtualService`): `resolve` a request. */
export class VirtualServices extends MeshResource<Schemas["VirtualServiceInput"], Schemas["VirtualServiceOutput"]> {
  /** Where the virtual services route a request. */
  resolve(request: Schemas["RouteRequestJson"]): Promise<Schemas["ResolutionJson"]> {
    return this.caller.call("POST", "/v1/mesh/routes:resolve", { body: request });
  }
}

/** Security policies (Istio's `AuthorizationPolicy`): `check` a request. */
export class SecurityPolicies extends MeshResource<Schemas["SecurityPolicyInput"], Schemas["SecurityPolicyOutput"]> {
  /** Whether the policies allow a request, and which one decides. */
  check(request: Schemas["CheckRequestJson"]): Promise<Schemas["DecisionJson"]> {
    return this.caller.call("POST", `${this.collection}:check`, { body: request });
  }
}

/** A user's API keys: the secret is in the answer to `create` only. */
export class ApiKeys {
  constructor(private readonly caller: Caller) {}

  /** Makes a key. */
  create(userId: string, body: Schemas["ApiKeyInput"]): Promise<Schemas["NewApiKeyOutput"]> {
    return this.caller.call("POST", `/v1/users/${encodeURIComponent(userId)}/api-keys`, { body });
  }

  /** The user's keys (without secrets). */
  async list(userId: string): Promise<Schemas["ApiKeyOutput"][]> {
    const page = await this.caller.call<Schemas["ApiKeyPage"]>("GET", `/v1/users/${encodeURIComponent(userId)}/api-keys`);
    return page.api_keys;
  }

  /** Revokes a key: it stops working on every server at once. */
  async revoke(userId: string, keyId: string): Promise<void> {
    await this.caller.call("DELETE", `/v1/users/${encodeURIComponent(userId)}/api-keys/${encodeURIComponent(keyId)}`);
  }
}

/** Groups: `addMember`, `removeMember`. */
export class Groups extends Resource<Schemas["GroupInput"], Schemas["GroupOutput"]> {
  /** Adds a user to the group. */
  addMember(id: string, userId: string): Promise<Schemas["GroupOutput"]> {
    return this.caller.call("POST", this.item(id, "members"), { body: { user_id: userId } });
  }

  /** Removes a user from the group. */
  async removeMember(id: string, userId: string): Promise<void> {
    await this.caller.call("DELETE", this.item(id, "members", userId));
  }
}

/** OAuth clients: the secret is in the answers to create and `resetSecret` only. */
export class OAuthClients extends Resource<Schemas["OAuthClientInput"], Schemas["OAuthClientOutput"]> {
  /** Gives the client a new secret (the old one stops working). */
  resetSecret(id: string): Promise<Schemas["OAuthClientOutput"]> {
    return this.caller.call("POST", this.item(id, "secret"));
  }
}

/** Webhook endpoints, their deliveries, redeliveries, tests and secrets. */
export class Webhooks extends Resource<Schemas["WebhookInput"], Schemas["WebhookOutput"]> {
  /** The endpoint's deliveries with their attempts, newest first. */
  deliveries(id: string, options: { pageSize?: number } = {}): AsyncGenerator<Schemas["DeliveryOutput"]> {
    return paginate(async (pageToken) => {
      const page = await this.caller.call<Schemas["DeliveryPage"]>("GET", this.item(id, "deliveries"), {
        query: { page_size: options.pageSize, page_token: pageToken },
      });
      return { items: page.deliveries, nextPageToken: page.next_page_token ?? null };
    });
  }

  /** One delivery with its attempts. */
  getDelivery(id: string, deliveryId: string): Promise<Schemas["DeliveryOutput"]> {
    return this.caller.call("GET", this.item(id, "deliveries", deliveryId));
  }

  /** Sends a delivery's event again. */
  redeliver(id: string, deliveryId: string): Promise<Schemas["DeliveryOutput"]> {
    return this.caller.call("POST", this.item(id, "deliveries", deliveryId, "redeliver"));
  }

  /** A new signing secret (generated unless given); the old one still
   * signs for 24 hours. The answer's `secret` is the only copy. */
  rotateSecret(id: string, secret?: string): Promise<Schemas["WebhookOutput"]> {
    return this.caller.call("POST", this.item(id, "secret"), { body: secret === undefined ? null : { secret } });
  }

  /** Sends a `webhook.test` event to the endpoint. */
  test(id: string): Promise<Schemas["TestOutput"]> {
    return this.caller.call("POST", this.item(id, "test"));
  }
}


/** The event log: `list` (auto-paginating) and `watch` (live). */
export class Events {
  constructor(private readonly caller: Caller) {}

  /** Every event after revision `after`, oldest first, up to now. */
  async *list(options: { after?: number; types?: string[]; kinds?: string[]; pageSize?: number } = {}): AsyncGenerator<Event> {
    let after = options.after ?? 0;
    for (;;) {
      const page = await this.caller.call<Schemas["EventPage"]>("GET", "/v1/events", {
        query: {
          after,
          page_size: options.pageSize,
          types: options.types?.join(","),
          kinds: options.kinds?.join(","),
        },
      });
      yield* page.events as Event[];
      if (page.next_after <= after) return;
      after = page.next_after;
    }
  }

  /** Follows the log live (server-sent events), resuming where it stopped
   * when the connection drops; a position older than the history kept
   * throws `OutOfRangeError`. Iterate it with `for await`; `close()` ends it. */
  watch(options: WatchOptions = {}): EventWatch {
    return new EventWatch(this.caller, options);
  }
}

/** Silences: `expire` ends one now. */
export class Silences extends Resource<Schemas["SilenceInput"], Schemas["SilenceOutput"]> {
  /** Ends the silence now. */
  expire(id: string): Promise<Schemas["SilenceOutput"]> {
    return this.caller.call("POST", this.item(id, "expire"));
  }
}

/** Samples, the metrics history and alerts. */
export class Monitoring {
  constructor(private readonly caller: Caller) {}

  /** Pushes samples. */
  push(samples: Schemas["SampleJson"][], options: { service?: string } = {}): Promise<Schemas["PushOutput"]> {
    return this.caller.call("POST", "/v1/monitoring/samples", { body: samples, query: { service: options.service } });
  }

  /** A service's series over `window` (e.g. `1h`) at `step` spacing. */
  metrics(
    service: string,
    options: { window?: string; step?: string; metric?: string; labels?: Record<string, string> } = {},
  ): Promise<Schemas["MetricsOutput"]> {
    const { labels, ...rest } = options;
    return this.caller.call("GET", "/v1/monitoring/metrics", { query: { service, ...rest, label: tagFilters(labels) } });
  }

  /** Pending, firing and recently resolved alerts. */
  async alerts(options: { state?: "pending" | "firing" | "resolved" } = {}): Promise<Schemas["AlertOutput"][]> {
    const list = await this.caller.call<Schemas["AlertList"]>("GET", "/v1/monitoring/alerts", { query: options });
    return list.alerts;
  }
}
