/**
 * The commands that change state: `rollback`, `reset`, `set`, `drop`, `sync`, `drop-pending`.
 * Each checks the lock first, prints what it will do, asks unless `--yes`, and commits the change
 * as a new state version through the pipeline (nothing is edited in place).
 *
 * @module
 */
import type { Pipeline } from "../pipeline/pipeline.ts";
import type { DropOptions } from "../pipeline/drop.ts";
import { cloneState, type PipelineState } from "../state/state_document.ts";
import { isPreciseInstant, preciseInstantFrom } from "../state/temporal.ts";
import { DatasetStore } from "../destinations/dataset_store.ts";
import { ConfigurationError } from "../errors.ts";
import {
  type CommandContext,
  flag,
  integer,
  lockWait,
  positional,
  stringOption,
} from "./_context.ts";
import { checkNotLocked } from "./_open.ts";
import { shortValue, toYaml } from "./_output.ts";
import {
  formatStatePath,
  getAtPath,
  parseStatePath,
  type PathPart,
  setAtPath,
} from "./_state_path.ts";
import {
  changeLine,
  committedPart,
  findVersion,
  rowsByLoad,
  selectResource,
  summarizeChanges,
} from "./_inspect.ts";
import { diffStates } from "./state_diff.ts";
import { AbortedError, NotFoundError, UsageError } from "./exit_codes.ts";

/** A change a command proposes: what it prints, and what it reports as JSON. */
interface Plan {
  /** Human lines describing the change. */
  lines: string[];
  /** The same as data, for `--json`. */
  data: Record<string, unknown>;
}

/** Prints the plan (on stderr in JSON mode, so that stdout holds one document). */
function showPlan(ctx: CommandContext, plan: Plan): void {
  for (const line of plan.lines) {
    if (ctx.out.json) ctx.out.note(line);
    else ctx.out.line(line);
  }
}

/** Asks to go ahead unless `--yes`; throws {@linkcode AbortedError} otherwise. */
async function confirm(ctx: CommandContext, question = "Proceed?"): Promise<void> {
  if (flag(ctx, "yes")) return;
  const answer = await ctx.out.ask(question);
  if (answer === null) {
    throw new AbortedError(
      "Nothing was changed: no answer on stdin; pass --yes to run without asking",
    );
  }
  if (!answer) throw new AbortedError("Nothing was changed");
}

