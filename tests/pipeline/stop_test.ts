import assert from "node:assert/strict";
import { join } from "node:path";
import * as dlt from "../../mod.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";
import { assertEachIdOnce, assertStatesAgree } from "../helpers/invariants.ts";
import { signalAfter, spawnFixture } from "../helpers/child.ts";

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Waits `ms`, or less when `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * Pages 0 … 9 of three ids into table `items`, the next page in resource state after each
 * yield (the guide's checkpoint pattern), each page after an await that listens to `ctx.signal`.
 * `onPage(page)` runs right after a page is yielded.
 */
function pages(onPage: (page: number) => void = () => {}) {
  return dlt.resource(async function* ({ signal }) {
    const state = dlt.current.resourceState<{ nextPage?: number }>();
    for (let page = state.nextPage ?? 0; page < 10; page++) {
      await abortableSleep(1, signal);
      yield [{ id: page * 3 + 1 }, { id: page * 3 + 2 }, { id: page * 3 + 3 }];
      state.nextPage = page + 1;
      onPage(page);
    }
  }, { name: "items" });
}

Deno.test("run() stopped by its signal with checkpoints commits what was yielded and returns stopped, and the next run loads the rest once", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("stopped");
  const controller = new AbortController();
  const events: dlt.ProgressEvent[] = [];
  const watched = world.pipeline("stopped", { progress: (event) => events.push(event) });
  const info = await watched.run(pages((page) => page === 3 && controller.abort("eviction")), {
    checkpointEvery: { rows: 100 },
    signal: controller.signal,
  });
  assert.equal(info.stopped, true);
  assert.equal(info.stopReason, "eviction");
  assert.deepEqual(info.rowCounts, { items: 12 });
  assert.match(String(info), /stopped by the signal: eviction/);
  assert.deepEqual(pipeline.state.sources!.stopped.resources!.items, { nextPage: 4 });
  const last = events.at(-1)!;
  assert.equal(last.stage, "stopped");
  assert.match(
    last.message,
    /^stopped by the signal \(eviction\): committed 12 row\(s\) in 1 load/,
  );
  const rest = await pipeline.run(pages(), { checkpointEvery: { rows: 100 } });
  assert.equal(rest.stopped, false);
  assert.deepEqual(rest.rowCounts, { items: 18 });
  await assertEachIdOnce(pipeline, 30);
  await assertStatesAgree(pipeline);
});

Deno.test("run() stopped by its signal without checkpoints fails with the abort reason and persists nothing", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("no_checkpoints");
  await pipeline.run(dlt.resource([{ id: 0 }], { name: "seed" }));
  const before = await world.snapshot();
  const controller = new AbortController();
  const reason = new Error("the isolate is being evicted");
  const events: dlt.ProgressEvent[] = [];
  const watched = world.pipeline("no_checkpoints", { progress: (event) => events.push(event) });
  const error = await watched.run(pages((page) => page === 2 && controller.abort(reason)), {
    signal: controller.signal,
  }).catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed);
  assert.equal(error.step, "extract");
  assert.equal(error.cause, reason);
  assert.deepEqual(await world.snapshot(), before);
  assert.deepEqual(events.slice(-2).map((event) => event.stage), ["stopped", "failed"]);
  assert.match(
    events.at(-2)!.message,
    /stopped by the signal \(Error: the isolate is being evicted\) with no checkpoints: nothing of this run is committed/,
  );
});

Deno.test("run() with an already aborted signal fails before anything is written", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("aborted");
  const signal = AbortSignal.abort("too late");
  let called = false;
  const rows = dlt.resource(function* () {
    called = true;
    yield { id: 1 };
  }, { name: "rows" });
  const error = await pipeline.run(rows, { signal, checkpointEvery: { rows: 1 } })
    .catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed);
  assert.equal(error.cause, "too late");
  assert.equal(called, false);
  assert.deepEqual(await world.snapshot(), new Map());
  await assert.rejects(Deno.stat(join(world.pipelinesDir, "aborted")), Deno.errors.NotFound);
});

Deno.test("run() stops without waiting for a resource blocked in a long await that ignores the signal", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("blocked");
  const controller = new AbortController();
  const blocked = gate();
  const release = gate();
  const closed = gate();
  let resumed = false;
  let signalAborted = false;
  const stuck = dlt.resource(async function* ({ signal }) {
    const state = dlt.current.resourceState<{ nextPage?: number }>();
    try {
      for (let page = state.nextPage ?? 0; page < 10; page++) {
        yield [{ id: page * 3 + 1 }, { id: page * 3 + 2 }, { id: page * 3 + 3 }];
        state.nextPage = page + 1;
        if (page === 1) {
          blocked.open();
          await release.opened; // a fetch without the signal, a lock, a slow disk…
          resumed = true;
        }
      }
    } finally {
      signalAborted = signal.aborted;
      closed.open();
    }
  }, { name: "items" });
  const running = pipeline.run(stuck, {
    checkpointEvery: { seconds: 3600 },
    signal: controller.signal,
  });
  await blocked.opened;
  controller.abort("SIGINT");
  const info = await running;
  // The run committed and returned while the resource is still in its await.
  assert.equal(resumed, false);
  assert.equal(info.stopped, true);
  assert.deepEqual(info.rowCounts, { items: 6 });
  assert.deepEqual(pipeline.state.sources!.blocked.resources!.items, { nextPage: 2 });
  // When the await ends, the resource is closed: its finally block runs, its signal aborted.
  release.open();
  await closed.opened;
  assert.equal(resumed, true);
  assert.equal(signalAborted, true);
  assert.equal(await pipeline.dataset().table("items").count(), 6);
});

Deno.test("run() stopped by its signal aborts every resource's ctx.signal with the reason, and closes sync generators at their yield", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("signals");
  const controller = new AbortController();
  const reasons: unknown[] = [];
  let syncClosed = false;
  const waiting = dlt.resource(async function* ({ signal }) {
    try {
      yield { id: 1 };
      await abortableSleep(60_000, signal);
    } finally {
      reasons.push(signal.reason);
    }
  }, { name: "waiting" });
  // Pages 0, 1, 2, … until stopped, the next page in state after each yield.
  const endless = dlt.resource(function* () {
    const state = dlt.current.resourceState<{ nextPage?: number }>();
    try {
      for (let page = state.nextPage ?? 0; page < 1_000_000; page++) {
        // The deadline runs from the first item, so that some rows are there to commit.
        if (page === 0) setTimeout(() => controller.abort("deadline"), 30);
        yield { id: page + 1 };
        state.nextPage = page + 1;
      }
    } finally {
      syncClosed = true;
    }
  }, { name: "endless", tableName: "items" });
  const info = await pipeline.run(dlt.source("api", [waiting, endless]), {
    checkpointEvery: { rows: 10_000 },
    signal: controller.signal,
  });
  assert.equal(info.stopped, true);
  assert.deepEqual(reasons, ["deadline"]);
  assert.equal(syncClosed, true);
  // The sync generator's state and rows agree: the rows committed are pages 0 … nextPage - 1.
  const committed = await pipeline.dataset().table("items").count();
  const endlessState = pipeline.state.sources!.api.resources!.endless as { nextPage: number };
  assert.ok(committed > 0);
  assert.equal(endlessState.nextPage, committed);
  await assertEachIdOnce(pipeline, committed);
});

Deno.test("a run stopped by SIGINT in a real process commits at once and the next run loads the rest once", async () => {
  await using world = await TempWorld.create();
  const child = spawnFixture("stop_on_sigint", [world.root]);
  const { out } = await signalAfter(child, "blocked\n", "SIGINT");
  const status = await child.status;
  await child.stderr.cancel();
  assert.equal(status.code, 0, out);
  const info = JSON.parse(out.split("\n").find((line) => line.startsWith("{"))!);
  assert.equal(info.stopped, true);
  assert.equal(info.stopReason, "SIGINT");
  assert.deepEqual(info.rowCounts, { items: 6 });
  const pipeline = world.pipeline("sigint");
  const rest = await pipeline.run(pages());
  assert.deepEqual(rest.rowCounts, { items: 24 });
  await assertEachIdOnce(pipeline, 30);
  await assertStatesAgree(pipeline);
});

Deno.test("run() stops a lone sync generator at its yield: its rows and state agree", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("sync_alone");
  const controller = new AbortController();
  const endless = () =>
    dlt.resource(function* () {
      const state = dlt.current.resourceState<{ nextPage?: number }>();
      const first = state.nextPage ?? 0;
      for (let page = first; page < 200_000; page++) {
        // The deadline is 20 ms after the first item (not after run() starts: on a loaded
        // machine the run may not have reached its first item by then); the timer can only fire
        // if the loop of sync steps gives the event loop a turn.
        if (page === first && !controller.signal.aborted) {
          setTimeout(() => controller.abort("deadline"), 20);
        }
        yield { id: page + 1 };
        state.nextPage = page + 1;
      }
    }, { name: "items" });
  const info = await pipeline.run(endless(), {
    checkpointEvery: { rows: 10_000 },
    signal: controller.signal,
  });
  assert.equal(info.stopped, true);
  const committed = await pipeline.dataset().table("items").count();
  assert.equal(
    (pipeline.state.sources!.sync_alone.resources!.items as { nextPage: number })
      .nextPage,
    committed,
  );
  const rest = await pipeline.run(endless());
  assert.equal(rest.rowCounts.items, 200_000 - committed);
  await assertEachIdOnce(pipeline, 200_000);
});

Deno.test("run() stopped while a lone sync generator gives the event loop its turn leaves the held item unwritten", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("sync_turn");
  const controller = new AbortController();
  // No checkpoint falls due before the stop, so the abort can only be heard in one of the turns
  // the loop of sync steps gives the event loop (every 100 ms while a signal is given).
  const endless = () =>
    dlt.resource(function* () {
      const state = dlt.current.resourceState<{ next?: number }>();
      const first = state.next ?? 0;
      for (let n = first; n < 10_000_000; n++) {
        if (n === first && !controller.signal.aborted) {
          setTimeout(() => controller.abort("deadline"), 5);
        }
        yield { id: n + 1 };
        state.next = n + 1;
      }
    }, { name: "items" });
  const info = await pipeline.run(endless(), {
    checkpointEvery: { rows: 100_000_000 },
    signal: controller.signal,
  });
  assert.equal(info.stopped, true);
  const committed = await pipeline.dataset().table("items").count();
  assert.ok(committed > 0);
  assert.equal(info.rowCounts.items, committed);
  assert.equal(
    (pipeline.state.sources!.sync_turn.resources!.items as { next: number }).next,
    committed,
  );
});
