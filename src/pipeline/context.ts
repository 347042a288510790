/**
 * The current run context: which pipeline, source and resource are running, and their state.
 * It lives in an `AsyncLocalStorage`; the extractor enters it around every `next()` of a
 * resource's iterator, so it holds across generator steps and across awaits inside them.
 *
 * @module
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import { type ResourceState, resourceStateOf, type SourceState } from "../state/state_document.ts";
import type { BoundIncremental } from "../incremental/incremental.ts";
import {
  type IncrementalScope,
  incrementalScope,
  type ScopedIncremental,
} from "../incremental/binding_scope.ts";
import { readOnlyView } from "./_read_only.ts";
import { ownChild, ownValue } from "../state/own_keys.ts";

/** What is running right now; also the incremental layer's binding scope. */
export interface RunContext extends IncrementalScope {
  /** The running `Pipeline` object (typed where it is handed out, in `current.ts`). */
  pipeline: unknown;
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

/** The current context, or `undefined` outside a run (or in code that left it). */
export function currentContext(): RunContext | undefined {
  return storage.getStore();
}

/** The writable source state of a context, created on first use. */
export function writableSourceState(context: RunContext): SourceState {
  return ownChild(context.sources, context.sourceName);
}

/** The source state as the context may see it: read-only in a source function. */
export function sourceStateFor(context: RunContext): SourceState {
  if (context.readOnly) {
    return readOnlyView(ownValue(context.sources, context.sourceName) ?? {});
  }
  return writableSourceState(context);
}

/** The resource state of the context's resource, created on first use. */
export function resourceStateFor(context: RunContext, resourceName: string): ResourceState {
  return resourceStateOf(writableSourceState(context), resourceName);
}
