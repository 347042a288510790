/**
 * What `run()` does before it takes the lock: checks every option (an unknown or wrong one is a
 * `ConfigurationError` before anything is written) and turns what it was given — sources,
 * resources, plain rows, iterables, streams — into the list of sources to run.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import { shown } from "./_check_options.ts";
import { validateName } from "../storage/names.ts";
import { type ConfigResolver, describeOrigin, sharedConfigResolver } from "../config/resolver.ts";
import type { NextItemMode, RunData, RunOptions } from "./options.ts";
import { checkWriteDisposition, primaryKeyColumns, Resource, resource } from "./resource.ts";
import { Source } from "./source.ts";

const RUN_OPTION_KEYS = new Set([
  "tableName",
  "writeDisposition",
  "primaryKey",
  "refresh",
  "wait",
  "checkpointEvery",
  "nextItemMode",
  "maxParallelItems",
  "signal",
]);
const REFRESH_MODES = ["drop_sources", "drop_resources", "drop_data"];
const NEXT_ITEM_MODES: readonly NextItemMode[] = ["round_robin", "fifo"];

function checkNextItemMode(value: unknown, where: string): NextItemMode {
  if (!NEXT_ITEM_MODES.includes(value as NextItemMode)) {
    throw new ConfigurationError(
      `Set ${where} to "round_robin" or "fifo": got ${JSON.stringify(value)?.slice(0, 40)}`,
    );
  }
  return value as NextItemMode;
}

function checkMaxParallelItems(value: unknown, where: string): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new ConfigurationError(
      `Set ${where} to a whole number of 1 or more: got ${JSON.stringify(value)?.slice(0, 40)}`,
    );
  }
  return n;
}

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
  const wait = options.wait;
  if (
    wait !== undefined && typeof wait !== "boolean" &&
    !(wait !== null && typeof wait === "object" && typeof wait.timeoutMs === "number" &&
      wait.timeoutMs >= 0)
  ) {
    throw new ConfigurationError(
      `Set wait to true, false or { timeoutMs: n }: got ${shown(wait)}`,
    );
  }
  const checkpoint = options.checkpointEvery;
  if (
    checkpoint !== undefined &&
    (checkpoint === null || typeof checkpoint !== "object" ||
      !(checkpoint.rows === undefined ||
        (typeof checkpoint.rows === "number" && checkpoint.rows >= 1)) ||
      !(checkpoint.seconds === undefined ||
        (typeof checkpoint.seconds === "number" && checkpoint.seconds > 0)) ||
      (checkpoint.rows === undefined && checkpoint.seconds === undefined))
  ) {
    throw new ConfigurationError(
      `Set checkpointEvery to { rows: n } and/or { seconds: s } with positive numbers: got ${
        shown(checkpoint)
      }`,
    );
  }
  if (options.nextItemMode !== undefined) {
    checkNextItemMode(options.nextItemMode, "run() option nextItemMode");
  }
  if (options.maxParallelItems !== undefined) {
    checkMaxParallelItems(options.maxParallelItems, "run() option maxParallelItems");
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new ConfigurationError(
      "Pass an AbortSignal as run() option signal (from an AbortController or AbortSignal.timeout())",
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

/** How one source's resources are pulled. */
export interface ExtractSettings {
  /** `"round_robin"`: side by side; `"fifo"`: one resource after the other. */
  nextItemMode: NextItemMode;
  /** At most this many `next()` calls of async resources are in flight at once. */
  maxParallelItems: number;
}

/** dlt's defaults (`PipeIteratorConfiguration`). */
export const DEFAULT_SETTINGS: ExtractSettings = {
  nextItemMode: "round_robin",
  maxParallelItems: 20,
};

/**
 * The extract settings of each source, resolved as dlt resolves them: the run option wins; then
 * the configuration, most specific key first (`sources.<source>.extract.<key>`,
 * `sources.extract.<key>`, `extract.<key>`, each also under `<pipeline>.` and tried first so),
 * from the environment (`EXTRACT__NEXT_ITEM_MODE`, `SOURCES__GITHUB__EXTRACT__MAX_PARALLEL_ITEMS`,
 * …) and then `.dlt/*.yaml`; then dlt's defaults, `"round_robin"` and 20. A configured value that
 * is not valid is a `ConfigurationError` naming where it was set.
 */
export function resolveExtractSettings(
  options: Pick<RunOptions, "nextItemMode" | "maxParallelItems">,
  pipelineName: string,
  sourceNames: readonly string[],
  resolver: ConfigResolver = sharedConfigResolver(),
): Map<string, ExtractSettings> {
  const settings = new Map<string, ExtractSettings>();
  for (const source of sourceNames) {
    const keys = (key: string) => {
      const plain = [
        `sources.${source}.extract.${key}`,
        `sources.extract.${key}`,
        `extract.${key}`,
      ];
      return [...plain.map((k) => `${pipelineName}.${k}`), ...plain];
    };
    const configured = <T>(key: string, check: (value: unknown, where: string) => T) => {
      const found = resolver.locate(keys(key));
      return found === undefined
        ? undefined
        : check(found.value, `extract.${key} in ${describeOrigin(found.origin)}`);
    };
    settings.set(source, {
      nextItemMode: options.nextItemMode ??
        configured("next_item_mode", checkNextItemMode) ?? DEFAULT_SETTINGS.nextItemMode,
      maxParallelItems: options.maxParallelItems ??
        configured("max_parallel_items", checkMaxParallelItems) ??
        DEFAULT_SETTINGS.maxParallelItems,
    });
  }
  return settings;
}
