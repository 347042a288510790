/**
 * Differences between two state documents, path by path: what `history` and `diff` print.
 *
 * @module
 */
import { formatStatePath, type PathPart } from "./_state_path.ts";
import { isPreciseInstant, sameInstant } from "../state/temporal.ts";

/**
 * One difference between two states.
 *
 * @example Printing what changed
 * ```ts
 * import { diffStates, type StateChange } from "../../cli.ts";
 *
 * const changes: StateChange[] = diffStates({ cursor: 3 }, { cursor: 7, page: 1 });
 * for (const change of changes) console.log(change.kind, change.path, change.before, change.after);
 * // changed cursor 3 7
 * // added page undefined 1
 * ```
 */
export interface StateChange {
  /** The path, as text (`sources.github.resources.issues.lastId`). */
  path: string;
  /** The path's parts (keys and list indexes). */
  parts: PathPart[];
  /** `added`: only in the newer state; `removed`: only in the older; `changed`: in both. */
  kind: "added" | "removed" | "changed";
  /** The older value (not for `added`). */
  before?: unknown;
  /** The newer value (not for `removed`). */
  after?: unknown;
}

/** Keys that change with every version, or never leave the machine: left out of diffs. */
const IGNORED = new Set(["_state_version", "_version_hash", "_state_engine_version", "_local"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (isPreciseInstant(a) && isPreciseInstant(b)) return sameInstant(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && sameValue(a[key], b[key]));
  }
  return false;
}

/**
 * The differences from `before` to `after`, recursing into objects; lists and other values are
 * compared whole. The version keys and `_local` are left out.
 *
 * @example What a run changed
 * ```ts
 * import { diffStates } from "./state_diff.ts";
 *
 * const changes = diffStates(
 *   { sources: { gh: { resources: { issues: { lastId: 3 } } } } },
 *   { sources: { gh: { resources: { issues: { lastId: 7 }, users: { page: 1 } } } } },
 * );
 * console.log(changes.map((c) => `${c.kind} ${c.path}`));
 * // [ "changed sources.gh.resources.issues.lastId", "added sources.gh.resources.users" ]
 * ```
 */
export function diffStates(before: unknown, after: unknown): StateChange[] {
  const changes: StateChange[] = [];
  walk(before, after, [], changes);
  return changes;
}

function walk(before: unknown, after: unknown, parts: PathPart[], changes: StateChange[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(before)) {
      if (parts.length === 0 && IGNORED.has(key)) continue;
      if (!Object.hasOwn(after, key)) {
        changes.push({
          path: formatStatePath([...parts, key]),
          parts: [...parts, key],
          kind: "removed",
          before: before[key],
        });
      } else walk(before[key], after[key], [...parts, key], changes);
    }
    for (const key of Object.keys(after)) {
      if (parts.length === 0 && IGNORED.has(key)) continue;
      if (!Object.hasOwn(before, key)) {
        changes.push({
          path: formatStatePath([...parts, key]),
          parts: [...parts, key],
          kind: "added",
          after: after[key],
        });
      }
    }
    return;
  }
  if (!sameValue(before, after)) {
    changes.push({ path: formatStatePath(parts), parts, kind: "changed", before, after });
  }
}
