/**
 * What refresh modes and the drop helper take away: tables (reset in the destination and removed
 * from the schema), resource states and paths of source state. The functions here only decide and
 * edit working copies; the pipeline commits the result as a new load and state version.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import type { PipelineState, SourceState } from "../state/state_document.ts";
import type { Schema, TableSchema } from "../destinations/schema.ts";
import { ownValue, setOwn } from "../state/own_keys.ts";

/**
 * The refresh modes of `run()`, with dlt's effects.
 *
 * @example Reloading a table from scratch
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "crm",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const users = dlt.resource([{ id: 1 }, { id: 2 }], { name: "users" });
 * await p.run(users);
 * const refresh: dlt.RefreshMode = "drop_data";
 * await p.run(users, { refresh });
 * console.log(await p.dataset().table("users").count()); // 2, not 4
 * ```
 */
export type RefreshMode = "drop_sources" | "drop_resources" | "drop_data";

/**
 * What to drop with `pipeline.dropResources()`.
 *
 * @example Resetting a resource's state but keeping its table
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "crm",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const users = dlt.resource(function* () {
 *   dlt.current.resourceState().lastId = 1;
 *   yield { id: 1 };
 * }, { name: "users" });
 * await p.run(users);
 * const options: dlt.DropOptions = { resources: ["users"], stateOnly: true };
 * const done = await p.dropResources(options);
 * console.log(done.resourceStates, done.tables); // [ "users" ] []
 * ```
 */
export interface DropOptions {
  /** Resource names, exact or as regular expressions. */
  resources?: readonly (string | RegExp)[];
  /** Paths in the source state to delete, dotted (`a.b[0].c`, an optional `$.` prefix). */
  statePaths?: readonly string[];
  /** Reset state only; leave the tables. @default false */
  stateOnly?: boolean;
  /** The source whose resources are meant. @default the pipeline's default source */
  sourceName?: string;
}

/**
 * What a drop will do (or did).
 *
 * @example Looking before dropping
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "crm",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run(dlt.resource([{ id: 1 }], { name: "users" }));
 * const plan: dlt.DropPlan = await p.planDrop({ resources: [/^user/, "orders"] });
 * console.log(plan.tables, plan.warnings.length); // [ "users" ] 1
 * ```
 */
export interface DropPlan {
  /** The source it applies to. */
  sourceName: string;
  /** The matched resources. */
  resources: string[];
  /** Tables to reset and remove from the schema. */
  tables: string[];
  /** Resources whose state is deleted. */
  resourceStates: string[];
  /** Source state paths deleted. */
  statePaths: string[];
  /** Patterns or paths that matched nothing. */
  warnings: string[];
  /** True when there is nothing to do. */
  isEmpty: boolean;
}

/** A table to reset, with the hints it had before it was dropped. */
export interface DroppedTable {
  /** The table name. */
  name: string;
  /** Its schema before the drop. */
  table: TableSchema;
}

function parsePath(path: string): (string | number)[] {
  const text = path.startsWith("$.") ? path.slice(2) : path;
  const parts: (string | number)[] = [];
  for (const segment of text.split(".")) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(segment);
    if (!match || (match[1] === "" && match[2] === "")) {
      throw new ConfigurationError(
        `Write state paths as dotted keys like "a.b[0].c": ${JSON.stringify(path)} is not one`,
      );
    }
    if (match[1] !== "") parts.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) parts.push(Number(index[1]));
  }
  return parts;
}

/** Deletes `path` in `root`; returns false when it did not exist. */
function deletePath(root: Record<string, unknown>, parts: (string | number)[]): boolean {
  let node: unknown = root;
  for (const part of parts.slice(0, -1)) {
    if (node === null || typeof node !== "object") return false;
    node = (node as Record<string | number, unknown>)[part];
  }
  const last = parts[parts.length - 1];
  if (node === null || typeof node !== "object" || !(last in node)) return false;
  if (Array.isArray(node) && typeof last === "number") node.splice(last, 1);
  else delete (node as Record<string | number, unknown>)[last];
  return true;
}

function hasPath(root: Record<string, unknown>, parts: (string | number)[]): boolean {
  let node: unknown = root;
  for (const part of parts) {
    if (node === null || typeof node !== "object" || !(part in node)) return false;
    node = (node as Record<string | number, unknown>)[part];
  }
  return true;
}

