/** One generic resource: create, get, list (auto-paginating), replace and
 * delete, with typed errors, optimistic concurrency and idempotency keys. */
import type { Caller } from "./caller.js";

/** An object read earlier, its `resource_version`, or an ETag as sent. */
export type IfMatch = { resource_version: number } | number | string;

/** The `If-Match` header's value for `ifMatch`. */
export function ifMatchHeader(ifMatch: IfMatch | undefined): Record<string, string> {
  if (ifMatch === undefined) return {};
  if (typeof ifMatch === "string") return { "If-Match": ifMatch.startsWith('"') ? ifMatch : `"${ifMatch}"` };
  const version = typeof ifMatch === "number" ? ifMatch : ifMatch.resource_version;
  return { "If-Match": `"${version}"` };
}

/** `tag=key:value` filters from a mapping. */
export function tagFilters(tags: Record<string, string> | undefined): string[] | undefined {
  return tags === undefined ? undefined : Object.entries(tags).map(([key, value]) => `${key}:${value}`);
}

/** How fresh a read must be: consistent by default; `minRevision` (e.g. a
 * write's `resource_version`) reads a state at least that new, on any
 * server; `stale` whatever this server has, without waiting. */
export interface ReadOptions {
  minRevision?: number;
  stale?: boolean;
}

/** What every list takes: a page size, tags that must all match, a name,
 * and read options. */
export interface ListOptions extends ReadOptions {
  pageSize?: number;
  tag?: Record<string, string>;
  name?: string;
}

function readQuery(options: ReadOptions): Record<string, unknown> {
  return { min_revision: options.minRevision, stale: options.stale };
}

/** One page of a list. */
export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
  revision: number;
}

/** The items of every page `fetch(pageToken)` answers, following
 * `next_page_token` until there is none. */
export async function* paginate<T>(
  fetch: (pageToken: string | undefined) => Promise<{ items: T[]; nextPageToken: string | null }>,
): AsyncGenerator<T> {
  let pageToken: string | undefined;
  do {
    const page = await fetch(pageToken);
    yield* page.items;
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
}

export class Resource<Input, Output, Filters extends ListOptions = ListOptions> {
  constructor(
    protected readonly caller: Caller,
    /** The collection's path, e.g. `/v1/fleets`. */
    readonly collection: string,
    /** The list answer's field of items, e.g. `fleets`. */
    readonly itemsField: string,
  ) {}

  /** Creates one (a retry with the same key gets the first answer). */
  create(body: Input, options: { idempotencyKey?: string } = {}): Promise<Output> {
    const headers: Record<string, string> = options.idempotencyKey ? { "Idempotency-Key": options.idempotencyKey } : {};
    return this.caller.call<Output>("POST", this.collection, { body, headers });
  }

  /** Reads one by id. */
  get(id: string, options: ReadOptions = {}): Promise<Output> {
    return this.caller.call<Output>("GET", this.item(id), { query: readQuery(options) });
  }

  /** Replaces one; with `ifMatch` only if it is still at that version,
   * else `PreconditionFailedError`. */
  replace(id: string, body: Input, options: { ifMatch?: IfMatch } = {}): Promise<Output> {
    return this.caller.call<Output>("PUT", this.item(id), { body, headers: ifMatchHeader(options.ifMatch) });
  }

  /** Deletes one (optionally only at a version, as `replace`). */
  delete(id: string, options: { ifMatch?: IfMatch } = {}): Promise<Output | undefined> {
    return this.caller.call<Output | undefined>("DELETE", this.item(id), { headers: ifMatchHeader(options.ifMatch) });
  }

  /** One page (`pageToken` from the previous one's `nextPageToken`). */
  async listPage(options: Filters & { pageToken?: string } = {} as Filters): Promise<Page<Output>> {
    const { pageSize, pageToken, tag, minRevision, stale, ...filters } = options;
    const query: Record<string, unknown> = {
      ...filters,
      ...readQuery({ minRevision, stale }),
      page_size: pageSize,
      page_token: pageToken,
      tag: tagFilters(tag),
    };
    const answer = await this.caller.call<Record<string, unknown>>("GET", this.collection, { query });
    return {
      items: answer[this.itemsField] as Output[],
      nextPageToken: (answer.next_page_token as string | null) ?? null,
      revision: answer.revision as number,
    };
  }

  /** Every item, fetching pages as the iteration reaches them (one store
   * revision across the pages). */
  list(options: Filters = {} as Filters): AsyncGenerator<Output> {
    return paginate((pageToken) => this.listPage({ ...options, pageToken }));
  }

  protected item(id: string, ...rest: string[]): string {
    return [this.collection, id, ...rest].map((part, i) => (i === 0 ? part : encodeURIComponent(part))).join("/");
  }
}
