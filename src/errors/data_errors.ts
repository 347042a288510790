/**
 * Errors about what resources produce and read: state values, names, rows, tables.
 *
 * @module
 */
import { DltError } from "./dlt_error.ts";

/**
 * `dlt.current.*` was called where no pipeline run is active.
 *
 * @example Calling dlt.current outside a run
 * ```ts
 * import { StateNotAvailableError } from "../errors.ts";
 * const error = new StateNotAvailableError("resourceState");
 * console.log(error.message.startsWith("Call dlt.current.resourceState()")); // true
 * ```
 */
export class StateNotAvailableError extends DltError {
  /** Creates the error for the `current.*` function that was called. */
  constructor(what: string, where = "inside a resource while pipeline.run() runs it") {
    super(
      `Call dlt.current.${what}() ${where}; no pipeline run is active here`,
    );
  }
}

/**
 * Source state was written where it is read-only (in a source function).
 *
 * @example The path that was written
 * ```ts
 * import { StateReadOnlyError } from "../errors.ts";
 * console.log(new StateReadOnlyError("last_sync").path); // last_sync
 * ```
 */
export class StateReadOnlyError extends DltError {
  /** The key path that was written. */
  readonly path: string;
  /** Creates the error for the written `path`. */
  constructor(path: string) {
    super(
      `Write source state "${path}" from a resource, not from the source function: source state is read-only there`,
    );
    this.path = path;
  }
}

/**
 * A state value cannot be stored as JSON (a function, symbol, BigInt, Map, cycle, NaN, …).
 *
 * @example The path of the value that cannot be stored
 * ```ts
 * import { StateNotSerializableError } from "../errors.ts";
 * const error = new StateNotSerializableError("sources.s.resources.r.ids", "a BigInt");
 * console.log(error.path); // sources.s.resources.r.ids
 * ```
 */
export class StateNotSerializableError extends DltError {
  /** The key path of the offending value. */
  readonly path: string;
  /** Creates the error for the value at `path`, described by `what`. */
  constructor(path: string, what: string) {
    super(
      `Store only JSON values, Dates and Temporal instants in state: "${path}" holds ${what}`,
    );
    this.path = path;
  }
}

/**
 * A name (pipeline, dataset, table, resource) is not allowed, usually because it could escape
 * its folder.
 *
 * @example A name that could escape its folder
 * ```ts
 * import { InvalidNameError } from "../errors.ts";
 * console.log(new InvalidNameError("pipeline", "../etc").kind); // pipeline
 * ```
 */
export class InvalidNameError extends DltError {
  /** What was being named. */
  readonly kind: string;
  /** The rejected name. */
  readonly invalidName: string;
  /** Creates the error; `rule` says what is allowed. */
  constructor(kind: string, name: string, rule?: string) {
    super(
      `Choose another ${kind} name: ${JSON.stringify(name)} is not allowed (${
        rule ?? "use 1-64 characters of A-Z, a-z, 0-9, _ and -"
      })`,
    );
    this.kind = kind;
    this.invalidName = name;
  }
}

/**
 * A row is not a plain object, or holds a value JSON cannot hold.
 *
 * @example The table of the bad row
 * ```ts
 * import { InvalidRowError } from "../errors.ts";
 * console.log(new InvalidRowError("users", "a number (42)").table); // users
 * ```
 */
export class InvalidRowError extends DltError {
  /** The table (or resource) the row was meant for. */
  readonly table: string;
  /** Creates the error for a row of `table`; `what` describes the problem. */
  constructor(table: string, what: string) {
    super(
      `Yield plain objects (or arrays of them) with JSON values for "${table}": got ${what}`,
    );
    this.table = table;
  }
}

/**
 * A table was read that the destination never loaded.
 *
 * @example The table that was never loaded
 * ```ts
 * import { TableNotFoundError } from "../errors.ts";
 * console.log(new TableNotFoundError("users", "ds").table); // users
 * ```
 */
export class TableNotFoundError extends DltError {
  /** The table name. */
  readonly table: string;
  /** Creates the error for `table` in `dataset`. */
  constructor(table: string, dataset: string) {
    super(
      `Load table "${table}" before reading it: dataset "${dataset}" has no committed rows for it`,
    );
    this.table = table;
  }
}
