/**
 * State changes as the commands print them: one line each, or one JSON object each, and the
 * summary that leaves out what a moved cursor implies.
 *
 * @module
 */
import { shortValue } from "./_output.ts";
import type { StateChange } from "./state_diff.ts";

/** A change as one line: `~ path  before → after`. */
export function changeLine(change: StateChange, width = 50): string {
  switch (change.kind) {
    case "added":
      return `+ ${change.path}  ${shortValue(change.after, width)}`;
    case "removed":
      return `- ${change.path}  (was ${shortValue(change.before, width)})`;
    default:
      return `~ ${change.path}  ${shortValue(change.before, width)} → ${
        shortValue(change.after, width)
      }`;
  }
}

/** A change for `--json`: its path, kind, and the values before and after it that exist. */
export function changeJson(change: StateChange): Record<string, unknown> {
  return {
    path: change.path,
    kind: change.kind,
    ...(change.kind !== "added" ? { before: change.before ?? null } : {}),
    ...(change.kind !== "removed" ? { after: change.after ?? null } : {}),
  };
}

/**
 * The changes worth a line in a summary: when a cursor's `last_value` moved, its `start_value`
 * and `unique_hashes` moving too is implied and left out (`diff` shows everything).
 */
export function summarizeChanges(changes: StateChange[]): StateChange[] {
  const movedCursors = new Set(
    changes.filter((c) => c.parts.at(-1) === "last_value" && c.parts.at(-3) === "incremental")
      .map((c) => c.path.slice(0, -".last_value".length)),
  );
  return changes.filter((c) => {
    const last = c.parts.at(-1);
    if (last !== "start_value" && last !== "unique_hashes") return true;
    return !movedCursors.has(c.path.slice(0, -(String(last).length + 1)));
  });
}
