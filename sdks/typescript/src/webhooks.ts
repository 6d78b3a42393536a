/** Verifying webhook deliveries (Standard Webhooks) in a receiver. */
import { createHmac, timingSafeEqual } from "node:crypto";

import { WebhookVerificationError } from "./errors.js";

/** How far a delivery's timestamp may be from now, in seconds. */
export const DEFAULT_TOLERANCE = 300;

/**
 * Checks a delivery and answers its event. `secret` is the endpoint's
 * `whsec_…` secret; `headers` the request's; `body` its raw bytes, as
 * received. Throws `WebhookVerificationError` unless one of the
 * `webhook-signature`'s `v1,` signatures is the HMAC-SHA256 of
 * `id.timestamp.body` and the timestamp is within `tolerance` seconds of
 * now. Deduplicate on `webhook-id`: delivery is at least once.
 */
export function verify(
  secret: string,
  headers: Headers | Record<string, string | string[] | undefined>,
  body: Uint8Array | string,
  options: { tolerance?: number; now?: number } = {},
): Record<string, unknown> {
  const header = (name: string): string => {
    const value =
      headers instanceof Headers
        ? headers.get(name)
        : Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
    const text = Array.isArray(value) ? value.join(" ") : value;
    if (text === undefined || text === null) throw new WebhookVerificationError(`missing header ${name}`);
    return text;
  };
  const id = header("webhook-id");
  const timestamp = header("webhook-timestamp");
  const signatures = header("webhook-signature");
  const sent = Number(timestamp);
  if (!Number.isInteger(sent)) throw new WebhookVerificationError("webhook-timestamp is not a number");
  const now = options.now ?? Date.now() / 1000;
  if (Math.abs(now - sent) > (options.tolerance ?? DEFAULT_TOLERANCE)) {
    throw new WebhookVerificationError("webhook-timestamp is too far from now");
  }
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const raw = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(raw).digest();
  for (const signature of signatures.split(" ")) {
    const [version, value] = signature.split(",", 2);
    if (version !== "v1" || value === undefined) continue;
    const offered = Buffer.from(value, "base64");
    if (offered.length === expected.length && timingSafeEqual(offered, expected)) {
      return JSON.parse(raw.toString("utf8"));
    }
  }
  throw new WebhookVerificationError("no signature matches");
}
