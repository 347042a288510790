/**
 * Shared setup for the incremental tests: run pages through a binding the way the pipeline does
 * (one binding per run, the same resource state across runs).
 *
 * @module
 */
import type { BoundIncremental, Incremental } from "../../src/incremental/incremental.ts";
import { canonicalJson, digest128 } from "../../src/incremental/_row_hash.ts";

/** A row. */
export type Row = Record<string, unknown>;

/** What one run saw. */
export interface RunResult<T> {
  /** The rows kept, flattened over the pages. */
  rows: Row[];
  /** The binding of the run. */
  bound: BoundIncremental<T>;
  /** Warnings logged during the run. */
  warnings: string[];
}

/** Options of {@linkcode runOnce}. */
export interface RunOptions {
  /** The resource state, kept by the caller across runs. */
  state?: Record<string, unknown>;
  /** The resource's primary key. */
  primaryKey?: string | readonly string[];
  /** When the run started. */
  runStartedAt?: Date;
}

/** Binds `incremental` to `options.state` and filters `pages` (arrays) through it. */
export function runOnce<T>(
  incremental: Incremental<T>,
  pages: Row[][],
  options: RunOptions = {},
): RunResult<T> {
  const warnings: string[] = [];
  const bound = incremental.bind({
    resourceName: "some_data",
    resourceState: options.state ?? {},
    primaryKey: options.primaryKey,
    runStartedAt: options.runStartedAt,
    warn: (message) => warnings.push(message),
  });
  const rows: Row[] = [];
  for (const page of pages) rows.push(...bound.filterPage(page));
  return { rows, bound, warnings };
}

/** The state slot of `cursorPath` in a resource state. */
export function slotOf(state: Record<string, unknown>, cursorPath: string): unknown {
  return (state.incremental as Record<string, unknown> | undefined)?.[cursorPath];
}

/** dlt's dedup hash of a key value or row: dlt 1.31's short format, or the legacy one. */
export function hashOf(value: unknown, format: "short" | "legacy" = "short"): string {
  return digest128(canonicalJson(value, format), format);
}

/** Runs `fn`, expects it to throw an instance of `type`, and returns the error. */
export function thrown<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`expected ${type.name}, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected ${type.name}, nothing was thrown`);
}