function matches(pattern: string | RegExp, name: string): boolean {
  return typeof pattern === "string"
    ? pattern === name
    : new RegExp(pattern.source, pattern.flags).test(name);
}

/** Decides what `options` drop from `state` and `schemas`, without changing them. */
export function planDrop(
  state: PipelineState,
  schemas: Record<string, Schema>,
  options: DropOptions,
): DropPlan {
  const sourceName = options.sourceName ?? state.default_schema_name;
  if (!sourceName) {
    throw new ConfigurationError(
      `Run pipeline "${state.pipeline_name}" before dropping from it: it has no source yet`,
    );
  }
  const source: SourceState = ownValue(state.sources, sourceName) ?? {};
  const schema = schemas[sourceName];
  const known = new Set<string>(Object.keys(source.resources ?? {}));
  for (const table of Object.values(schema?.tables ?? {})) {
    if (table.resource) known.add(table.resource);
  }
  const warnings: string[] = [];
  const resources = new Set<string>();
  for (const pattern of options.resources ?? []) {
    const hits = [...known].filter((name) => matches(pattern, name));
    if (hits.length === 0) {
      warnings.push(
        `no resource of source "${sourceName}" matches ${
          typeof pattern === "string" ? JSON.stringify(pattern) : String(pattern)
        }`,
      );
    }
    for (const hit of hits) resources.add(hit);
  }
  const tables = options.stateOnly ? [] : Object.values(schema?.tables ?? {})
    .filter((table) => table.resource !== undefined && resources.has(table.resource))
    .map((table) => table.name)
    .sort();
  const resourceStates = [...resources].filter((name) =>
    ownValue(source.resources, name) !== undefined
  )
    .sort();
  const statePaths: string[] = [];
  for (const path of options.statePaths ?? []) {
    const parts = parsePath(path);
    if (parts[0] === "resources") {
      throw new ConfigurationError(
        `Drop resource state with the resources option, not the state path ${JSON.stringify(path)}`,
      );
    }
    if (hasPath(source, parts)) statePaths.push(path);
    else warnings.push(`source state of "${sourceName}" has no path ${JSON.stringify(path)}`);
  }
  return {
    sourceName,
    resources: [...resources].sort(),
    tables,
    resourceStates,
    statePaths,
    warnings,
    isEmpty: tables.length === 0 && resourceStates.length === 0 && statePaths.length === 0,
  };
}

/** Applies a plan to working copies of the state and schemas; returns the dropped tables. */
export function applyDrop(
  state: PipelineState,
  schemas: Map<string, Schema>,
  plan: DropPlan,
): DroppedTable[] {
  const source = ownValue(state.sources, plan.sourceName);
  if (source) {
    for (const name of plan.resourceStates) delete source.resources?.[name];
    for (const path of plan.statePaths) deletePath(source, parsePath(path));
  }
  return removeTables(schemas.get(plan.sourceName), plan.tables, true);
}

function removeTables(
  schema: Schema | undefined,
  names: readonly string[],
  fromSchema: boolean,
): DroppedTable[] {
  if (!schema) return [];
  const dropped: DroppedTable[] = [];
  for (const name of names) {
    const table = ownValue(schema.tables, name);
    if (!table) continue;
    dropped.push({ name, table: structuredClone(table) });
    if (fromSchema) delete schema.tables[name];
  }
  return dropped;
}

/**
 * Applies a refresh mode to one source about to be extracted, as dlt does: `drop_sources` wipes
 * the source's state and every table of its schema; `drop_resources` the tables and state of the
 * resources being run; `drop_data` truncates those tables and drops those resources' state but
 * keeps the schema. Returns the tables to reset.
 */
export function applyRefresh(
  state: PipelineState,
  sourceName: string,
  schema: Schema,
  resourceNames: readonly string[],
  mode: RefreshMode,
): DroppedTable[] {
  const sources = state.sources ??= {};
  if (mode === "drop_sources") {
    setOwn(sources, sourceName, { resources: {} });
    return removeTables(schema, Object.keys(schema.tables), true);
  }
  const names = new Set(resourceNames);
  const source = ownValue(sources, sourceName);
  for (const name of names) delete source?.resources?.[name];
  const tables = Object.values(schema.tables)
    .filter((table) => table.resource !== undefined && names.has(table.resource))
    .map((table) => table.name);
  return removeTables(schema, tables, mode === "drop_resources");
}
