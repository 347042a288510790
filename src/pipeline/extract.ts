/**
 * Step 4 of the run protocol, extract: runs each resource of each source inside its run context,
 * passes its rows through the incremental filter and writes them into the current load package
 * (`_row_writer.ts`). Nothing here touches the committed state: resources write to the run's
 * working copy, and a failure discards the package and every state change of the run.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import { cloneState, type PipelineState } from "../state/state_document.ts";
import { newSchema, type Schema } from "../destinations/schema.ts";
import type { BoundIncremental, Incremental } from "../incremental/incremental.ts";
import {
  resourceStateFor,
  type RunContext,
  runInContext,
  sourceStateFor,
  writableSourceState,
} from "./context.ts";
import type { Resource, ResourceContext } from "./resource.ts";
import type { Source } from "./source.ts";
import { applyRefresh } from "./drop.ts";
import type { PipelineEnv } from "./_env.ts";
import { finishState } from "./_finish_state.ts";
import { abandonPackage } from "./commit.ts";
import { type ExtractRun, newPackage, registerResets } from "./extract_run.ts";
import type { RunOptions } from "./options.ts";
import { ResourceExtractor } from "./_row_writer.ts";
import { ownValue } from "../state/own_keys.ts";

export type { ExtractPackage, ExtractRun, TableHints } from "./extract_run.ts";

/** A run ready to extract `sources` from the committed state `base`. */
export function newExtractRun(
  env: PipelineEnv,
  base: PipelineState,
  sources: readonly Source[],
  options: {
    schemas: Map<string, Schema>;
    startedAt: Date;
    refresh?: RunOptions["refresh"];
    pipeline: unknown;
  },
): ExtractRun {
  const stop = new AbortController();
  return {
    pipeline: options.pipeline,
    state: cloneState(base),
    base,
    sourceNames: sources.map((source) => source.name),
    pkg: newPackage(env.workingDir),
    schemas: options.schemas,
    resetDone: new Set(),
    refresh: options.refresh,
    startedAt: options.startedAt,
    signal: stop.signal,
    stop: (reason) => stop.abort(reason),
    warn: (message) => env.logger.warn(message),
  };
}

/**
 * Extracts every source of the run, in order, and finishes the working state for the commit.
 * On failure the current package is discarded and the run fails with step `"extract"`.
 */
export async function extractSources(
  env: PipelineEnv,
  run: ExtractRun,
  sources: readonly Source[],
): Promise<void> {
  try {
    for (const source of sources) await extractSource(source, run);
    finishState(env, run.state, run);
  } catch (error) {
    run.stop(error);
    await abandonPackage(env, run.pkg, error);
  } finally {
    run.stop();
  }
}

/** Runs every selected resource of `source`, in order. */
export async function extractSource(source: Source, run: ExtractRun): Promise<void> {
  const sources = run.state.sources ??= {};
  const sourceContext: RunContext = {
    pipeline: run.pipeline,
    sourceName: source.name,
    sources,
    readOnly: true,
  };
  const resources = await runInContext(
    sourceContext,
    () => source.resolve({ state: sourceStateFor(sourceContext) }),
  );
  let schema = run.schemas.get(source.name);
  if (schema && run.refresh) {
    // dlt applies a refresh only to sources the pipeline already knows.
    const dropped = applyRefresh(
      run.state,
      source.name,
      schema,
      resources.map((r) => r.name),
      run.refresh,
    );
    registerResets(run, source.name, dropped);
  }
  if (!schema) {
    schema = newSchema(source.name);
    run.schemas.set(source.name, schema);
  }
  for (const resource of resources) {
    await extractResource(resource, source.name, schema, run);
  }
}

function missingIncremental(resourceName: string): never {
  throw new ConfigurationError(
    `Declare options.incremental on resource "${resourceName}" before reading ctx.incremental`,
  );
}

function isSyncIterable(data: unknown): data is Iterable<unknown> {
  return data !== null && typeof data === "object" && !(Symbol.asyncIterator in data) &&
    !(data instanceof ReadableStream) && Symbol.iterator in data;
}

