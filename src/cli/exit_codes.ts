/**
 * The exit codes of the command line, in one place: scripts may rely on them.
 *
 * @module
 */
import {
  ConfigurationError,
  InvalidNameError,
  MissingPermissionError,
  PipelineLockedError,
  PipelineStepFailed,
  StateConflictError,
  StateFileCorruptedError,
} from "../errors.ts";

/**
 * Exit codes of `cli.ts`.
 *
 * @example Telling a locked pipeline apart in a script
 * ```ts
 * import { ExitCode } from "./exit_codes.ts";
 * console.log(ExitCode.Locked); // 3
 * ```
 */
export const ExitCode = {
  /** Done (including "nothing to do"). */
  Ok: 0,
  /** An unexpected error. */
  Error: 1,
  /** Wrong arguments: unknown command or option, a missing or malformed value. */
  Usage: 2,
  /** Another run of the pipeline holds the lock. */
  Locked: 3,
  /** The pipeline, version, resource or path does not exist. */
  NotFound: 4,
  /** The change was not confirmed (answered no, or no answer and no `--yes`). */
  Aborted: 5,
  /** Bad configuration: options, environment variables or `.dlt/*.yaml`. */
  Config: 6,
  /** The destination holds a newer state than the change started from (another machine ran). */
  Conflict: 7,
  /** A file of the working dir is damaged. */
  Corrupted: 8,
  /** A Deno permission is missing. */
  Permission: 9,
} as const;

/**
 * One of the {@linkcode ExitCode} values.
 *
 * @example Deciding what a script does next
 * ```ts
 * import { ExitCode, type ExitCodeValue } from "../../cli.ts";
 *
 * function shouldRetry(code: ExitCodeValue): boolean {
 *   return code === ExitCode.Locked || code === ExitCode.Conflict;
 * }
 * console.log(shouldRetry(ExitCode.Locked), shouldRetry(ExitCode.Usage)); // true false
 * ```
 */
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode];

/** The exit codes with what they mean, for `--help`. */
export const EXIT_CODE_HELP: readonly [ExitCodeValue, string][] = [
  [ExitCode.Ok, "done, or nothing to do"],
  [ExitCode.Error, "unexpected error"],
  [ExitCode.Usage, "wrong arguments"],
  [ExitCode.Locked, "another run holds the pipeline lock"],
  [ExitCode.NotFound, "no such pipeline, version, resource or state path"],
  [ExitCode.Aborted, "not confirmed (pass --yes to skip the question)"],
  [ExitCode.Config, "bad configuration"],
  [ExitCode.Conflict, "the destination holds newer state (another machine ran the pipeline)"],
  [ExitCode.Corrupted, "a working dir file is damaged"],
  [ExitCode.Permission, "a Deno permission is missing (run with -A)"],
];

/**
 * Wrong command line arguments.
 *
 * @example A usage error names the command whose help applies
 * ```ts
 * import { UsageError } from "./exit_codes.ts";
 * console.log(new UsageError("Pass a version").name); // UsageError
 * ```
 */
export class UsageError extends Error {
  /** The command whose usage to show, if any. */
  readonly command: string | undefined;
  /** Creates the error; `command` names the command whose help applies. */
  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/**
 * Something named on the command line does not exist (pipeline, version, resource, path).
 *
 * @example Something named on the command line is missing
 * ```ts
 * import { NotFoundError } from "./exit_codes.ts";
 * console.log(new NotFoundError("No state version 9").name); // NotFoundError
 * ```
 */
export class NotFoundError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/**
 * The user did not confirm a change.
 *
 * @example The user said no
 * ```ts
 * import { AbortedError } from "./exit_codes.ts";
 * console.log(new AbortedError().message); // Nothing was changed
 * ```
 */
export class AbortedError extends Error {
  /** Creates the error. */
  constructor(message = "Nothing was changed") {
    super(message);
    this.name = "AbortedError";
  }
}

/**
 * The exit code for an error thrown by a command. A failed pipeline step is judged by its cause.
 *
 * @example The exit code of a locked pipeline
 * ```ts
 * import { exitCodeOf } from "./exit_codes.ts";
 * import { PipelineLockedError } from "../errors.ts";
 * console.log(exitCodeOf(new PipelineLockedError("gh", 42))); // 3
 * ```
 */
export function exitCodeOf(error: unknown): ExitCodeValue {
  if (error instanceof PipelineStepFailed && error.cause !== undefined) {
    const inner = exitCodeOf(error.cause);
    return inner === ExitCode.Error ? ExitCode.Error : inner;
  }
  if (error instanceof UsageError) return ExitCode.Usage;
  if (error instanceof PipelineLockedError) return ExitCode.Locked;
  if (error instanceof NotFoundError) return ExitCode.NotFound;
  if (error instanceof AbortedError) return ExitCode.Aborted;
  if (error instanceof ConfigurationError || error instanceof InvalidNameError) {
    return ExitCode.Config;
  }
  if (error instanceof StateConflictError) return ExitCode.Conflict;
  if (error instanceof StateFileCorruptedError) return ExitCode.Corrupted;
  if (error instanceof MissingPermissionError || error instanceof Deno.errors.NotCapable) {
    return ExitCode.Permission;
  }
  return ExitCode.Error;
}
