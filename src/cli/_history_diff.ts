/**
 * `pipeline <name> history` (every committed state version with its load, rows and changes) and
 * `pipeline <name> diff <v1> [v2]` (every path that changed between two versions).
 *
 * @module
 */
import { type CommandContext, flag, integer, positional, stringOption } from "./_context.ts";
import { changeJson, changeLine, summarizeChanges } from "./_change_lines.ts";
import { committedPart, findVersion, rowCountsText, rowsByLoad } from "./_versions.ts";
import { diffStates } from "./state_diff.ts";

const CHANGES_SHOWN = 6;

/** `pipeline <name> history`. */
export async function historyCommand(ctx: CommandContext): Promise<void> {
  const p = ctx.open().pipeline;
  const history = await p.stateHistory();
  const limit = integer(ctx, stringOption(ctx, "limit"), "--limit");
  const first = limit === undefined ? 0 : Math.max(0, history.length - limit);
  const shown = history.slice(first);
  const rows = flag(ctx, "no-rows")
    ? undefined
    : await rowsByLoad(p, new Set(shown.map((v) => v.loadId)));
  const entries = shown.map((version, i) => {
    const previous = history[first + i - 1];
    const changes = diffStates(
      previous ? committedPart(previous.state) : {},
      committedPart(version.state),
    );
    return { version, previous, changes, rows: rows?.get(version.loadId) ?? {} };
  });
  if (ctx.out.json) {
    ctx.out.document(entries.map((entry) => ({
      version: entry.version.version,
      loadId: entry.version.loadId,
      createdAt: entry.version.createdAt,
      versionHash: entry.version.versionHash,
      ...(rows ? { rowCounts: entry.rows } : {}),
      previousVersion: entry.previous?.version ?? null,
      changes: entry.changes.map(changeJson),
    })));
    return;
  }
  if (history.length === 0) {
    ctx.out.line(`Pipeline ${p.pipelineName} has no committed state in the destination yet`);
    return;
  }
  ctx.out.line(
    `State history of ${p.pipelineName} (${history.length} version${
      history.length === 1 ? "" : "s"
    }, oldest first)`,
  );
  for (const entry of entries) {
    const rowText = rows
      ? Object.keys(entry.rows).length === 0
        ? "  no rows stored"
        : `  rows stored: ${rowCountsText(entry.rows)}`
      : "";
    ctx.out.line(
      `v${entry.version.version}  load ${entry.version.loadId}  ${entry.version.createdAt}${rowText}`,
    );
    if (!entry.previous) {
      ctx.out.line("    (first version)");
    } else if (entry.changes.length === 0) {
      ctx.out.line(`    (same content as v${entry.previous.version})`);
    }
    const summary = entry.previous ? summarizeChanges(entry.changes) : [];
    for (const change of summary.slice(0, CHANGES_SHOWN)) {
      ctx.out.line(`    ${changeLine(change)}`);
    }
    const shownCount = Math.min(summary.length, CHANGES_SHOWN);
    if (entry.previous && shownCount < entry.changes.length) {
      ctx.out.line(
        `    … and ${
          entry.changes.length - shownCount
        } more (diff ${entry.previous.version} ${entry.version.version})`,
      );
    }
  }
}

/** `pipeline <name> diff <v1> [v2]`. */
export async function diffCommand(ctx: CommandContext): Promise<void> {
  const p = ctx.open().pipeline;
  const history = await p.stateHistory();
  const v1 = findVersion(history, integer(ctx, positional(ctx, "v1"), "<v1>")!, p);
  const v2Arg = integer(ctx, positional(ctx, "v2"), "<v2>");
  const v2 = v2Arg === undefined ? history.at(-1)! : findVersion(history, v2Arg, p);
  const changes = diffStates(committedPart(v1.state), committedPart(v2.state));
  if (ctx.out.json) {
    ctx.out.document({
      from: { version: v1.version, loadId: v1.loadId },
      to: { version: v2.version, loadId: v2.loadId },
      changes: changes.map(changeJson),
    });
    return;
  }
  ctx.out.line(
    `State of ${p.pipelineName}: v${v1.version} (load ${v1.loadId}) → v${v2.version} (load ${v2.loadId})`,
  );
  if (changes.length === 0) ctx.out.line("  no differences");
  for (const change of changes) ctx.out.line(`  ${changeLine(change, 200)}`);
}
