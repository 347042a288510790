/**
 * What `run()` does before it takes the lock: checks every option (an unknown or wrong one is a
 * `ConfigurationError` before anything is written) and turns what it was given — sources,
 * resources, plain rows, iterables, streams — into the list of sources to run.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import { validateName } from "../storage/names.ts";
import type { RunData, RunOptions } from "./options.ts";
import { checkWriteDisposition, primaryKeyColumns, Resource, resource } from "./resource.ts";
import { Source } from "./source.ts";

const RUN_OPTION_KEYS = new Set([
  "tableName",
  "writeDisposition",
  "primaryKey",
  "refresh",
  "wait",
  "checkpointEvery",
]);
const REFRESH_MODES = ["drop_sources", "drop_resources", "drop_data"];

/**
 * Checks `options` and returns the sources `data` stands for: standalone resources and plain
 * data go into one source named after the pipeline.
 */
export function prepareRun(data: RunData, options: RunOptions, pipelineName: string): Source[] {
  if (options === null || typeof options !== "object") {
    throw new ConfigurationError("Pass run() options as an object");
  }
  for (const key of Object.keys(options)) {
    if (!RUN_OPTION_KEYS.has(key)) {
      throw new ConfigurationError(
        `Remove unknown run() option "${key}": known options are ${
          [...RUN_OPTION_KEYS].join(", ")
        }`,
      );
    }
  }
  if (options.refresh !== undefined && !REFRESH_MODES.includes(options.refresh)) {
    throw new ConfigurationError(
      `Set refresh to "drop_sources", "drop_resources" or "drop_data": got ${
        JSON.stringify(options.refresh)
      }`,
    );
  }
  const checkpoint = options.checkpointEvery;
  if (
    checkpoint !== undefined &&
    (checkpoint === null || typeof checkpoint !== "object" ||
      !(checkpoint.rows === undefined || checkpoint.rows >= 1) ||
      !(checkpoint.seconds === undefined || checkpoint.seconds > 0) ||
      (checkpoint.rows === undefined && checkpoint.seconds === undefined))
  ) {
    throw new ConfigurationError(
      "Set checkpointEvery to { rows: n } and/or { seconds: s } with positive numbers",
    );
  }
  if (options.writeDisposition !== undefined) {
    checkWriteDisposition(options.writeDisposition, "run() option writeDisposition");
  }
  if (options.primaryKey !== undefined) primaryKeyColumns(options.primaryKey);
  if (options.tableName !== undefined) validateName("table", options.tableName);
  const overrides = {
    ...(options.tableName !== undefined ? { tableName: options.tableName } : {}),
    ...(options.writeDisposition !== undefined
      ? { writeDisposition: options.writeDisposition }
      : {}),
    ...(options.primaryKey !== undefined ? { primaryKey: options.primaryKey } : {}),
  };
  const hasOverrides = Object.keys(overrides).length > 0;
  // deno-lint-ignore no-explicit-any
  const withOverrides = (r: Resource<any, any>) => hasOverrides ? r.with(overrides) : r;

  const items: unknown[] = Array.isArray(data) && data.length > 0 &&
      data.every((d) => d instanceof Source || d instanceof Resource)
    ? data
    : [data];
  const sources: Source[] = [];
  // deno-lint-ignore no-explicit-any
  const standalone: Resource<any, any>[] = [];
  for (const item of items) {
    if (item instanceof Source) {
      sources.push(
        hasOverrides
          ? new Source(item.name, async (ctx) => (await item.resolve(ctx)).map(withOverrides))
          : item,
      );
    } else if (item instanceof Resource) standalone.push(withOverrides(item));
    else {
      if (options.tableName === undefined) {
        throw new ConfigurationError(
          "Pass run(rows, { tableName }) for plain data: the table name is missing",
        );
      }
      standalone.push(resource(item as Iterable<unknown>, {
        name: options.tableName,
        tableName: options.tableName,
        writeDisposition: options.writeDisposition,
        primaryKey: options.primaryKey,
      }));
    }
  }
  if (standalone.length > 0) sources.push(new Source(pipelineName, standalone));
  const names = new Set<string>();
  for (const source of sources) {
    if (names.has(source.name)) {
      throw new ConfigurationError(
        `Run each source once per call: "${source.name}" appears twice (standalone resources belong to the source "${pipelineName}")`,
      );
    }
    names.add(source.name);
  }
  return sources;
}
