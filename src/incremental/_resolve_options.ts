/**
 * Validation of incremental options, done once when the incremental is declared so that a bad
 * option fails before any run starts.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import { compareValues, valuesEqual, valuesMismatch } from "./_compare.ts";
import { compileCursorPath, type CursorReader, simpleField } from "./_cursor_path.ts";
import { type Lag, type LagOption, resolveLag } from "./_lag.ts";
import { show } from "./_show.ts";

/** The options as {@linkcode resolveOptions} checked them (mirrors the public options). */
export interface RawOptions {
  initialValue?: unknown;
  endValue?: unknown;
  lastValueFunc?: "max" | "min" | ((values: readonly never[]) => unknown);
  primaryKey?: string | readonly string[];
  rowOrder?: "asc" | "desc";
  onCursorValueMissing?: "raise" | "include" | "exclude";
  lag?: LagOption;
  rangeStart?: "closed" | "open";
  rangeEnd?: "open" | "closed";
  maxBoundaryHashes?: number;
  cutoffAtRunStart?: boolean;
}

/** Validated options in the form the filter uses. */
export interface ResolvedOptions {
  read: CursorReader;
  /** The field name when the cursor path is a single field. */
  field: string | undefined;
  initialValue: unknown;
  endValue: unknown;
  /** 1 for max, -1 for min, 0 for a custom function. */
  direction: 1 | -1 | 0;
  custom: ((values: readonly unknown[]) => unknown) | undefined;
  primaryKey: string | readonly string[] | undefined;
  rowOrder: "asc" | "desc" | undefined;
  onMissing: "raise" | "include" | "exclude";
  lag: Lag | undefined;
  rangeStartOpen: boolean;
  rangeEndOpen: boolean;
  maxBoundaryHashes: number;
  cutoffAtRunStart: boolean;
}

/** The default cap of boundary hashes kept in state. */
export const DEFAULT_MAX_BOUNDARY_HASHES = 1000;

const KNOWN = new Set([
  "initialValue",
  "endValue",
  "lastValueFunc",
  "primaryKey",
  "rowOrder",
  "onCursorValueMissing",
  "lag",
  "rangeStart",
  "rangeEnd",
  "maxBoundaryHashes",
  "cutoffAtRunStart",
]);

function oneOf<V extends string>(
  where: string,
  name: string,
  value: unknown,
  allowed: readonly V[],
  fallback: V,
): V {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as V)) {
    throw new ConfigurationError(
      `Set ${name} of ${where} to ${allowed.map((a) => `"${a}"`).join(" or ")}: got ${
        JSON.stringify(value) ?? String(value)
      }`,
    );
  }
  return value as V;
}

