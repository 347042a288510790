/**
 * The flow every command that changes state follows: open the pipeline and fail fast when a run
 * holds its lock, show what it will do, ask unless `--yes`, make the change (a new state version,
 * nothing edited in place), and report it.
 *
 * @module
 */
import type { Pipeline } from "../pipeline/pipeline.ts";
import type { LockWait } from "../pipeline/lock.ts";
import { ConfigurationError } from "../errors.ts";
import { type CommandContext, flag, lockWait } from "./_context.ts";
import { checkNotLocked } from "./_open.ts";
import { AbortedError } from "./exit_codes.ts";

/** A change a command proposes: what it prints, and what it reports as JSON. */
export interface Plan {
  /** Human lines describing the change. */
  lines: string[];
  /** The same as data, for `--json`. */
  data: Record<string, unknown>;
}

/** What a change did, as {@linkcode carryOut} reports it. */
export interface Outcome {
  /** True when a new state version was committed. */
  changed: boolean;
  /** The state version after the change. */
  stateVersion: number;
  /** The load that committed it, if any. */
  loadId?: string;
  /** More members of the JSON document. */
  extra?: Record<string, unknown>;
  /** The human line to print instead of "Committed state version n". */
  message?: string;
}

/** Opens the pipeline, fails fast when a run holds its lock, and requires a destination. */
export async function openForChange(ctx: CommandContext): Promise<Pipeline> {
  const p = ctx.open().pipeline;
  await checkNotLocked(p, lockWait(ctx));
  requireDestination(p);
  return p;
}

/** Throws {@linkcode ConfigurationError} when the pipeline has no destination. */
export function requireDestination(p: Pipeline): void {
  if (!p.destination) {
    throw new ConfigurationError(
      `Give pipeline "${p.pipelineName}" a destination: pass --bucket-url or set DESTINATION__FILESYSTEM__BUCKET_URL`,
    );
  }
}

/** Prints one line of a plan (on stderr in JSON mode, so that stdout holds one document). */
export function planLine(ctx: CommandContext, line: string): void {
  if (ctx.out.json) ctx.out.note(line);
  else ctx.out.line(line);
}

/** Prints the plan. */
export function showPlan(ctx: CommandContext, plan: Plan): void {
  for (const line of plan.lines) planLine(ctx, line);
}

/** Asks `question`; throws {@linkcode AbortedError} when stdin gives no answer. */
export async function ask(ctx: CommandContext, question: string): Promise<boolean> {
  const answer = await ctx.out.ask(question);
  if (answer === null) {
    throw new AbortedError(
      "Nothing was changed: no answer on stdin; pass --yes to run without asking",
    );
  }
  return answer;
}

/** Reports a change that was not needed. */
export function nothingToDo(ctx: CommandContext, p: Pipeline, why: string, extra = {}): void {
  if (ctx.out.json) {
    ctx.out.document({
      command: ctx.command,
      pipelineName: p.pipelineName,
      changed: false,
      reason: why,
      ...extra,
    });
  } else ctx.out.line(`Nothing to do: ${why}`);
}

/**
 * Asks to go ahead unless `--yes` (throws {@linkcode AbortedError} on a no), makes the change
 * with the `--wait` of the command, and reports what it did. The plan is shown before.
 */
export async function carryOut(
  ctx: CommandContext,
  p: Pipeline,
  plan: Plan,
  change: (wait: LockWait) => Promise<Outcome>,
): Promise<void> {
  if (!flag(ctx, "yes") && !(await ask(ctx, "Proceed?"))) {
    throw new AbortedError("Nothing was changed");
  }
  const { extra = {}, message, ...result } = await change(lockWait(ctx));
  if (ctx.out.json) {
    ctx.out.document({
      command: ctx.command,
      pipelineName: p.pipelineName,
      ...plan.data,
      ...result,
      ...extra,
    });
    return;
  }
  ctx.out.line(
    message ??
      (result.changed
        ? `Committed state version ${result.stateVersion}${
          result.loadId ? ` (load ${result.loadId})` : ""
        }`
        : `State unchanged at version ${result.stateVersion}`),
  );
}

/** The outcome of `pipeline.dropResources()`: changed when it committed a load. */
export function dropOutcome(result: { loadId?: string; stateVersion: number }): Outcome {
  return {
    changed: result.loadId !== undefined,
    stateVersion: result.stateVersion,
    loadId: result.loadId,
  };
}
