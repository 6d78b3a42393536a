/**
 * ClusterDB's TypeScript SDK for Node.js.
 *
 * `ClusterDB` is the client; the errors, `verify` for webhook receivers and
 * the API's types (`Schemas`, generated from the server's OpenAPI
 * document) are exported beside it.
 */
export { ApiKey, ClientCredentials, type Credentials } from "./auth.js";
export * from "./client.js";
export * from "./errors.js";
export type { IfMatch, ListOptions, Page, ReadOptions } from "./resource.js";
export { Resource } from "./resource.js";
export type { components, operations, paths } from "./schema.js";
export { Transport, type TransportOptions, USER_AGENT } from "./transport.js";
export { VERSION } from "./version.js";
export { type Event, EventWatch, type WatchOptions } from "./watch.js";
export * as webhooks from "./webhooks.js";