function checkRange(where: string, options: ResolvedOptions): void {
  const { initialValue, endValue, direction, custom } = options;
  if (endValue === undefined) return;
  if (initialValue === undefined) {
    throw new ConfigurationError(
      `Set initialValue of ${where}: endValue needs it, a backfill loads from initialValue to endValue`,
    );
  }
  if (direction !== 0) {
    const order = compareValues(endValue, initialValue);
    if (order !== order) {
      throw new ConfigurationError(
        `Give initialValue and endValue of ${where} one comparable type: ${
          show(initialValue)
        } and ${show(endValue)} are not comparable (${valuesMismatch(endValue, initialValue)})`,
      );
    }
    if (order * direction < 0) {
      const adjective = direction === 1 ? "higher" : "lower";
      throw new ConfigurationError(
        `Set endValue of ${where} ${adjective} than initialValue: initialValue ${
          show(initialValue)
        } is ${adjective} than endValue ${show(endValue)}`,
      );
    }
    return;
  }
  let result: unknown;
  try {
    result = custom!([endValue, initialValue]);
  } catch (error) {
    throw new ConfigurationError(
      `Give initialValue and endValue of ${where} values lastValueFunc can compare: ${
        show(initialValue)
      } and ${show(endValue)} are not comparable (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error },
    );
  }
  if (!valuesEqual(result, endValue)) {
    throw new ConfigurationError(
      `Set endValue of ${where} beyond initialValue: initialValue ${
        show(initialValue)
      } is greater than endValue ${
        show(endValue)
      } as lastValueFunc orders them (lastValueFunc([endValue, initialValue]) must return endValue)`,
    );
  }
}

/** Checks `options` for the incremental on `cursorPath`; throws {@linkcode ConfigurationError}. */
export function resolveOptions(cursorPath: string, options: RawOptions): ResolvedOptions {
  const where = `incremental ${JSON.stringify(cursorPath)}`;
  if (options === null || typeof options !== "object") {
    throw new ConfigurationError(`Pass the options of ${where} as an object`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new ConfigurationError(
        `Remove option ${JSON.stringify(key)} of ${where}: the options are ${
          [...KNOWN].join(", ")
        }`,
      );
    }
  }
  const read = compileCursorPath(cursorPath);
  const func = options.lastValueFunc ?? "max";
  if (func !== "max" && func !== "min" && typeof func !== "function") {
    throw new ConfigurationError(
      `Set lastValueFunc of ${where} to "max", "min" or a function: got ${show(func)}`,
    );
  }
  const primaryKey = options.primaryKey;
  if (
    primaryKey !== undefined && typeof primaryKey !== "string" &&
    !(Array.isArray(primaryKey) && primaryKey.every((k) => typeof k === "string"))
  ) {
    throw new ConfigurationError(
      `Give primaryKey of ${where} as a column name or an array of column names: got ${
        show(primaryKey)
      }`,
    );
  }
  const maxBoundaryHashes = options.maxBoundaryHashes ?? DEFAULT_MAX_BOUNDARY_HASHES;
  if (
    typeof maxBoundaryHashes !== "number" || maxBoundaryHashes < 0 ||
    !(Number.isInteger(maxBoundaryHashes) || maxBoundaryHashes === Infinity)
  ) {
    throw new ConfigurationError(
      `Set maxBoundaryHashes of ${where} to a whole number ≥ 0 (or Infinity): got ${
        show(maxBoundaryHashes)
      }`,
    );
  }
  const cutoffAtRunStart = options.cutoffAtRunStart ?? false;
  if (typeof cutoffAtRunStart !== "boolean") {
    throw new ConfigurationError(`Set cutoffAtRunStart of ${where} to true or false`);
  }
  if (cutoffAtRunStart && func !== "max") {
    throw new ConfigurationError(
      `Use lastValueFunc "max" with cutoffAtRunStart on ${where}: the run's start time is an upper bound`,
    );
  }
  const resolved: ResolvedOptions = {
    read,
    field: simpleField(cursorPath),
    initialValue: options.initialValue ?? undefined,
    endValue: options.endValue ?? undefined,
    direction: func === "max" ? 1 : func === "min" ? -1 : 0,
    custom: typeof func === "function"
      ? func as (values: readonly unknown[]) => unknown
      : undefined,
    primaryKey,
    rowOrder: options.rowOrder === undefined
      ? undefined
      : oneOf(where, "rowOrder", options.rowOrder, ["asc", "desc"] as const, "asc"),
    onMissing: oneOf(
      where,
      "onCursorValueMissing",
      options.onCursorValueMissing,
      ["raise", "include", "exclude"],
      "raise",
    ),
    lag: resolveLag(options.lag, where),
    rangeStartOpen: oneOf(where, "rangeStart", options.rangeStart, ["closed", "open"], "closed") ===
      "open",
    rangeEndOpen: oneOf(where, "rangeEnd", options.rangeEnd, ["open", "closed"], "open") === "open",
    maxBoundaryHashes,
    cutoffAtRunStart,
  };
  checkRange(where, resolved);
  return resolved;
}