/** Reports a change that was not needed. */
function nothingToDo(ctx: CommandContext, p: Pipeline, why: string, extra = {}): void {
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

/** Reports a committed change. */
function committed(
  ctx: CommandContext,
  p: Pipeline,
  plan: Plan,
  result: { changed: boolean; stateVersion: number; loadId?: string },
  extra: Record<string, unknown> = {},
  message?: string,
): void {
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

/** Opens the pipeline and fails fast when a run holds its lock. */
async function openUnlocked(ctx: CommandContext): Promise<Pipeline> {
  const p = ctx.open().pipeline;
  await checkNotLocked(p, lockWait(ctx));
  return p;
}

function requireDestination(p: Pipeline): void {
  if (!p.destination) {
    throw new ConfigurationError(
      `Give pipeline "${p.pipelineName}" a destination: pass --bucket-url or set DESTINATION__FILESYSTEM__BUCKET_URL`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// rollback

/** Keys a rollback keeps from the current state: versions, identity, setup, machine-local. */
const ROLLBACK_KEEPS = new Set([
  "_state_version",
  "_state_engine_version",
  "_version_hash",
  "_local",
  "pipeline_name",
  "dataset_name",
  "destination_type",
  "destination_name",
  "schema_names",
  "default_schema_name",
]);

/** Replaces the content of `state` with that of `target`, keeping {@linkcode ROLLBACK_KEEPS}. */
function restoreContent(state: PipelineState, target: PipelineState): void {
  for (const key of Object.keys(state)) if (!ROLLBACK_KEEPS.has(key)) delete state[key];
  for (const [key, value] of Object.entries(cloneState(target))) {
    if (!ROLLBACK_KEEPS.has(key)) state[key] = value;
  }
}

/** `pipeline <name> rollback <version>`. */
export async function rollbackCommand(ctx: CommandContext): Promise<void> {
  const p = await openUnlocked(ctx);
  requireDestination(p);
  if (flag(ctx, "revert-loads") && flag(ctx, "keep-loads")) {
    throw new UsageError("Pass --revert-loads or --keep-loads, not both", ctx.command);
  }
  const history = await p.stateHistory();
  const target = findVersion(history, integer(ctx, positional(ctx, "version"), "<version>")!, p);
  const current = p.state;
  const after = cloneState(current);
  restoreContent(after, target.state);
  const changes = diffStates(committedPart(current), committedPart(after));
  // Loads after the target, except those that already carry its content (an earlier rollback).
  const sameContent = new Set(
    history.filter((v) => v.versionHash === target.versionHash).map((v) => v.loadId),
  );
  const laterLoads = (await p.loads())
    .filter((load) => load.load_id > target.loadId && !sameContent.has(load.load_id))
    .map((load) => load.load_id);
  const rows = laterLoads.length > 0 ? await rowsOf(p, laterLoads) : {};

  const lines = [
    `Roll back pipeline ${p.pipelineName} to the content of state version ${target.version} (load ${target.loadId}, ${target.createdAt}):`,
  ];
  if (changes.length === 0) lines.push("  the state already has this content");
  else {
    lines.push(
      `  commit it as a new version after ${current._state_version}; the state changes:`,
    );
    for (const change of summarizeChanges(changes)) lines.push(`    ${changeLine(change)}`);
  }
  if (laterLoads.length > 0) {
    lines.push(
      `  ${laterLoads.length} load(s) came after it: ${laterLoads.join(", ")}${
        Object.keys(rows).length > 0
          ? ` (rows: ${Object.entries(rows).map(([t, n]) => `${t} ${n}`).join(", ")})`
          : ""
      }`,
    );
  }
  let revert = flag(ctx, "revert-loads");
  if (laterLoads.length === 0) revert = false;
  const plan: Plan = {
    lines,
    data: {
      targetVersion: target.version,
      targetLoadId: target.loadId,
      changes: changes.map((c) => ({ path: c.path, kind: c.kind })),
      laterLoads,
    },
  };
  if (changes.length === 0 && (laterLoads.length === 0 || flag(ctx, "keep-loads"))) {
    showPlan(ctx, plan);
    nothingToDo(ctx, p, `the state already has the content of version ${target.version}`);
    return;
  }
  showPlan(ctx, plan);
  if (laterLoads.length > 0 && !revert && !flag(ctx, "keep-loads") && !flag(ctx, "yes")) {
    const answer = await ctx.out.ask(
      `Also withdraw these ${laterLoads.length} load(s)? Their rows disappear from readers (marked reverted in _dlt_loads; no file is edited)`,
    );
    if (answer === null) {
      throw new AbortedError(
        "Nothing was changed: no answer on stdin; pass --yes to run without asking",
      );
    }
    revert = answer;
  }
  if (laterLoads.length > 0) {
    const text = revert
      ? `  the ${laterLoads.length} later load(s) will be withdrawn`
      : `  the ${laterLoads.length} later load(s) keep their rows: the next run may load them again`;
    if (ctx.out.json) ctx.out.note(text);
    else ctx.out.line(text);
  }
  await confirm(ctx);
  const wait = lockWait(ctx);
  const result = changes.length > 0
    ? await p.commitState((state) => restoreContent(state, target.state), { wait })
    : { changed: false, stateVersion: current._state_version };
  if (revert) await p.revertLoads(laterLoads, { wait });
  committed(ctx, p, plan, result, { revertedLoads: revert ? laterLoads : [] });
  if (!ctx.out.json && revert) ctx.out.line(`Withdrew load(s) ${laterLoads.join(", ")}`);
}

async function rowsOf(p: Pipeline, loadIds: string[]): Promise<Record<string, number>> {
  const byLoad = await rowsByLoad(p, new Set(loadIds));
  const total: Record<string, number> = {};
  for (const counts of byLoad.values()) {
    for (const [table, n] of Object.entries(counts)) total[table] = (total[table] ?? 0) + n;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// reset

/** `pipeline <name> reset <resource>`. */
export async function resetCommand(ctx: CommandContext): Promise<void> {
  const p = await openUnlocked(ctx);
  requireDestination(p);
  const resourceName = positional(ctx, "resource")!;
  const selected = selectResource(p.state, resourceName, stringOption(ctx, "source"));
  const plan: Plan = {
    lines: [
      `Reset the state of resource ${selected.sourceName}.${resourceName} of pipeline ${p.pipelineName} (its tables are kept); it holds:`,
      ...toYaml(selected.resource).trimEnd().split("\n").map((line) => `    ${line}`),
    ],
    data: { sourceName: selected.sourceName, resource: resourceName },
  };
  showPlan(ctx, plan);
  await confirm(ctx);
  const result = await p.dropResources({
    resources: [resourceName],
    stateOnly: true,
    sourceName: selected.sourceName,
    wait: lockWait(ctx),
  });
  committed(ctx, p, plan, {
    changed: result.loadId !== undefined,
    stateVersion: result.stateVersion,
    loadId: result.loadId,
  });
}

// ---------------------------------------------------------------------------------------------
// set

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
  const p = await openUnlocked(ctx);
  requireDestination(p);
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
    let source = sourceName;
    if (source === undefined) source = selectResource(state, resourceName, undefined).sourceName;
    prefix = ["sources", source, "resources", resourceName];
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
  await confirm(ctx);
  const result = await p.commitState(
    (s) => setAtPath(s as Record<string, unknown>, parts, cloneState(value)),
    { wait: lockWait(ctx) },
  );
  committed(ctx, p, plan, result);
}

// ---------------------------------------------------------------------------------------------
// drop

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
  const p = await openUnlocked(ctx);
  requireDestination(p);
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
  await confirm(ctx);
  const result = await p.dropResources({ ...options, wait: lockWait(ctx) });
  committed(ctx, p, plan, {
    changed: result.loadId !== undefined,
    stateVersion: result.stateVersion,
    loadId: result.loadId,
  });
}

// ---------------------------------------------------------------------------------------------
// sync

/** `pipeline <name> sync`. */
export async function syncCommand(ctx: CommandContext): Promise<void> {
  const opened = ctx.open();
  const p = opened.pipeline;
  requireDestination(p);
  const wait = lockWait(ctx);
  const store = new DatasetStore(p.destination!.bucket, p.datasetName);
  const remote = await store.newestCommittedState(p.pipelineName);
  if (!remote) {
    throw new NotFoundError(
      `Nothing to restore: dataset "${p.datasetName}" of ${
        p.destination!.bucketUrl
      } holds no committed state of pipeline "${p.pipelineName}"`,
    );
  }
  await checkNotLocked(p, wait);
  const local = p.state;
  const pending = await p.pendingPackages();
  const hadWorkingDir = opened.record !== undefined;
  const inSync = hadWorkingDir && local._state_version === remote.state._state_version &&
    local._version_hash === remote.state._version_hash && pending.length === 0;
  const data = {
    localVersion: hadWorkingDir ? local._state_version : null,
    destinationVersion: remote.state._state_version,
    discardedPackages: pending.map((pkg) => pkg.loadId),
  };
  if (inSync) {
    nothingToDo(
      ctx,
      p,
      `the local state is the destination's newest committed version ${local._state_version}`,
      data,
    );
    return;
  }
  const changes = diffStates(committedPart(local), committedPart(remote.state));
  const lines = [
    `Sync pipeline ${p.pipelineName} from ${p.destination!.bucketUrl}, dataset ${p.datasetName}:`,
    `  replace the local state (${
      hadWorkingDir ? `version ${local._state_version}` : "none"
    }) with committed version ${remote.state._state_version} (load ${remote.row._dlt_load_id})`,
  ];
  if (hadWorkingDir) {
    const summary = summarizeChanges(changes);
    lines.push(...summary.slice(0, 20).map((change) => `    ${changeLine(change)}`));
    if (summary.length > 20) lines.push(`    … and ${summary.length - 20} more`);
  }
  if (pending.length > 0) {
    lines.push(
      `  discard ${pending.length} pending package(s) the destination never received: ${
        pending.map((pkg) => pkg.loadId).join(", ")
      }`,
    );
  }
  const plan: Plan = { lines, data };
  showPlan(ctx, plan);
  await confirm(ctx);
  // dlt's `sync`: the destination's committed state replaces the local one, pending packages
  // built on it included.
  await p.syncDestination({ force: true, wait });
  const after = p.state;
  committed(
    ctx,
    p,
    plan,
    { changed: true, stateVersion: after._state_version },
    {},
    `Local state is now version ${after._state_version}, as committed in the destination`,
  );
}

// ---------------------------------------------------------------------------------------------
// drop-pending

/** `pipeline <name> drop-pending`. */
export async function dropPendingCommand(ctx: CommandContext): Promise<void> {
  const p = await openUnlocked(ctx);
  requireDestination(p);
  const pending = await p.pendingPackages();
  if (pending.length === 0) {
    nothingToDo(ctx, p, "there are no pending packages", { droppedPackages: [] });
    return;
  }
  const plan: Plan = {
    lines: [
      `Discard ${pending.length} pending package(s) of pipeline ${p.pipelineName} and go back to the destination's committed state:`,
      ...pending.map((pkg) =>
        `    ${pkg.loadId}  state v${pkg.stateVersion}  rows: ${
          Object.entries(pkg.rowCounts).map(([t, n]) => `${t} ${n}`).join(", ") || "none"
        }`
      ),
    ],
    data: { packages: pending.map((pkg) => pkg.loadId) },
  };
  showPlan(ctx, plan);
  await confirm(ctx);
  const dropped = await p.dropPendingPackages({ wait: lockWait(ctx) });
  const state = p.state;
  committed(ctx, p, plan, { changed: dropped.length > 0, stateVersion: state._state_version }, {
    droppedPackages: dropped,
  });
}
