/**
 * `pipeline <name> drop [resources…]`: dlt's `pipeline drop`. Resets the tables of the selected
 * resources and deletes their state (or only the state), and paths of the source state.
 *
 * @module
 */
import type { DropOptions } from "../pipeline/drop.ts";
import { type CommandContext, flag, stringOption } from "./_context.ts";
import {
  carryOut,
  dropOutcome,
  nothingToDo,
  openForChange,
  type Plan,
  showPlan,
} from "./_change_flow.ts";
import { NotFoundError, UsageError } from "./exit_codes.ts";

function resourcePatterns(ctx: CommandContext): (string | RegExp)[] {
  const names = (ctx.args.positionals.resources as string[] | undefined) ?? [];
  const patterns: (string | RegExp)[] = names.map((name) => {
    if (!name.startsWith("re:")) return name;
    try {
      return new RegExp(name.slice(3));
    } catch (error) {
      throw new UsageError(
        `Fix the regular expression ${JSON.stringify(name)}: ${(error as Error).message}`,
        ctx.command,
      );
    }
  });
  if (flag(ctx, "drop-all")) patterns.push(/.*/);
  return patterns;
}

/** `pipeline <name> drop [resources…]`. */
export async function dropCommand(ctx: CommandContext): Promise<void> {
  const resources = resourcePatterns(ctx);
  const statePaths = (ctx.args.options["state-paths"] as string[] | undefined) ?? [];
  if (resources.length === 0 && statePaths.length === 0) {
    throw new UsageError(
      "Name the resources to drop (or re:<regex>, or --drop-all), or --state-paths",
      ctx.command,
    );
  }
  const p = await openForChange(ctx);
  const options: DropOptions = {
    resources,
    statePaths,
    stateOnly: flag(ctx, "state-only"),
    sourceName: stringOption(ctx, "source"),
  };
  const planned = await p.planDrop(options);
  const list = (items: string[]) => items.length > 0 ? items.join(", ") : "none";
  const lines = [
    `Drop from pipeline ${p.pipelineName}:`,
    `  Selected source:                ${planned.sourceName}`,
    `  Selected resource(s):           ${list(planned.resources)}`,
    `  Table(s) to drop:               ${
      options.stateOnly ? "none (--state-only)" : list(planned.tables)
    }`,
    `  Resource(s) state to reset:     ${list(planned.resourceStates)}`,
    `  Source state path(s) to reset:  ${list(planned.statePaths)}`,
    ...planned.warnings.map((warning) => `  warning: ${warning}`),
  ];
  const plan: Plan = { lines, data: { plan: planned } };
  showPlan(ctx, plan);
  if (planned.isEmpty) {
    if (planned.warnings.length > 0) {
      throw new NotFoundError(`Nothing to drop: ${planned.warnings.join("; ")}`);
    }
    nothingToDo(ctx, p, "nothing matched");
    return;
  }
  await carryOut(
    ctx,
    p,
    plan,
    async (wait) => dropOutcome(await p.dropResources({ ...options, wait })),
  );
}
