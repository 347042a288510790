/**
 * The current run context: which pipeline, source and resource are running, and their state.
 * It lives in an `AsyncLocalStorage`; the extractor enters it around every `next()` of a
 * resource's iterator, so it holds across generator steps and across awaits inside them.
 *
 * @module
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import { StateNotAvailableError } from "../errors.ts";
import { type ResourceState, resourceStateOf, type SourceState } from "../state/state_document.ts";
import type { BoundIncremental } from "../incremental/incremental.ts";
import {
  type IncrementalScope,
  incrementalScope,
  type ScopedIncremental,
} from "../incremental/binding_scope.ts";
import { readOnlyView } from "./_read_only.ts";
import type { Pipeline } from "./pipeline.ts";

/** What is running right now; also the incremental layer's binding scope. */
export interface RunContext extends IncrementalScope {
  /** The running pipeline. */
  pipeline: Pipeline;
  /** The source name (the key under `state.sources`). */
  sourceName: string;
  /** The whole `sources` map of the working copy of the state. */
  sources: Record<string, SourceState>;
  /** True inside a source function, where source state is read-only. */
  readOnly: boolean;
  /** The running resource, if any. */
  resourceName?: string;
  /** The bound incrementals of the running resource. */
  incrementals?: Map<ScopedIncremental, BoundIncremental<unknown>>;
  /** Where warnings go. */
  warn?: (message: string) => void;
}

const storage = incrementalScope as AsyncLocalStorage<RunContext>;

// An incremental declared on the resource is bound by the extractor; one created inside the
// resource is bound here, on first use, to the running resource's state.
function resolveIncremental(
  context: RunContext,
  incremental: ScopedIncremental,
): BoundIncremental<unknown> | undefined {
  if (!context.resourceName || context.readOnly) return undefined;
  const bound = context.incrementals?.get(incremental);
  if (bound) return bound;
  const created = incremental.bind({
    resourceName: context.resourceName,
    resourceState: resourceStateFor(context, context.resourceName),
    warn: (message) => context.warn?.(message),
  });
  (context.incrementals ??= new Map()).set(incremental, created);
  return created;
}

/** Runs `fn` with `context` as the current context (and binding scope). */
export function runInContext<T>(context: RunContext, fn: () => T): T {
  context.resolveIncremental ??= (incremental) => resolveIncremental(context, incremental);
  return storage.run(context, fn);
}

/** The current context, or `undefined` outside a run. */
export function currentContext(): RunContext | undefined {
  return storage.getStore();
}

/** The writable source state of a context, created on first use. */
export function writableSourceState(context: RunContext): SourceState {
  return context.sources[context.sourceName] ??= {};
}

/** The source state as the context may see it: read-only in a source function. */
export function sourceStateFor(context: RunContext): SourceState {
  if (context.readOnly) {
    return readOnlyView(context.sources[context.sourceName] ?? {});
  }
  return writableSourceState(context);
}

/** The resource state of the context's resource, created on first use. */
export function resourceStateFor(context: RunContext, resourceName: string): ResourceState {
  return resourceStateOf(writableSourceState(context), resourceName);
}

/**
 * The type of {@linkcode current}.
 *
 * @example A helper that takes the run context
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * function nextPage(current: dlt.Current): number {
 *   const state = current.resourceState<{ page?: number }>();
 *   return (state.page = (state.page ?? 0) + 1);
 * }
 * const pages = dlt.resource(function* () {
 *   yield { page: nextPage(dlt.current) };
 * }, { name: "pages" });
 * try {
 *   nextPage(dlt.current); // outside a run
 * } catch (error) {
 *   console.log((error as Error).name); // StateNotAvailableError
 * }
 * ```
 */
export interface Current {
  /** The running resource's state (writable). */
  resourceState<T extends object = Record<string, unknown>>(): T;
  /** The running source's state (read-only in a source function). */
  sourceState<T extends object = Record<string, unknown>>(): T;
  /** The running pipeline. */
  pipeline(): Pipeline;
}

/**
 * Access to the running pipeline and its state from inside resources and sources, like dlt's
 * `dlt.current`.
 *
 * @example Keeping a high-water mark in resource state
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const events = dlt.resource(function* () {
 *   const state = dlt.current.resourceState<{ maxId?: number }>();
 *   const rows = [{ id: 1 }, { id: 2 }].filter((row) => row.id > (state.maxId ?? 0));
 *   yield rows;
 *   state.maxId = Math.max(state.maxId ?? 0, ...rows.map((row) => row.id));
 * }, { name: "events" });
 * ```
 */
export const current: Current = {
  /**
   * The running resource's state dictionary: writable, persisted when the run succeeds.
   * Throws {@linkcode StateNotAvailableError} outside a running resource.
   */
  resourceState<T extends object = Record<string, unknown>>(): T {
    const context = storage.getStore();
    if (!context?.resourceName || context.readOnly) {
      throw new StateNotAvailableError(
        "resourceState",
        "inside a resource's function or generator while pipeline.run() runs it",
      );
    }
    return resourceStateFor(context, context.resourceName) as T;
  },
  /**
   * The running source's state dictionary, shared by its resources: writable in resources,
   * read-only in the source function. Throws {@linkcode StateNotAvailableError} outside a run.
   */
  sourceState<T extends object = Record<string, unknown>>(): T {
    const context = storage.getStore();
    if (!context) {
      throw new StateNotAvailableError(
        "sourceState",
        "inside a source or resource while pipeline.run() runs it",
      );
    }
    return sourceStateFor(context) as T;
  },
  /** The running pipeline. Throws {@linkcode StateNotAvailableError} outside a run. */
  pipeline(): Pipeline {
    const context = storage.getStore();
    if (!context) {
      throw new StateNotAvailableError(
        "pipeline",
        "inside a source or resource while pipeline.run() runs it",
      );
    }
    return context.pipeline;
  },
};

/**
 * Deletes the state of resource `name` of the running source (dlt's `reset_resource_state`).
 * Works in a source function too: resetting is an explicit request, not a stray write.
 *
 * @example Starting a resource over
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const src = dlt.source("shop", () => {
 *   dlt.resetResourceState("orders");
 *   return [dlt.resource([{ id: 1 }], { name: "orders" })];
 * });
 * ```
 */
export function resetResourceState(name: string): void {
  const context = storage.getStore();
  if (!context) {
    throw new StateNotAvailableError(
      "resetResourceState",
      "inside a source or resource while pipeline.run() runs it",
    );
  }
  const resources = context.sources[context.sourceName]?.resources;
  if (resources) delete resources[name];
}
