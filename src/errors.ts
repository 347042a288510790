/**
 * The error classes of the library. Every layer imports them from here; `mod.ts` re-exports them so
 * that callers can tell failures apart with `instanceof`.
 *
 * @module
 */

/**
 * The base class of every error this library throws on purpose.
 *
 * @example Telling library errors from others
 * ```ts
 * import { DltError, InvalidNameError } from "./errors.ts";
 * const error: unknown = new InvalidNameError("pipeline", "../x");
 * console.log(error instanceof DltError); // true
 * ```
 */
export class DltError extends Error {
  /** Creates the error; `options.cause` keeps the underlying error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The steps of a run, as reported by {@linkcode PipelineStepFailed}.
 *
 * @example Which step of a run failed
 * ```ts
 * import { type PipelineStep, PipelineStepFailed } from "./errors.ts";
 *
 * function failedStep(error: unknown): PipelineStep | undefined {
 *   return error instanceof PipelineStepFailed ? error.step : undefined;
 * }
 * const error = new PipelineStepFailed("load", undefined, new Error("disk full"));
 * console.log(failedStep(error)); // load
 * ```
 */
export type PipelineStep = "sync" | "extract" | "commit" | "load";

/**
 * A step of `pipeline.run()` failed. The original error is the `cause`; `step` says which step
 * and `loadId` which load package was being built or loaded (if any).
 *
 * @example Finding out what failed
 * ```ts
 * import { PipelineStepFailed } from "./errors.ts";
 * const error = new PipelineStepFailed("extract", "1732492800.000001", new Error("boom"));
 * console.log(error.step, (error.cause as Error).message); // extract boom
 * ```
 */
export class PipelineStepFailed extends DltError {
  /** The step that failed. */
  readonly step: PipelineStep;
  /** The load id of the package the step worked on, or `undefined`. */
  readonly loadId: string | undefined;
  /** Creates the error around `cause`. */
  constructor(step: PipelineStep, loadId: string | undefined, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      `Pipeline step "${step}" failed${loadId ? ` in load "${loadId}"` : ""}: ${detail}`,
      { cause },
    );
    this.step = step;
    this.loadId = loadId;
  }
}

/**
 * `dlt.current.*` was called where no pipeline run is active.
 *
 * @example Calling dlt.current outside a run
 * ```ts
 * import { StateNotAvailableError } from "./errors.ts";
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
 * import { StateReadOnlyError } from "./errors.ts";
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
 * import { StateNotSerializableError } from "./errors.ts";
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
 * import { InvalidNameError } from "./errors.ts";
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
 * import { InvalidRowError } from "./errors.ts";
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
 * import { TableNotFoundError } from "./errors.ts";
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

/**
 * Another run of the same pipeline holds the pipeline lock.
 *
 * @example The pid of the run that holds the lock
 * ```ts
 * import { PipelineLockedError } from "./errors.ts";
 * console.log(new PipelineLockedError("gh", 4121).pid); // 4121
 * ```
 */
export class PipelineLockedError extends DltError {
  /** The pid of the holder, when known. */
  readonly pid: number | undefined;
  /** Creates the error for `pipelineName` held by `pid`. */
  constructor(pipelineName: string, pid: number | undefined) {
    super(
      `Cannot run pipeline "${pipelineName}": another run holds the lock${
        pid ? ` (pid ${pid})` : ""
      }; wait for it or pass { wait: true }`,
    );
    this.pid = pid;
  }
}

/**
 * The destination holds a newer committed state of the pipeline than the run started from:
 * another machine ran it in between.
 *
 * @example The version another machine committed
 * ```ts
 * import { StateConflictError } from "./errors.ts";
 * console.log(new StateConflictError("gh", 3, 4).remoteVersion); // 4
 * ```
 */
export class StateConflictError extends DltError {
  /** The state version the run started from. */
  readonly localVersion: number;
  /** The newer committed version found in the destination. */
  readonly remoteVersion: number;
  /** Creates the error for `pipelineName`; `detail` says who holds the newer version. */
  constructor(pipelineName: string, localVersion: number, remoteVersion: number, detail = "") {
    super(
      `Run pipeline "${pipelineName}" again: the destination holds state version ${remoteVersion}, newer than version ${localVersion} this run started from (another machine ran it)${detail}; nothing was written`,
    );
    this.localVersion = localVersion;
    this.remoteVersion = remoteVersion;
  }
}

/**
 * An option has a value that is not allowed, or required options are missing.
 *
 * @example Telling configuration mistakes apart
 * ```ts
 * import { ConfigurationError } from "./errors.ts";
 * console.log(new ConfigurationError("bad").name); // ConfigurationError
 * ```
 */
export class ConfigurationError extends DltError {}

/**
 * The local `state.json` or a load package is damaged and cannot be used as it is.
 *
 * @example The damaged file
 * ```ts
 * import { StateFileCorruptedError } from "./errors.ts";
 * console.log(new StateFileCorruptedError("/p/state.json", "bad JSON").file); // /p/state.json
 * ```
 */
