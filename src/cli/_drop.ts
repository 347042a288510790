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
import {
  qualifiedName,
  resolveResource,
  type ResourceCatalog,
  resourceCatalog,
  type ResourceRef,
} from "./_resources.ts";
import { NotFoundError, UsageError } from "./exit_codes.ts";

/** A `re:<regex>` word (or `--drop-all`) as typed, and as a regular expression. */
interface Pattern {
  text: string;
  regex: RegExp;
}

/** The resource words of the command: names (resolved later) and regular expressions. */
function resourceWords(ctx: CommandContext): { names: string[]; patterns: Pattern[] } {
  const words = (ctx.args.positionals.resources as string[] | undefined) ?? [];
  const names: string[] = [];
  const patterns: Pattern[] = [];
  for (const word of words) {
    if (!word.startsWith("re:")) {
      names.push(word);
      continue;
    }
    try {
      patterns.push({ text: word, regex: new RegExp(word.slice(3)) });
    } catch (error) {
      throw new UsageError(
        `Fix the regular expression ${JSON.stringify(word)}: ${(error as Error).message}`,
        ctx.command,
      );
    }
  }
  if (flag(ctx, "drop-all")) patterns.push({ text: "--drop-all", regex: /.*/ });
  return { names, patterns };
}

/**
 * The source a drop applies to: `--source`, else that of the named resources (all of one
 * source), else the one source the patterns match in; `undefined` leaves it to the pipeline (its
 * default source, for `--state-paths` alone or patterns that match nothing).
 */
function dropSource(
  ctx: CommandContext,
  catalog: ResourceCatalog,
  named: ResourceRef[],
  patterns: Pattern[],
): string | undefined {
  const given = stringOption(ctx, "source");
  if (given !== undefined) return given;
  const fromNames = [...new Set(named.map((ref) => ref.sourceName))];
  if (fromNames.length > 1) {
    throw new UsageError(
      `Drop the resources of one source at a time (run drop once per source): ${
        named.map(qualifiedName).join(" and ")
      } are in different sources`,
      ctx.command,
    );
  }
  if (fromNames.length === 1 || patterns.length === 0) return fromNames[0];
  const matched = [...catalog].flatMap(([sourceName, names]) =>
    [...names].filter((name) => patterns.some((p) => p.regex.test(name)))
      .map((resourceName) => ({ sourceName, resourceName }))
  );
  if (new Set(matched.map((ref) => ref.sourceName)).size > 1) {
    throw new UsageError(
      `Pass --source to choose one source: ${
        patterns.map((p) => p.text).join(" ")
      } matches resources of more than one source (${matched.map(qualifiedName).join(", ")})`,
      ctx.command,
    );
  }
  return matched[0]?.sourceName;
}

/** `pipeline <name> drop [resources…]`. */
export async function dropCommand(ctx: CommandContext): Promise<void> {
  const { names, patterns } = resourceWords(ctx);
  const statePaths = (ctx.args.options["state-paths"] as string[] | undefined) ?? [];
  if (names.length === 0 && patterns.length === 0 && statePaths.length === 0) {
    throw new UsageError(
      "Name the resources to drop (or re:<regex>, or --drop-all), or --state-paths",
      ctx.command,
    );
  }
  const p = await openForChange(ctx);
  const catalog = await resourceCatalog(p);
  const named = names.map((name) =>
    resolveResource(catalog, name, {
      sourceName: stringOption(ctx, "source"),
      command: ctx.command,
    })
  );
  const options: DropOptions = {
    resources: [...named.map((ref) => ref.resourceName), ...patterns.map((p) => p.regex)],
    statePaths,
    stateOnly: flag(ctx, "state-only"),
    sourceName: dropSource(ctx, catalog, named, patterns),
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
