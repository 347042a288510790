/**
 * Pulls the resources of one source side by side (dlt's `round_robin`) or one after the other
 * (`fifo`), and writes what they yield.
 *
 * Every resource is, at any moment, in one of these phases:
 *
 * - `held`: it yielded an item that is not written yet. An item is written just before the
 *   resource is asked for the next one, so a resource that waits its turn (or for a free slot)
 *   sits at a yield with its state as it stood when it yielded: that state and the rows written
 *   before the held item agree, which is what a checkpoint needs.
 * - `pulling`: an async `next()` is in flight (at most `maxParallelItems` at once); the
 *   resource's code may be anywhere between two yields.
 * - `idle` (ready for its first `next()`), `closing` (its `return()` runs) and `done`.
 *
 * Sync iterators (generators, arrays) are stepped without an await per item, one item from
 * each in turn; async ones have one `next()` each in flight, and results are taken in the order
 * they settle. While async pulls are in flight (or the run has a stop signal), a long run of
 * sync steps gives the event loop a turn every 20 ms (100 ms), so that fetches go on and the
 * signal is heard.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import { runInContext } from "./context.ts";
import {
  isAsyncIterable,
  isSyncIterable,
  isThenable,
  type Phase,
  type Puller,
  type PullOptions,
  type PullTarget,
  Settled,
} from "./_puller.ts";

export type { PullOptions, PullTarget } from "./_puller.ts";

/** Sync steps between two looks at the clock. */
const STEPS_PER_CLOCK_CHECK = 64;
/**
 * The longest run of sync steps while async pulls wait for the event loop, and while only a stop
 * signal does. A turn costs a millisecond or two (a zero timeout: the cheaper ways of yielding,
 * `setImmediate` or a `MessageChannel`, let neither timers nor sockets through).
 */
const SLICE_MS = 20;
const SIGNAL_SLICE_MS = 100;

/**
 * Pulls every target to its end and writes what they yield. Resolves `true` when `signal`
 * aborted first: nothing more was pulled, every resource was closed (those at a yield have
 * finished closing; a `next()` still in flight is not waited for) and the items they held were
 * not written. Rejects with the first failure, after closing every resource and waiting for it.
 */
export async function pullAll(
  targets: readonly PullTarget[],
  options: PullOptions,
): Promise<boolean> {
  const loop = new PullLoop(options);
  if (options.nextItemMode === "fifo") {
    for (const target of targets) {
      if (await loop.drive([target])) return true;
    }
    return false;
  }
  return await loop.drive(targets);
}

/** How long a failing run waits for resources still inside a step to close. */
export const FAILURE_GRACE_MS = 2_000;

class PullLoop {
  readonly #options: PullOptions;
  readonly #all: Puller[] = [];
  /** Sync pullers of the current drive, in declaration order. */
  #sync: Puller[] = [];
  /** Async pullers waiting for a slot to write their held item and ask again, oldest first. */
  #slotQueue: Puller[] = [];
  /** Pullers whose promise settled, in the order they settled (and a spare list to swap in). */
  #settled: Puller[] = [];
  #spare: Puller[] = [];
  /** Async `next()` calls (and resource functions' promises) in flight. */
  #inFlight = 0;
  /** Async closes in flight. */
  #closing = 0;
  /** Pullers of the current drive that are done. */
  #done = 0;
  /** A sync puller finished since the ring was last pruned. */
  #syncDone = false;
  #failure: { error: unknown } | undefined;
  #wakeUp: (() => void) | undefined;
  #sliceStart = performance.now();
  #steps = 0;

  constructor(options: PullOptions) {
    this.#options = options;
  }