export class StateFileCorruptedError extends DltError {
  /** The damaged file. */
  readonly file: string;
  /** Creates the error for `file`; `how` says how to proceed. */
  constructor(file: string, detail: string, how?: string) {
    super(
      `${how ?? "Restore or delete the file"}: "${file}" is damaged (${detail})`,
    );
    this.file = file;
  }
}

/**
 * The state grew past the hard size limit (`stateSizeLimits.maxBytes`); nothing was committed.
 *
 * @example How big the state grew
 * ```ts
 * import { StateTooLargeError } from "./errors.ts";
 * console.log(new StateTooLargeError("gh", 20_000_000, 16_777_216).bytes); // 20000000
 * ```
 */
export class StateTooLargeError extends DltError {
  /** The encoded size of the state. */
  readonly bytes: number;
  /** Creates the error for `pipelineName`. */
  constructor(pipelineName: string, bytes: number, limit: number, detail = "") {
    super(
      `Keep the state of pipeline "${pipelineName}" small (a cursor or high-water mark, not lists of ids): it is ${bytes} bytes, over the limit of ${limit}${detail}; raise stateSizeLimits.maxBytes only if you must`,
    );
    this.bytes = bytes;
  }
}

/**
 * The process lacks a Deno permission the pipeline needs.
 *
 * @example The permission to grant
 * ```ts
 * import { MissingPermissionError } from "./errors.ts";
 * console.log(new MissingPermissionError("write", "./data").permission); // write
 * ```
 */
export class MissingPermissionError extends DltError {
  /** The permission name (`read`, `write`, `env`, …). */
  readonly permission: string;
  /** Creates the error for `permission` on `target`; `options.instead` names another way out. */
  constructor(
    permission: string,
    target: string,
    options?: ErrorOptions & { instead?: string },
  ) {
    super(
      `Grant --allow-${permission}${target ? `=${target}` : ""}${
        options?.instead ? ` (${options.instead})` : ""
      }: the pipeline needs ${permission} access to ${JSON.stringify(target)}`,
      options,
    );
    this.permission = permission;
  }
}

/**
 * A disk the pipeline writes to is full: the working dir's or a local bucket's. Nothing was
 * committed; free space (or point `pipelinesDir` / `bucketUrl` elsewhere) and run again.
 *
 * @example Where the disk is full
 * ```ts
 * import { DiskFullError } from "./errors.ts";
 * console.log(new DiskFullError("/var/lib/dlt").path); // /var/lib/dlt
 * ```
 */
export class DiskFullError extends DltError {
  /** The folder on the full disk. */
  readonly path: string;
  /** Creates the error for `path`. */
  constructor(path: string, options?: ErrorOptions) {
    super(
      `Free space on the disk of "${path}" (or write elsewhere) and run again: it is full (ENOSPC); nothing was committed`,
      options,
    );
    this.path = path;
  }
}

/**
 * The base class of the errors of a bucket (object storage, Deno KV): it names the bucket (never
 * a secret) and says what to fix. Nothing was half-written when one is thrown.
 *
 * @example Telling storage failures apart
 * ```ts
 * import { BucketNotFoundError, StorageError } from "./errors.ts";
 * const error: unknown = new BucketNotFoundError("s3://lake", "create it first");
 * console.log(error instanceof StorageError); // true
 * ```
 */
export class StorageError extends DltError {
  /** The bucket, as the user named it. */
  readonly bucketUrl: string;
  /** Creates the error for `bucketUrl`. */
  constructor(message: string, bucketUrl: string, options?: ErrorOptions) {
    super(message, options);
    this.bucketUrl = bucketUrl;
  }
}

/**
 * The storage refused the credentials: an unknown access key, a wrong secret, a signature it
 * does not accept, or a key without the permission asked for.
 *
 * @example The message says what to check
 * ```ts
 * import { StorageAuthError } from "./errors.ts";
 * const error = new StorageAuthError("s3://lake", "SignatureDoesNotMatch");
 * console.log(error.message.startsWith("Check the credentials")); // true
 * ```
 */
export class StorageAuthError extends StorageError {
  /** Creates the error; `detail` is the storage's own error code. */
  constructor(bucketUrl: string, detail: string, options?: ErrorOptions) {
    super(
      `Check the credentials of "${bucketUrl}" (access key, secret, session token, region): the storage refused them (${detail})`,
      bucketUrl,
      options,
    );
  }
}

/**
 * The bucket does not exist.
 *
 * @example Naming the missing bucket
 * ```ts
 * import { BucketNotFoundError } from "./errors.ts";
 * console.log(new BucketNotFoundError("s3://lake").bucketUrl); // s3://lake
 * ```
 */
export class BucketNotFoundError extends StorageError {
  /** Creates the error; `detail` adds what the storage said. */
  constructor(bucketUrl: string, detail = "NoSuchBucket", options?: ErrorOptions) {
    super(
      `Create the bucket of "${bucketUrl}" or fix bucketUrl: it does not exist (${detail})`,
      bucketUrl,
      options,
    );
  }
}

