/**
 * What the extract step shares with the steps around it: the run being extracted, the package its
 * rows go to, and the hints recorded for each table.
 *
 * @module
 */
import type { PipelineState } from "../state/state_document.ts";
import type { Schema, WriteDisposition } from "../destinations/schema.ts";
import type { DroppedTable, RefreshMode } from "./drop.ts";
import { PackageWriter } from "./load_package.ts";
import { newLoadId } from "./_load_id.ts";
import type { ExtractSettings } from "./run_options.ts";

/** Hints of a table as the package manifest records them. */
export interface TableHints {
  /** How the table takes rows. */
  writeDisposition: WriteDisposition;
  /** Primary key columns. */
  primaryKey: string[];
  /** The resource that fills it (empty when only a refresh or drop touched it). */
  resource: string;
  /** The source (schema) it belongs to. */
  sourceName: string;
  /** The load starts the table over (replace, refresh, drop). */
  reset: boolean;
}

/** The package rows currently go to; replaced after each checkpoint. */
export interface ExtractPackage {
  /** The package writer. */
  writer: PackageWriter;
  /** Its load id (goes into every row). */
  loadId: string;
  /** Tables it touches, with their hints. */
  tables: Map<string, TableHints>;
}

/** Everything one extract needs and produces. */
export interface ExtractRun {
  /** The running `Pipeline` object, for `dlt.current.pipeline()`. */
  pipeline: unknown;
  /** The working copy of the state. */
  state: PipelineState;
  /** The committed state the run started from (not changed by the run). */
  base: PipelineState;
  /** The names of the run's sources, in order. */
  sourceNames: readonly string[];
  /** The current package. */
  pkg: ExtractPackage;
  /** Working copies of the schemas, by source name. */
  schemas: Map<string, Schema>;
  /** Tables reset by an earlier (checkpoint) package of this run: not reset again. */
  resetDone: Set<string>;
  /** The refresh mode of this run. */
  refresh?: RefreshMode;
  /** When the run started. */
  startedAt: Date;
  /** Aborted when the run stops. */
  signal: AbortSignal;
  /** Stops the run: aborts `signal` with `reason` (the first call wins). */
  stop: (reason?: unknown) => void;
  /** Warnings go here. */
  warn: (message: string) => void;
  /** How each source's resources are pulled, by source name. */
  settings: ReadonlyMap<string, ExtractSettings>;
  /** The run's `signal` option: when it aborts, the run stops pulling. */
  stopSignal?: AbortSignal;
  /**
   * Checkpoints, when asked for. `due()` is asked before each item is written; when it says yes,
   * the extract waits until every resource of the source is at a yield (or done), so that the
   * state and the rows written agree for each of them, and then `commit()`s.
   */
  checkpoint?: Checkpointer;
  /** Called after an item was written (progress, checkpoint row counts). */
  afterItem?: (resource: string, rows: number) => void;
}

/** When and how a run commits checkpoints (`checkpoint.ts`). */
export interface Checkpointer {
  /** Whether a checkpoint is due before the next item is written. */
  due(): boolean;
  /** Commits the package so far with the state as it is now, and starts a new package. */
  commit(): Promise<void>;
}

/** Registers `name` in the current package with `hints`, reset once per run at most. */
export function registerTable(
  run: Pick<ExtractRun, "pkg" | "resetDone">,
  name: string,
  hints: Omit<TableHints, "reset">,
  reset: boolean,
): TableHints {
  const existing = run.pkg.tables.get(name);
  const entry: TableHints = {
    ...hints,
    reset: (existing?.reset ?? false) || (reset && !run.resetDone.has(name)),
  };
  run.pkg.tables.set(name, entry);
  return entry;
}

/** Registers dropped or truncated tables in the current package, to be reset at load. */
export function registerResets(
  run: Pick<ExtractRun, "pkg" | "resetDone">,
  sourceName: string,
  tables: readonly DroppedTable[],
): void {
  for (const { name, table } of tables) {
    registerTable(run, name, {
      writeDisposition: table.write_disposition,
      primaryKey: table.primary_key ?? [],
      resource: "",
      sourceName,
    }, true);
  }
}

/** A new, empty package in `workingDir` with a fresh load id. */
export function newPackage(workingDir: string): ExtractPackage {
  const loadId = newLoadId();
  return { loadId, writer: new PackageWriter(workingDir, loadId), tables: new Map() };
}