  get #stopped(): boolean {
    return this.#options.signal?.aborted ?? false;
  }

  #wake = (): void => {
    const wakeUp = this.#wakeUp;
    this.#wakeUp = undefined;
    wakeUp?.();
  };

  #sleep(): Promise<void> {
    return new Promise((resolve) => (this.#wakeUp = resolve));
  }

  /** Gives timers and I/O a turn (a resolved promise would not). */
  #yieldToEventLoop(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 0));
  }

  /** Pulls `targets` side by side until all are done; true when stopped by the signal. */
  async drive(targets: readonly PullTarget[]): Promise<boolean> {
    const signal = this.#options.signal;
    signal?.addEventListener("abort", this.#wake);
    try {
      if (this.#stopped) return this.#stop();
      const pullers = targets.map((target): Puller => ({
        target,
        phase: "idle",
        sync: false,
        held: undefined,
        settled: Settled.Nothing,
        result: undefined,
      }));
      this.#all.push(...pullers);
      this.#sync = [];
      this.#done = 0;
      for (const puller of pullers) this.#open(puller);
      const [only] = pullers;
      if (pullers.length !== 1 || only.phase !== "idle") await this.#loop(pullers);
      else if (only.sync) await this.#syncAlone(only);
      else await this.#asyncAlone(only);
      return this.#stopped ? this.#stop() : false;
    } catch (error) {
      await this.#fail(error);
      throw error;
    } finally {
      signal?.removeEventListener("abort", this.#wake);
    }
  }

  async #loop(pullers: readonly Puller[]): Promise<void> {
    const max = this.#options.maxParallelItems;
    while (true) {
      if (this.#failure) throw this.#failure.error;
      if (this.#done === pullers.length) return;
      if (this.#stopped) return;
      let progressed = this.#takeSettled();
      // Async resources: write what each holds and ask it again, oldest first, while slots last.
      while (this.#slotQueue.length > 0 && this.#inFlight < max) {
        const puller = this.#slotQueue.shift()!;
        if (puller.phase === "held") {
          if (this.#options.checkpoint?.due()) {
            this.#slotQueue.unshift(puller);
            await this.#checkpoint();
            if (this.#failure || this.#stopped) break;
            this.#slotQueue.shift();
          }
          this.#write(puller);
        }
        if (puller.phase === "idle") this.#ask(puller);
        progressed = true;
      }
      // Sync resources: one item from each in turn.
      for (const puller of this.#sync) {
        if (puller.phase === "held") {
          if (this.#options.checkpoint?.due()) {
            await this.#checkpoint();
            if (this.#failure || this.#stopped) break;
          }
          this.#write(puller);
        }
        if (puller.phase === "idle") this.#step(puller);
        progressed = true;
      }
      if (this.#syncDone) {
        this.#syncDone = false;
        this.#sync = this.#sync.filter((puller) => puller.phase !== "done");
      }
      if (!progressed) await this.#sleep();
      else if (this.#sync.length > 0 && this.#sliceOver()) await this.#yieldToEventLoop();
    }
  }

  /**
   * One sync resource and nothing else: the same steps as {@linkcode PullLoop.#loop}, as a
   * tight loop (no await unless a checkpoint is due or the stop signal needs a turn).
   */
  async #syncAlone(puller: Puller): Promise<void> {
    const checkpoint = this.#options.checkpoint;
    const next = puller.next!;
    const context = puller.target.context;
    while (true) {
      const step = runInContext(context, next) as IteratorResult<unknown>;
      if (step.done) return this.#finish(puller);
      puller.held = step.value;
      puller.phase = "held";
      // The held item is written just before the next one is asked for, never before a turn of
      // the event loop: a stop heard in that turn leaves it unwritten, and the rows written then
      // agree with the state the generator stands at.
      if (this.#sliceOver()) {
        await this.#yieldToEventLoop();
        if (this.#stopped) return;
      }
      if (checkpoint?.due()) await checkpoint.commit(); // nothing else is between two yields
      if (this.#stopped) return;
      this.#write(puller);
      if ((puller.phase as Phase) === "done") return; // closed: an incremental out of range
    }
  }

  /**
   * One async resource and nothing else: each `next()` awaited in turn, or until the stop signal
   * aborts, when there is one. (Not with `Promise.race` against one promise of the abort: every
   * race would leave a reaction on that promise, pending until the end of the run, one per item.)
   */
  async #asyncAlone(puller: Puller): Promise<void> {
    this.#slotQueue = [];
    const checkpoint = this.#options.checkpoint;
    const next = puller.next!;
    const context = puller.target.context;
    const signal = this.#options.signal;
    let abortStep: ((stopped: undefined) => void) | undefined;
    const onAbort = () => abortStep?.(undefined);
    signal?.addEventListener("abort", onAbort, { once: true });
    const untilStopped = (step: Promise<IteratorResult<unknown>>) =>
      new Promise<IteratorResult<unknown> | undefined>((resolve, reject) => {
        abortStep = resolve;
        if (signal!.aborted) resolve(undefined);
        step.then(resolve, reject);
      });
    try {
      while (true) {
        const promise = runInContext(context, next) as Promise<IteratorResult<unknown>>;
        puller.phase = "pulling";
        this.#inFlight++;
        let step: IteratorResult<unknown> | undefined;
        try {
          step = signal ? await untilStopped(promise) : await promise;
        } finally {
          abortStep = undefined;
          this.#inFlight--;
        }
        if (step === undefined || this.#stopped) return;
        if (step.done) return this.#finish(puller);
        puller.held = step.value;
        puller.phase = "held";
        if (checkpoint?.due()) await checkpoint.commit(); // nothing else is between two yields
        if (this.#stopped) return;
        this.#write(puller);
        const phase = puller.phase as Phase;
        if (phase === "done") return;
        if (phase === "closing") {
          // Closed (an incremental out of range): not pulled again, whatever its next() would do.
          await puller.pending;
          if (this.#failure) throw this.#failure.error;
          return;
        }
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** True when sync steps ran for a slice while something else waits for the event loop. */
  #sliceOver(): boolean {
    if (++this.#steps < STEPS_PER_CLOCK_CHECK) return false;
    this.#steps = 0;
    const waiting = this.#inFlight + this.#closing > 0;
    if (!waiting && this.#options.signal === undefined) return false;
    const now = performance.now();
    if (now - this.#sliceStart < (waiting ? SLICE_MS : SIGNAL_SLICE_MS)) return false;
    this.#sliceStart = now;
    return true;
  }

  /** Calls the resource function and makes the puller ready for its first `next()`. */
  #open(puller: Puller): void {
    const { target } = puller;
    const data = runInContext(target.context, () => target.open());
    if (!isThenable(data)) return this.#startIterating(puller, data);
    puller.phase = "pulling";
    this.#inFlight++;
    puller.pending = Promise.resolve(data).then(
      (value) => this.#settle(puller, Settled.Data, value),
      (error) => this.#settle(puller, Settled.Error, error),
    );
  }

  #startIterating(puller: Puller, data: unknown): void {
    const { target } = puller;
    if (isSyncIterable(data)) {
      const iterator = runInContext(target.context, () => data[Symbol.iterator]());
      puller.iterator = iterator;
      puller.next = () => iterator.next();
      puller.sync = true;
      puller.phase = "idle";
      this.#sync.push(puller);
    } else if (isAsyncIterable(data)) {
      const iterator = runInContext(target.context, () => data[Symbol.asyncIterator]());
      puller.iterator = iterator;
      puller.next = () => iterator.next();
      puller.onStep = (step) => this.#settle(puller, Settled.Step, step);
      puller.onError = (error) => this.#settle(puller, Settled.Error, error);
      puller.phase = "idle";
      this.#slotQueue.push(puller);
    } else {
      throw new ConfigurationError(
        `Return an iterable, an async iterable or a ReadableStream from resource "${target.name}"`,
      );
    }
  }

  #settle(puller: Puller, settled: Settled, result: unknown): void {
    this.#inFlight--;
    if (puller.phase !== "pulling") return; // abandoned when the run stopped
    puller.settled = settled;
    puller.result = result;
    this.#settled.push(puller);
    this.#wake();
  }

  /** Moves what settled into the pullers' phases; true when anything did. */
  #takeSettled(): boolean {
    const settled = this.#settled;
    if (settled.length === 0) return false;
    this.#settled = this.#spare;
    for (let i = 0; i < settled.length; i++) {
      const puller = settled[i];
      const result = puller.result;
      const kind = puller.settled;
      puller.settled = Settled.Nothing;
      puller.result = undefined;
      if (kind === Settled.Step) {
        const step = result as IteratorResult<unknown>;
        if (step.done) this.#finish(puller);
        else {
          puller.held = step.value;
          puller.phase = "held";
          this.#slotQueue.push(puller);
        }
      } else if (kind === Settled.Data) {
        this.#startIterating(puller, result);
      } else {
        this.#failure ??= { error: result };
        this.#finish(puller);
      }
    }
    settled.length = 0;
    this.#spare = settled;
    return true;
  }

  #ask(puller: Puller): void {
    const promise = runInContext(puller.target.context, puller.next!);
    puller.phase = "pulling";
    this.#inFlight++;
    (promise instanceof Promise ? promise : Promise.resolve(promise))
      .then(puller.onStep, puller.onError);
  }

  #step(puller: Puller): void {
    const step = runInContext(puller.target.context, puller.next!) as IteratorResult<unknown>;
    if (step.done) {
      this.#finish(puller);
    } else {
      puller.held = step.value;
      puller.phase = "held";
    }
  }

  #write(puller: Puller): void {
    const { target } = puller;
    const item = puller.held;
    puller.held = undefined;
    puller.phase = "idle";
    const rows = target.write(item);
    this.#options.afterItem?.(target.name, rows);
    if (target.canClose) this.#close(puller);
  }

  /** Closes a resource that need not run to its end; its `finally` blocks run. */
  #close(puller: Puller): void {
    const { target } = puller;
    const iterator = puller.iterator!;
    if (puller.sync) {
      runInContext(target.context, () => iterator.return?.());
      this.#finish(puller);
      return;
    }
    puller.phase = "closing";
    this.#closing++;
    puller.pending = Promise.resolve(runInContext(target.context, () => iterator.return?.()))
      .then(
        () => {},
        (error) => void (this.#failure ??= { error }),
      ).finally(() => {
        this.#closing--;
        if (puller.phase === "closing") this.#finish(puller);
        this.#wake();
      });
  }

  #finish(puller: Puller): void {
    puller.phase = "done";
    this.#done++;
    if (puller.sync) this.#syncDone = true;
    puller.target.finish();
  }

  /**
   * Commits a checkpoint once no resource is between two yields: those in flight are waited for
   * (what they yield is held, not written), nothing new is asked meanwhile.
   */
  async #checkpoint(): Promise<void> {
    while (this.#inFlight + this.#closing > 0) {
      await this.#sleep();
      this.#takeSettled();
      if (this.#failure || this.#stopped) return;
    }
    await this.#options.checkpoint!.commit();
  }

  /**
   * Ends a resource for good (a stop or a failure): its held item is dropped and its `ctx.signal`
   * aborted with `reason`. Returns the phase it was in.
   */
  #end(puller: Puller, reason: unknown): Phase {
    const phase = puller.phase;
    puller.phase = "done";
    puller.held = undefined;
    puller.target.finish(reason);
    return phase;
  }

  /** Closes a resource's iterator (its `return()`, in its context) on a later microtask. */
  #returnLater(puller: Puller): Promise<unknown> {
    const { target, iterator } = puller;
    return Promise.resolve().then(() => runInContext(target.context, () => iterator?.return?.()));
  }

  /**
   * The signal aborted: held items are dropped; resources at a yield are closed and waited for;
   * a `next()` in flight is not waited for (its resource is closed when it settles).
   */
  async #stop(): Promise<boolean> {
    const closes: Promise<unknown>[] = [];
    for (const puller of this.#all) {
      const phase = this.#end(puller, this.#options.signal?.reason);
      if (phase === "done" || phase === "closing" || !puller.iterator) continue;
      const close = this.#returnLater(puller).catch(() => {});
      if (phase !== "pulling") closes.push(close);
    }
    await Promise.all(closes);
    return true;
  }

  /**
   * A failure: every resource is closed and its `ctx.signal` aborted; the closes are waited for
   * (their finally blocks run before the run fails). One whose `next()` is still running
   * (awaiting something that does not listen to its signal) is closed as soon as that step
   * settles, and waited for at most {@linkcode FAILURE_GRACE_MS}: a resource that hangs cannot
   * hold up the failure of another for longer.
   */
  async #fail(error: unknown): Promise<void> {
    this.#failure ??= { error };
    const waits: Promise<unknown>[] = [];
    const inFlight: Promise<unknown>[] = [];
    for (const puller of this.#all) {
      const phase = this.#end(puller, this.#failure.error);
      if (phase === "closing") {
        if (puller.pending) waits.push(puller.pending);
      } else if (phase === "pulling") {
        const close = () => this.#returnLater(puller);
        inFlight.push(Promise.resolve(puller.pending).then(close, close).catch(() => {}));
      } else if (phase !== "done" && puller.iterator) {
        waits.push(this.#returnLater(puller));
      }
    }
    await Promise.allSettled(waits);
    if (inFlight.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled(inFlight),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, FAILURE_GRACE_MS))),
    ]);
    clearTimeout(timer);
  }
}
