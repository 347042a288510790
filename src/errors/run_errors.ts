/**
 * Errors of a run as a whole: the step that failed, the lock, conflicts, configuration, damaged files,
 * permissions, full disks.
 *
 * @module
 */
import { DltError } from "./dlt_error.ts";

/**
 * The steps of a run, as reported by {@linkcode PipelineStepFailed}.
 *
 * @example Which step of a run failed
 * ```ts
 * import { type PipelineStep, PipelineStepFailed } from "../errors.ts";
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
 * import { PipelineStepFailed } from "../errors.ts";
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
 * Another run of the same pipeline holds the pipeline lock.
 *
 * @example The pid of the run that holds the lock
 * ```ts
 * import { PipelineLockedError } from "../errors.ts";
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
 * import { StateConflictError } from "../errors.ts";
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
 * import { ConfigurationError } from "../errors.ts";
 * console.log(new ConfigurationError("bad").name); // ConfigurationError
 * ```
 */
export class ConfigurationError extends DltError {}

/**
 * The local `state.json` or a load package is damaged and cannot be used as it is.
 *
 * @example The damaged file
 * ```ts
 * import { StateFileCorruptedError } from "../errors.ts";
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
 * import { StateTooLargeError } from "../errors.ts";
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
 * import { MissingPermissionError } from "../errors.ts";
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