/** Yields the items of an async iterable (a stream included), stepping it inside `context`. */
async function* itemsOf(
  data: unknown,
  context: RunContext,
  resourceName: string,
): AsyncGenerator<unknown, void, undefined> {
  // A ReadableStream is an async iterable too; leaving its loop early cancels it.
  if (data !== null && typeof data === "object" && Symbol.asyncIterator in data) {
    const iterable = data as AsyncIterable<unknown>;
    const iterator = runInContext(context, () => iterable[Symbol.asyncIterator]());
    let finished = false;
    try {
      while (true) {
        const step = await runInContext(context, () => iterator.next());
        if (step.done) {
          finished = true;
          return;
        }
        yield step.value;
      }
    } finally {
      // Closing the generator runs its finally blocks (and return()) inside the context too.
      if (!finished) await runInContext(context, () => iterator.return?.());
    }
  }
  throw new ConfigurationError(
    `Return an iterable, an async iterable or a ReadableStream from resource "${resourceName}"`,
  );
}

async function extractResource(
  resource: Resource<object, unknown>,
  sourceName: string,
  schema: Schema,
  run: ExtractRun,
): Promise<void> {
  const name = resource.name;
  const context: RunContext = {
    pipeline: run.pipeline,
    sourceName,
    sources: run.state.sources!,
    readOnly: false,
    resourceName: name,
    warn: run.warn,
  };
  if (resource.writeDisposition === "replace") {
    // dlt: a replace resource starts every run with empty state, incremental included.
    const resources = ownValue(run.state.sources!, sourceName)?.resources;
    if (resources) delete resources[name];
  }
  let bound: BoundIncremental<unknown> | undefined;
  if (resource.incremental) {
    bound = resource.incremental.bind({
      resourceName: name,
      resourceState: resourceStateFor(context, name),
      // A single key column is passed as a string: dlt hashes `row[pk]`, not `[row[pk]]`.
      primaryKey: resource.primaryKey.length === 0
        ? undefined
        : resource.primaryKey.length === 1
        ? resource.primaryKey[0]
        : resource.primaryKey,
      runStartedAt: run.startedAt,
      warn: run.warn,
    });
    context.incrementals = new Map<Incremental<unknown>, BoundIncremental<unknown>>([
      [resource.incremental, bound],
    ]);
  }
  const extractor = new ResourceExtractor(resource, sourceName, schema, run);
  extractor.registerReplacedTable();
  const controller = new AbortController();
  const onAbort = () => controller.abort(run.signal.reason);
  run.signal.addEventListener("abort", onAbort, { once: true });
  const resourceContext: ResourceContext<object, unknown> = {
    get state() {
      return resourceStateFor(context, name);
    },
    get sourceState() {
      return writableSourceState(context);
    },
    get incremental(): BoundIncremental<unknown> {
      return bound ?? missingIncremental(name);
    },
    signal: controller.signal,
  };
  try {
    let data = runInContext(context, () => resource.call(resourceContext));
    if (data instanceof Promise) data = await data;
    const { beforeItem, afterItem } = run;
    if (isSyncIterable(data)) {
      // Arrays and sync generators: stepped without an await per item (beforeItem aside).
      const iterator = runInContext(context, () => data[Symbol.iterator]());
      const next = () => iterator.next();
      let finished = false;
      try {
        while (true) {
          const step = runInContext(context, next);
          if (step.done) {
            finished = true;
            break;
          }
          if (beforeItem) await beforeItem(name);
          const rows = extractor.writeItem(step.value, bound);
          afterItem?.(name, rows);
          if (bound?.canClose) break;
        }
      } finally {
        if (!finished) runInContext(context, () => iterator.return?.());
      }
      return;
    }
    for await (const item of itemsOf(data, context, name)) {
      if (beforeItem) await beforeItem(name);
      const rows = extractor.writeItem(item, bound);
      afterItem?.(name, rows);
      if (bound?.canClose) break;
    }
  } finally {
    run.signal.removeEventListener("abort", onAbort);
    controller.abort();
  }
}
