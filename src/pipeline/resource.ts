/**
 * Resources: named functions (or plain data) that yield rows, with the hints that decide where
 * and how the rows are written.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import { type BoundIncremental, Incremental } from "../incremental/incremental.ts";
import { checkKnownKeys, shown } from "./_check_options.ts";
import type { WriteDisposition } from "../destinations/schema.ts";

/**
 * A row: a plain object.
 *
 * @example Adding a column to every row
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * function withSource(row: dlt.Row): dlt.Row {
 *   return { ...row, source: "api" };
 * }
 * const users = dlt.resource([{ id: 1 }, { id: 2 }].map(withSource), { name: "users" });
 * console.log(users.name); // users
 * ```
 */
export type Row = Record<string, unknown>;

/**
 * What a resource function may return: rows or pages of rows, sync or async, or a stream.
 *
 * @example A stream as a resource
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const data: dlt.ResourceData = ReadableStream.from([{ id: 1 }, { id: 2 }]);
 * const items = dlt.resource(data, { name: "items" });
 * console.log(items.tableName); // items
 * ```
 */
export type ResourceData =
  | Iterable<unknown>
  | AsyncIterable<unknown>
  | ReadableStream<unknown>;

/**
 * What a resource function receives.
 *
 * @example Paging with the resource state
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * type PageState = { page?: number };
 * const pages = dlt.resource(function* ({ state, signal }: dlt.ResourceContext<PageState>) {
 *   const first = (state.page ?? 0) + 1;
 *   for (let page = first; page < first + 3 && !signal.aborted; page++) {
 *     yield { page };
 *     state.page = page;
 *   }
 * }, { name: "pages" });
 * console.log(pages.name); // pages
 * ```
 */
export interface ResourceContext<
  S extends object = Record<string, unknown>,
  C = unknown,
> {
  /** The resource's state (writable; persisted when the run succeeds). */
  readonly state: S;
  /** The source's state, shared by the source's resources. */
  readonly sourceState: Record<string, unknown>;
  /** The resource's incremental, bound to this run, when the resource declares one. */
  readonly incremental: BoundIncremental<C>;
  /** Aborted when the run stops early (a failure elsewhere, or an incremental that can close). */
  readonly signal: AbortSignal;
}

/**
 * A resource function.
 *
 * @example A resource function declared on its own
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const fetchUsers: dlt.ResourceFunction<{ since?: string }> = async ({ state }) => {
 *   const since = state.since ?? "2024-01-01";
 *   state.since = "2024-06-01";
 *   return await Promise.resolve([{ id: 1, since }]);
 * };
 * const users = dlt.resource(fetchUsers, { name: "users" });
 * console.log(users.writeDisposition); // append
 * ```
 */
export type ResourceFunction<S extends object = Record<string, unknown>, C = unknown> = (
  context: ResourceContext<S, C>,
) => ResourceData | Promise<ResourceData>;

/**
 * Options of {@linkcode resource}.
 *
 * @example One table per event type
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const options: dlt.ResourceOptions = {
 *   name: "events",
 *   tableName: (row) => `events_${row.type}`,
 *   writeDisposition: "append",
 * };
 * const events = dlt.resource([{ type: "click" }, { type: "view" }], options);
 * console.log(typeof events.tableName); // function
 * ```
 */
export interface ResourceOptions<C = unknown> {
  /** The resource's name: its state key and its default table name. @default the function's name */
  name?: string;
  /** How its table takes rows. @default "append" */
  writeDisposition?: WriteDisposition;
  /** The primary key column(s), used by merge and for incremental deduplication. */
  primaryKey?: string | readonly string[];
  /** The table to write to, or a function of the row that names it. @default the resource name */
  tableName?: string | ((row: Row) => string);
  /** An incremental cursor that filters the rows and keeps its place in the resource state. */
  incremental?: Incremental<C>;
}

const DISPOSITIONS: readonly WriteDisposition[] = ["append", "replace", "merge"];
const RESOURCE_OPTIONS = ["name", "writeDisposition", "primaryKey", "tableName", "incremental"];

/** Checks a write disposition value. */
export function checkWriteDisposition(value: unknown, where: string): WriteDisposition {
  if (!DISPOSITIONS.includes(value as WriteDisposition)) {
    throw new ConfigurationError(
      `Set ${where} to "append", "replace" or "merge": got ${JSON.stringify(value)}`,
    );
  }
  return value as WriteDisposition;
}

/** Normalises a primary key option to a list of columns. */
export function primaryKeyColumns(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  if (typeof value !== "string" && !Array.isArray(value)) {
    throw new ConfigurationError(
      `Give primaryKey as a column name or a list of them: got ${shown(value)}`,
    );
  }
  const columns = typeof value === "string" ? [value] : [...value];
  for (const column of columns) {
    if (typeof column !== "string" || column.length === 0) {
      throw new ConfigurationError(
        `Give primaryKey as a column name or a list of them: got ${JSON.stringify(value)}`,
      );
    }
  }
  return columns;
}

