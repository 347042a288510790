/**
 * What the pull loop (`_pull_loop.ts`) pulls: the contract of a resource ready to be pulled, the
 * options of a pull, and the record the loop keeps of each resource while it runs.
 *
 * @module
 */
import type { RunContext } from "./context.ts";
import type { Checkpointer } from "./extract_run.ts";
import type { NextItemMode } from "./options.ts";

/** One resource, ready to be pulled. */
export interface PullTarget {
  /** The resource name. */
  readonly name: string;
  /** Its run context, entered around every call into its code. */
  readonly context: RunContext;
  /** Calls the resource function; returns its data (an iterable, a stream) or a Promise of it. */
  open(): unknown;
  /** Writes one yielded item; returns the rows written. */
  write(item: unknown): number;
  /** True when the resource may be closed early (an incremental out of range). */
  readonly canClose: boolean;
  /**
   * The resource is over (done, closed, stopped or failed): its `ctx.signal` aborts, with
   * `reason` (the stop reason, the failure) when there is one.
   */
  finish(reason?: unknown): void;
}

/** How `pullAll` (`_pull_loop.ts`) pulls. */
export interface PullOptions {
  /** `"round_robin"` side by side, `"fifo"` one after the other. */
  nextItemMode: NextItemMode;
  /** Async `next()` calls in flight at most. */
  maxParallelItems: number;
  /** Checkpoints, if the run asked for them. */
  checkpoint?: Checkpointer;
  /** Called after each item is written. */
  afterItem?: (resource: string, rows: number) => void;
  /** When it aborts, pulling stops (see `pullAll` (`_pull_loop.ts`)). */
  signal?: AbortSignal;
}

/** Where a resource is (see `_pull_loop.ts`). */
export type Phase = "idle" | "held" | "pulling" | "closing" | "done";

/** What settled while a puller was `pulling`, not looked at yet. */
export const enum Settled {
  Nothing,
  /** `result` is the `IteratorResult` of a `next()`. */
  Step,
  /** `result` is what the resource function's promise resolved to. */
  Data,
  /** `result` is what a `next()` or the function's promise rejected with. */
  Error,
}

/** The loop's record of one resource. */
export interface Puller {
  readonly target: PullTarget;
  phase: Phase;
  /** Set once the resource function returned something iterable. */
  iterator?: Iterator<unknown> | AsyncIterator<unknown>;
  /** `iterator.next()`, bound once (it is called inside the resource's context). */
  next?: () => unknown;
  sync: boolean;
  /** The yielded item, while `held`. */
  held: unknown;
  settled: Settled;
  result: unknown;
  /** The handlers of an async `next()`, made once. */
  onStep?: (step: unknown) => void;
  onError?: (error: unknown) => void;
  /** The resource function's promise, or a close in flight, to wait for on a failure. */
  pending?: Promise<unknown>;
}

/** An iterable stepped without an await (a generator, an array; not a stream). */
export function isSyncIterable(data: unknown): data is Iterable<unknown> {
  return data !== null && typeof data === "object" && !(Symbol.asyncIterator in data) &&
    !(data instanceof ReadableStream) && Symbol.iterator in data;
}

/** An async iterable (an async generator, a `ReadableStream`). */
export function isAsyncIterable(data: unknown): data is AsyncIterable<unknown> {
  // A ReadableStream is an async iterable too; its iterator's return() cancels it.
  return data !== null && typeof data === "object" && Symbol.asyncIterator in data;
}

/** A Promise or anything with a `then`. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}