/**
 * The storage did not answer, or kept failing after the retries that are safe to make.
 *
 * @example An endpoint that does not answer
 * ```ts
 * import { StorageUnavailableError } from "./errors.ts";
 * const error = new StorageUnavailableError("s3://lake", "connection refused");
 * console.log(error.name); // StorageUnavailableError
 * ```
 */
export class StorageUnavailableError extends StorageError {
  /** Creates the error; `detail` says what happened last. */
  constructor(bucketUrl: string, detail: string, options?: ErrorOptions) {
    super(
      `Check the endpoint and the network of "${bucketUrl}", then run again: the storage did not answer (${detail}); nothing was committed`,
      bucketUrl,
      options,
    );
  }
}

/**
 * The base class of the incremental errors: names the resource and the cursor path.
 *
 * @example Catching any incremental failure
 * ```ts
 * import { IncrementalCursorPathMissing, IncrementalError } from "./errors.ts";
 * const error: unknown = new IncrementalCursorPathMissing("issues", "updated_at", {});
 * if (error instanceof IncrementalError) console.log(error.resourceName); // issues
 * ```
 */
export abstract class IncrementalError extends DltError {
  /** The resource whose incremental failed. */
  readonly resourceName: string;
  /** The cursor path of the incremental. */
  readonly cursorPath: string;
  /** Creates the error. */
  constructor(resourceName: string, cursorPath: string, message: string) {
    super(message);
    this.resourceName = resourceName;
    this.cursorPath = cursorPath;
  }
}

/** Shortens a row for an error message. */
function preview(item: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(item) ?? String(item);
  } catch {
    text = String(item);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * A row has no value at the incremental's cursor path.
 *
 * @example The cursor path a row lacks
 * ```ts
 * import { IncrementalCursorPathMissing } from "./errors.ts";
 * console.log(new IncrementalCursorPathMissing("issues", "updated_at", {}).cursorPath); // updated_at
 * ```
 */
export class IncrementalCursorPathMissing extends IncrementalError {
  /** Creates the error for the row `item`. */
  constructor(resourceName: string, cursorPath: string, item: unknown) {
    super(
      resourceName,
      cursorPath,
      `Add "${cursorPath}" to every row of resource "${resourceName}" or set onCursorValueMissing to "include" or "exclude": the path is missing in ${
        preview(item)
      }`,
    );
  }
}

/**
 * A row's value at the cursor path is `null` or `undefined`.
 *
 * @example The resource whose row has a null cursor
 * ```ts
 * import { IncrementalCursorPathHasValueNone } from "./errors.ts";
 * const error = new IncrementalCursorPathHasValueNone("issues", "updated_at", { updated_at: null });
 * console.log(error.resourceName); // issues
 * ```
 */
export class IncrementalCursorPathHasValueNone extends IncrementalError {
  /** Creates the error for the row `item`. */
  constructor(resourceName: string, cursorPath: string, item: unknown) {
    super(
      resourceName,
      cursorPath,
      `Give every row of resource "${resourceName}" a value at "${cursorPath}" or set onCursorValueMissing to "include" or "exclude": it is null in ${
        preview(item)
      }`,
    );
  }
}

/**
 * A cursor value cannot be compared with the current bound (mixed types, zoned and unzoned
 * timestamps).
 *
 * @example The cursor value that does not compare
 * ```ts
 * import { IncrementalCursorInvalidCoercion } from "./errors.ts";
 * const error = new IncrementalCursorInvalidCoercion("r", "id", "a", 1, "mixed types");
 * console.log(error.cursorValue); // a
 * ```
 */
export class IncrementalCursorInvalidCoercion extends IncrementalError {
  /** The row's cursor value. */
  readonly cursorValue: unknown;
  /** The bound it was compared with. */
  readonly bound: unknown;
  /** Creates the error; `details` says why the values do not compare. */
  constructor(
    resourceName: string,
    cursorPath: string,
    cursorValue: unknown,
    bound: unknown,
    details: string,
  ) {
    super(
      resourceName,
      cursorPath,
      `Make the values at "${cursorPath}" of resource "${resourceName}" one comparable type: ${
        preview(cursorValue)
      } cannot be compared with ${preview(bound)} (${details})`,
    );
    this.cursorValue = cursorValue;
    this.bound = bound;
  }
}

/**
 * A row lacks a column of the incremental's primary key (used for boundary deduplication).
 *
 * @example The primary key column a row lacks
 * ```ts
 * import { IncrementalPrimaryKeyMissing } from "./errors.ts";
 * console.log(new IncrementalPrimaryKeyMissing("r", "ts", "id", {}).column); // id
 * ```
 */
export class IncrementalPrimaryKeyMissing extends IncrementalError {
  /** The missing key column. */
  readonly column: string;
  /** Creates the error for the row `item`. */
  constructor(resourceName: string, cursorPath: string, column: string, item: unknown) {
    super(
      resourceName,
      cursorPath,
      `Add primary key column "${column}" to every row of resource "${resourceName}" or set the incremental's primaryKey: it is missing in ${
        preview(item)
      }`,
    );
    this.column = column;
  }
}
