/**
 * The commands about the gap between the working dir and the destination: `sync` (the
 * destination's newest committed state replaces the local one), `pending` (the packages a run
 * extracted but did not load) and `drop-pending` (discard them).
 *
 * @module
 */
import { DatasetStore } from "../destinations/dataset_store.ts";
import { type CommandContext, lockWait } from "./_context.ts";
import {
  carryOut,
  nothingToDo,
  openForChange,
  type Plan,
  requireDestination,
  showPlan,
} from "./_change_flow.ts";
import { changeLine, summarizeChanges } from "./_change_lines.ts";
import { checkNotLocked } from "./_open.ts";
import { committedPart, rowCountsText } from "./_versions.ts";
import { diffStates } from "./state_diff.ts";
import { NotFoundError } from "./exit_codes.ts";

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
  await carryOut(ctx, p, plan, async () => {
    // dlt's `sync`: the destination's committed state replaces the local one, pending packages
    // built on it included.
    await p.syncDestination({ force: true, wait });
    const stateVersion = p.state._state_version;
    return {
      changed: true,
      stateVersion,
      message: `Local state is now version ${stateVersion}, as committed in the destination`,
    };
  });
}

/** `pipeline <name> pending`. */
export async function pendingCommand(ctx: CommandContext): Promise<void> {
  const p = ctx.open().pipeline;
  const pending = await p.pendingPackages();
  if (ctx.out.json) {
    ctx.out.document(pending);
    return;
  }
  if (pending.length === 0) {
    ctx.out.line(`Pipeline ${p.pipelineName} has no pending packages`);
    return;
  }
  ctx.out.line(
    `Pipeline ${p.pipelineName}: ${pending.length} package(s) extracted but not loaded; the next run loads them first`,
  );
  ctx.out.table(
    ["LOAD ID", "CREATED AT", "STATE VERSION", "ROWS"],
    pending.map((pkg) => [
      pkg.loadId,
      pkg.createdAt,
      `v${pkg.stateVersion}`,
      rowCountsText(pkg.rowCounts) || "none",
    ]),
    "  ",
  );
}

/** `pipeline <name> drop-pending`. */
export async function dropPendingCommand(ctx: CommandContext): Promise<void> {
  const p = await openForChange(ctx);
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
          rowCountsText(pkg.rowCounts) || "none"
        }`
      ),
    ],
    data: { packages: pending.map((pkg) => pkg.loadId) },
  };
  showPlan(ctx, plan);
  await carryOut(ctx, p, plan, async (wait) => {
    const dropped = await p.dropPendingPackages({ wait });
    return {
      changed: dropped.length > 0,
      stateVersion: p.state._state_version,
      extra: { droppedPackages: dropped },
    };
  });
}
