/**
 * Step 4 of the run protocol, extract: runs the resources of each source inside their run
 * contexts, side by side (`_pull_loop.ts`), passes their rows through the incremental filter and
 * writes them into the current load package (`_row_writer.ts`). Nothing here touches the
 * committed state: resources write to the run's working copy, and a failure discards the
 * package and every state change of the run.
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
import { DEFAULT_SETTINGS, type ExtractSettings } from "./run_options.ts";
import { ResourceExtractor } from "./_row_writer.ts";
import { pullAll, type PullTarget } from "./_pull_loop.ts";
import { ownValue } from "../state/own_keys.ts";

export type { Checkpointer, ExtractPackage, ExtractRun, TableHints } from "./extract_run.ts";

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
    settings: ReadonlyMap<string, ExtractSettings>;
    signal?: AbortSignal;
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
    settings: options.settings,
    stopSignal: options.signal,
  };
}

/** How an extract ended: every source ran to its end, or the run's signal stopped it. */
export type ExtractOutcome = { stopped: false } | { stopped: true; reason: unknown };

/**
 * Extracts every source of the run, in order, and finishes the working state for the commit.
 * On failure the current package is discarded and the run fails with step `"extract"`. When the
 * run's signal aborts, pulling stops: with checkpoints the outcome says so and the rows written
 * so far are committed by the caller as the last checkpoint; without, the run fails with the
 * abort reason as the cause.
 */
export async function extractSources(
  env: PipelineEnv,
  run: ExtractRun,
  sources: readonly Source[],
): Promise<ExtractOutcome> {
  try {
    let stopped = false;
    for (const source of sources) {
      if ((stopped = await extractSource(source, run))) break;
    }
    if (stopped) {
      const reason = run.stopSignal!.reason;
      run.stop(reason);
      if (!run.checkpoint) throw new StopWithoutCheckpoints(reason);
      // A resource still in an await when the run stopped may write to the state it knows
      // once that await ends: the commit takes a copy that nothing else holds.
      run.state = cloneState(run.state);
      finishState(env, run.state, run);
      return { stopped: true, reason };
    }
    finishState(env, run.state, run);
    return { stopped: false };
  } catch (error) {
    run.stop(error);
    return await abandonPackage(
      env,
      run.pkg,
      error instanceof StopWithoutCheckpoints ? error.reason : error,
    );
  } finally {
    run.stop();
  }
}

/** The run was stopped and has no checkpoints to keep what it pulled. */
class StopWithoutCheckpoints extends Error {
  constructor(readonly reason: unknown) {
    super("stopped");
  }
}

/** Runs every selected resource of `source`; true when the run's signal stopped it. */
export async function extractSource(source: Source, run: ExtractRun): Promise<boolean> {
  if (run.stopSignal?.aborted) return true;
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
  const settings = run.settings.get(source.name) ?? DEFAULT_SETTINGS;
  const targets: PullTarget[] = [];
  try {
    for (const resource of resources) {
      targets.push(resourceTarget(resource, source.name, schema, run));
    }
    return await pullAll(targets, {
      ...settings,
      checkpoint: run.checkpoint,
      afterItem: run.afterItem,
      signal: run.stopSignal,
    });
  } finally {
    for (const target of targets) target.finish();
  }
}

function missingIncremental(resourceName: string): never {
  throw new ConfigurationError(
    `Declare options.incremental on resource "${resourceName}" before reading ctx.incremental`,
  );
}

/** Prepares `resource` to be pulled: its context, state reset, incremental and row writer. */
function resourceTarget(
  resource: Resource<object, unknown>,
  sourceName: string,
  schema: Schema,
  run: ExtractRun,
): PullTarget {
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
  // The resource's signal aborts when the run stops or when the resource is over.
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
  return {
    name,
    context,
    open: () => resource.call(resourceContext),
    write: (item) => extractor.writeItem(item, bound),
    get canClose() {
      return bound?.canClose ?? false;
    },
    finish(reason) {
      run.signal.removeEventListener("abort", onAbort);
      controller.abort(reason);
    },
  };
}