/**
 * A named producer of rows. Create one with {@linkcode resource}; run it with `pipeline.run()`,
 * alone or in a source. Each run calls its function afresh.
 *
 * @example A copy of a resource with other hints
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const users: dlt.Resource = dlt.resource([{ id: 1 }], { name: "users" });
 * const archived = users.with({ name: "archived_users", tableName: "users_archive" });
 * console.log(archived.name, archived.tableName, archived.writeDisposition);
 * // archived_users users_archive append
 * ```
 */
export class Resource<S extends object = Record<string, unknown>, C = unknown> {
  /** The resource name. */
  readonly name: string;
  /** How its table takes rows. */
  readonly writeDisposition: WriteDisposition;
  /** The primary key columns (may be empty). */
  readonly primaryKey: readonly string[];
  /** The table name or the function that picks it. */
  readonly tableName: string | ((row: Row) => string);
  /** The declared incremental, if any. */
  readonly incremental: Incremental<C> | undefined;
  readonly #fn: ResourceFunction<S, C>;

  /** Use {@linkcode resource} instead. */
  constructor(fn: ResourceFunction<S, C>, options: ResourceOptions<C> & { name: string }) {
    checkKnownKeys(options, RESOURCE_OPTIONS, "resource()");
    if (typeof options.name !== "string" || options.name.length === 0) {
      throw new ConfigurationError(
        `Give the resource a name (a non-empty string): got ${shown(options.name)}`,
      );
    }
    if (options.incremental !== undefined && !(options.incremental instanceof Incremental)) {
      throw new ConfigurationError(
        `Set incremental of resource "${options.name}" to dlt.incremental("<cursor path>", { … }): got ${
          shown(options.incremental)
        }`,
      );
    }
    this.name = options.name;
    this.writeDisposition = checkWriteDisposition(
      options.writeDisposition ?? "append",
      `writeDisposition of resource "${options.name}"`,
    );
    this.primaryKey = primaryKeyColumns(options.primaryKey);
    if (
      options.tableName !== undefined && typeof options.tableName !== "string" &&
      typeof options.tableName !== "function"
    ) {
      throw new ConfigurationError(
        `Set tableName of resource "${options.name}" to a string or a function of the row`,
      );
    }
    this.tableName = options.tableName ?? options.name;
    this.incremental = options.incremental;
    this.#fn = fn;
  }

  /** Calls the resource function with `context` (the extractor does this inside a run). */
  call(context: ResourceContext<S, C>): ResourceData | Promise<ResourceData> {
    return this.#fn(context);
  }

  /** A copy of this resource with other options (the function is shared). */
  with(options: ResourceOptions<C>): Resource<S, C> {
    return new Resource(this.#fn, {
      name: options.name ?? this.name,
      writeDisposition: options.writeDisposition ?? this.writeDisposition,
      primaryKey: options.primaryKey ?? this.primaryKey,
      tableName: options.tableName ?? this.tableName,
      incremental: options.incremental ?? this.incremental,
    });
  }
}

/**
 * Declares a resource: a function that returns rows or pages of rows (an async or sync
 * generator, an array, any iterable or a `ReadableStream`), or that data itself.
 *
 * @example An incremental resource
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const issues = dlt.resource(async function* ({ incremental }) {
 *   const since = incremental.lastValue ?? "2024-01-01T00:00:00Z";
 *   yield [{ id: 1, updated_at: "2024-05-01T00:00:00Z", since }];
 * }, {
 *   name: "issues",
 *   writeDisposition: "merge",
 *   primaryKey: "id",
 *   incremental: dlt.incremental<string>("updated_at", { initialValue: "2024-01-01T00:00:00Z" }),
 * });
 * ```
 */
export function resource<S extends object = Record<string, unknown>, C = unknown>(
  data: ResourceFunction<S, C> | ResourceData,
  options: ResourceOptions<C> = {},
): Resource<S, C> {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ConfigurationError(
      `Pass resource() options as an object such as { name: "users" }: got ${shown(options)}`,
    );
  }
  if (typeof data === "function") {
    const name = options.name ?? (data.name || undefined);
    if (!name) {
      throw new ConfigurationError(
        "Name the resource: pass options.name or use a named function",
      );
    }
    return new Resource(data as ResourceFunction<S, C>, { ...options, name });
  }
  const isData = data instanceof ReadableStream ||
    (data !== null && typeof data === "object" &&
      (Symbol.iterator in data || Symbol.asyncIterator in data));
  if (!isData) {
    throw new ConfigurationError(
      "Pass a resource function, an array, an iterable or a ReadableStream to resource()",
    );
  }
  if (!options.name) {
    throw new ConfigurationError("Name a resource made from data: pass options.name");
  }
  if (data instanceof ReadableStream) {
    let used = false;
    return new Resource(() => {
      if (used) {
        throw new ConfigurationError(
          `Wrap the stream of resource "${options.name}" in a function: a ReadableStream can be read only once`,
        );
      }
      used = true;
      return data;
    }, { ...options, name: options.name });
  }
  return new Resource(() => data, { ...options, name: options.name });
}
