/**
 * `pipeline <name> rollback <version>`: commits the content of an older state version as a new
 * version, and withdraws the loads that came after it when asked to.
 *
 * @module
 */
import { cloneState, type PipelineState } from "../state/state_document.ts";
import { type CommandContext, flag, integer, positional } from "./_context.ts";
import {
  ask,
  carryOut,
  nothingToDo,
  openForChange,
  type Plan,
  planLine,
  showPlan,
} from "./_change_flow.ts";
import { changeLine, summarizeChanges } from "./_change_lines.ts";
import { committedPart, findVersion, rowCountsText, rowsOfLoads } from "./_versions.ts";
import { diffStates } from "./state_diff.ts";
import { UsageError } from "./exit_codes.ts";

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
  const p = await openForChange(ctx);
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
  const rows = laterLoads.length > 0 ? await rowsOfLoads(p, laterLoads) : {};

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
        Object.keys(rows).length > 0 ? ` (rows: ${rowCountsText(rows)})` : ""
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
  showPlan(ctx, plan);
  if (changes.length === 0 && (laterLoads.length === 0 || flag(ctx, "keep-loads"))) {
    nothingToDo(ctx, p, `the state already has the content of version ${target.version}`);
    return;
  }
  if (laterLoads.length > 0 && !revert && !flag(ctx, "keep-loads") && !flag(ctx, "yes")) {
    revert = await ask(
      ctx,
      `Also withdraw these ${laterLoads.length} load(s)? Their rows disappear from readers (marked reverted in _dlt_loads; no file is edited)`,
    );
  }
  if (laterLoads.length > 0) {
    planLine(
      ctx,
      revert
        ? `  the ${laterLoads.length} later load(s) will be withdrawn`
        : `  the ${laterLoads.length} later load(s) keep their rows: the next run may load them again`,
    );
  }
  await carryOut(ctx, p, plan, async (wait) => {
    const result = changes.length > 0
      ? await p.commitState((state) => restoreContent(state, target.state), { wait })
      : { changed: false, stateVersion: current._state_version };
    if (revert) await p.revertLoads(laterLoads, { wait });
    return { ...result, extra: { revertedLoads: revert ? laterLoads : [] } };
  });
  if (!ctx.out.json && revert) ctx.out.line(`Withdrew load(s) ${laterLoads.join(", ")}`);
}
