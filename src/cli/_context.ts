/**
 * What every command gets: its parsed arguments, the output, the configuration, and a way to
 * open the pipeline it names.
 *
 * @module
 */
import type { ConfigResolver } from "../config/mod.ts";
import type { LockWait } from "../pipeline/lock.ts";
import type { ParsedArgs } from "./_args.ts";
import type { Output } from "./_output.ts";
import type { OpenedPipeline } from "./_open.ts";
import { UsageError } from "./exit_codes.ts";

/** The context of one command. */
export interface CommandContext {
  /** The command word. */
  command: string;
  /** The pipeline name (not for `list`). */
  name: string;
  /** The parsed arguments. */
  args: ParsedArgs;
  /** Where output goes. */
  out: Output;
  /** The configuration. */
  resolver: ConfigResolver;
  /** Opens the named pipeline. */
  open(): OpenedPipeline;
}

/** A string option, or `undefined`. */
export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.args.options[name];
  return typeof value === "string" ? value : undefined;
}

/** A flag. */
export function flag(ctx: CommandContext, name: string): boolean {
  return ctx.args.options[name] === true;
}

/** A non-negative integer option or positional value; {@linkcode UsageError} otherwise. */
export function integer(ctx: CommandContext, value: string | undefined, what: string) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new UsageError(
      `Give ${what} as a whole number: got ${JSON.stringify(value)}`,
      ctx.command,
    );
  }
  return Number(value);
}

/** A positional value as a string. */
export function positional(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.args.positionals[name];
  return typeof value === "string" ? value : undefined;
}

/** `--wait <seconds>` as a lock wait. */
export function lockWait(ctx: CommandContext): LockWait {
  const raw = stringOption(ctx, "wait");
  if (raw === undefined) return false;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError(
      `Give --wait a number of seconds: got ${JSON.stringify(raw)}`,
      ctx.command,
    );
  }
  return seconds === 0 ? false : { timeoutMs: seconds * 1000 };
}
