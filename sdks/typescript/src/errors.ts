/**
 * Typed errors: the API's error format as exceptions. Every answer of 400
 * or above throws an `ApiError` subclass chosen by the status (and, for
 * 409, the code), with the API's `code`, `message`, `details` (`field` and
 * `reason` when the server names them) and the request id.
 */

/** Anything this SDK throws. */
export class ClusterDBError extends Error {
  override name = "ClusterDBError";
}

/** The request did not complete (connection, timeout), after retries. */
export class ApiConnectionError extends ClusterDBError {
  override name = "ApiConnectionError";
}

/** A webhook delivery's signature or timestamp did not verify. */
export class WebhookVerificationError extends ClusterDBError {
  override name = "WebhookVerificationError";
}

/** The server answered with an error in the API's error format. */
export class ApiError extends ClusterDBError {
  override name = "ApiError";

  constructor(
    readonly status: number,
    readonly code: string,
    readonly apiMessage: string,
    readonly details: Record<string, unknown> = {},
    readonly requestId: string | null = null,
    readonly headers: Headers = new Headers(),
  ) {
    super(`${status} ${code}: ${apiMessage}${suffix(details)}`);
  }

  /** The request field the server names (`details.field`). */
  get field(): string | undefined {
    return typeof this.details.field === "string" ? this.details.field : undefined;
  }

  /** Why that field was refused (`details.reason`). */
  get reason(): string | undefined {
    return typeof this.details.reason === "string" ? this.details.reason : undefined;
  }

  /** Seconds the server asked to wait (`Retry-After`), if it did. */
  get retryAfter(): number | undefined {
    return parseRetryAfter(this.headers.get("retry-after"));
  }

  /** The error a response stands for (any body: a proxy's HTML too). */
  static fromResponse(response: Response, text: string): ApiError {
    let code = "UNKNOWN";
    let message = response.statusText || "error";
    let details: Record<string, unknown> = {};
    try {
      const body = JSON.parse(text);
      const error = body.error;
      if (typeof error === "string") {
        // The token endpoint answers as RFC 6749 says.
        code = error;
        message = String(body.error_description ?? message);
      } else {
        code = String(error.code);
        message = String(error.message ?? message);
        details = isRecord(error.details) ? error.details : {};
      }
    } catch {
      const head = text.slice(0, 200).trim();
      if (head) message = `${message}: ${head}`;
    }
    return make(response.status, code, message, details, response.headers);
  }

  /** The error of an error event inside a stream (`{"error": {...}}`). */
  static fromBody(status: number, body: unknown): ApiError {
    const error = isRecord(body) && isRecord(body.error) ? body.error : {};
    const details = isRecord(error.details) ? error.details : {};
    return make(status, String(error.code ?? "UNKNOWN"), String(error.message ?? ""), details, new Headers());
  }
}

/** 400: a malformed request or an invalid field. */
export class InvalidRequestError extends ApiError {}
/** 401: no credential, or one that is not valid. */
export class AuthenticationError extends ApiError {}
/** 403: the principal lacks the role or scope. */
export class PermissionDeniedError extends ApiError {}
/** 404: no such resource. */
export class NotFoundError extends ApiError {}
/** 409: the request conflicts with the resource's state. */
export class ConflictError extends ApiError {}
/** 409 ALREADY_EXISTS: the name is taken. */
export class AlreadyExistsError extends ConflictError {}
/** 410: a position older than the history kept (list again, then watch). */
export class OutOfRangeError extends ApiError {}
/** 412: `If-Match` named a version the resource is no longer at. */
export class PreconditionFailedError extends ApiError {}
/** 422: the idempotency key was used with a different request. */
export class IdempotencyKeyReusedError extends ApiError {}
/** 429: the principal's rate limit or a quota. */
export class RateLimitError extends ApiError {}
/** 5xx: a fault, or a function's failure. */
export class ServerError extends ApiError {}
/** 503: the store cannot be reached or the server is at a limit. */
export class UnavailableError extends ServerError {}

type ErrorClass = new (
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown>,
  requestId: string | null,
  headers: Headers,
) => ApiError;

const byStatus: Record<number, ErrorClass> = {
  400: InvalidRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  410: OutOfRangeError,
  412: PreconditionFailedError,
  422: IdempotencyKeyReusedError,
  429: RateLimitError,
  503: UnavailableError,
};

const byCode: Record<string, ErrorClass> = {
  ALREADY_EXISTS: AlreadyExistsError,
  IDEMPOTENCY_KEY_REUSED: IdempotencyKeyReusedError,
};

function make(
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown>,
  headers: Headers,
): ApiError {
  const kind = byCode[code] ?? byStatus[status] ?? (status >= 500 ? ServerError : ApiError);
  return new kind(status, code, message, details, headers.get("x-request-id"), headers);
}

function suffix(details: Record<string, unknown>): string {
  return typeof details.field === "string" && typeof details.reason === "string"
    ? ` (${details.field}: ${details.reason})`
    : "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `Retry-After` in seconds (delta-seconds, as the server sends). */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value.trim());
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
