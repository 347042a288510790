/**
 * `pipeline <name> reset <resource>` and `pipeline <name> set <path> <json>`: the two commands
 * that edit the state itself (one resource's state deleted, one value set), each committed as a
 * new state version.
 *
 * @module
 */
import { cloneState } from "../state/state_document.ts";
import { type CommandContext, positional, stringOption } from "./_context.ts";
import {
  carryOut,
  dropOutcome,
  nothingToDo,
  openForChange,
  type Plan,
  showPlan,
} from "./_change_flow.ts";
import { shortValue, toYaml } from "./_output.ts";
import { qualifiedName, resolveNamedResource, resourceState } from "./_resources.ts";
import {
  formatStatePath,
  getAtPath,
  parseStatePath,
  type PathPart,
  setAtPath,
} from "./_state_path.ts";
import { committedPart } from "./_versions.ts";
import { diffStates } from "./state_diff.ts";
import { NotFoundError, UsageError } from "./exit_codes.ts";
import { isPreciseInstant, preciseInstantFrom } from "../state/temporal.ts";

/** `pipeline <name> reset <resource>`. */
export async function resetCommand(ctx: CommandContext): Promise<void> {
  const p = await openForChange(ctx);
  const ref = await resolveNamedResource(ctx, p, positional(ctx, "resource")!);
  const held = resourceState(p.state, ref);
  if (held === undefined) {
    throw new NotFoundError(
      `Choose a resource with state to reset: "${
        qualifiedName(ref)
      }" has none (only tables; drop resets those)`,
    );
  }
  const plan: Plan = {
    lines: [
      `Reset the state of resource ${
        qualifiedName(ref)
      } of pipeline ${p.pipelineName} (its tables are kept); it holds:`,
      ...toYaml(held).trimEnd().split("\n").map((line) => `    ${line}`),
    ],
    data: { sourceName: ref.sourceName, resource: ref.resourceName },
  };
  showPlan(ctx, plan);
  await carryOut(ctx, p, plan, async (wait) =>
    dropOutcome(
      await p.dropResources({
        resources: [ref.resourceName],
        stateOnly: true,
        sourceName: ref.sourceName,
        wait,
      }),
    ));
}

const PROTECTED_KEYS = new Set([
  "_state_version",
  "_state_engine_version",
  "_version_hash",
  "_local",
  "pipeline_name",
]);

/** Keeps the type of the value being replaced: an ISO string replacing a date stays a date. */
function coerceLike(previous: unknown, value: unknown, path: string): unknown {
  if (typeof value !== "string") return value;
  if (previous instanceof Date) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) {
      throw new UsageError(
        `Give ${path} an ISO date: it holds a date, got ${JSON.stringify(value)}`,
        "set",
      );
    }
    return date;
  }
  if (isPreciseInstant(previous)) {
    try {
      return preciseInstantFrom(value);
    } catch {
      throw new UsageError(
        `Give ${path} an ISO instant with a time zone: it holds an instant, got ${
          JSON.stringify(value)
        }`,
        "set",
      );
    }
  }
  return value;
}

/** `pipeline <name> set <path> <json>`. */
export async function setCommand(ctx: CommandContext): Promise<void> {
  const p = await openForChange(ctx);
  const relative = parseStatePath(positional(ctx, "path")!, ctx.command);
  const raw = positional(ctx, "json")!;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UsageError(
      `Give the value as JSON (strings in quotes: '"text"'): ${JSON.stringify(raw)} is not JSON`,
      ctx.command,
    );
  }
  const state = p.state;
  const sourceName = stringOption(ctx, "source");
  const resourceName = stringOption(ctx, "resource");
  let prefix: PathPart[] = [];
  if (resourceName !== undefined) {
    const ref = await resolveNamedResource(ctx, p, resourceName);
    prefix = ["sources", ref.sourceName, "resources", ref.resourceName];
  } else if (sourceName !== undefined) prefix = ["sources", sourceName];
  const parts = [...prefix, ...relative];
  const path = formatStatePath(parts);
  if (typeof parts[0] === "string" && PROTECTED_KEYS.has(parts[0])) {
    throw new UsageError(
      `Choose a path outside ${
        parts[0]
      }: version keys, pipeline_name and _local are managed by the pipeline`,
      ctx.command,
    );
  }
  const previous = getAtPath(state, parts);
  value = coerceLike(previous.value, value, path);
  const preview = cloneState(state);
  setAtPath(preview as Record<string, unknown>, parts, value);
  const changes = diffStates(committedPart(state), committedPart(preview));
  const plan: Plan = {
    lines: [
      `Set ${path} of pipeline ${p.pipelineName}:`,
      previous.found
        ? `    ${shortValue(previous.value, 80)} → ${shortValue(value, 80)}`
        : `    new key: ${shortValue(value, 80)}`,
    ],
    data: { path, before: previous.found ? previous.value : null, after: value },
  };
  if (changes.length === 0) {
    nothingToDo(ctx, p, `${path} already holds ${shortValue(value)}`);
    return;
  }
  showPlan(ctx, plan);
  await carryOut(ctx, p, plan, (wait) =>
    p.commitState(
      (s) => setAtPath(s as Record<string, unknown>, parts, cloneState(value)),
      { wait },
    ));
}
