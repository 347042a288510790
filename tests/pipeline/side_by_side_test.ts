import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { dataOnly, TempWorld } from "../helpers/temp_pipeline.ts";
import { assertEachIdOnce, assertStatesAgree } from "../helpers/invariants.ts";
import { ConfigResolver } from "../../src/config/resolver.ts";
import { resolveExtractSettings } from "../../src/pipeline/run_options.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** An async resource yielding `pages` one-row pages after `waitMs` each, logging each yield. */
function paging(name: string, pages: number, waitMs: number, log: string[]) {
  return dlt.resource(async function* () {
    for (let page = 1; page <= pages; page++) {
      await sleep(waitMs);
      log.push(`${name}${page}`);
      yield { page };
    }
  }, { name });
}

Deno.test("run() pulls the async resources of a source side by side, an item from each in turn", async () => {
  await using world = await TempWorld.create();
  const log: string[] = [];
  const source = dlt.source("api", [paging("a", 3, 15, log), paging("b", 3, 15, log)]);
  const info = await world.pipeline("round_robin").run(source);
  assert.deepEqual(log, ["a1", "b1", "a2", "b2", "a3", "b3"]);
  assert.deepEqual(info.rowCounts, { a: 3, b: 3 });
});

Deno.test("run() lets one resource go on while another awaits (it would never end one after the other)", async () => {
  await using world = await TempWorld.create();
  const firstPage = gate();
  const otherDone = gate();
  const log: string[] = [];
  // a waits for b, and b for a's first page: only side by side can both finish.
  const a = dlt.resource(async function* () {
    log.push("a1");
    yield { n: 1 };
    firstPage.open();
    await otherDone.opened;
    log.push("a2");
    yield { n: 2 };
  }, { name: "a" });
  const b = dlt.resource(async function* () {
    await firstPage.opened;
    log.push("b1");
    yield { n: 1 };
    otherDone.open();
  }, { name: "b" });
  const pipeline = world.pipeline("wait_for_each_other");
  const info = await pipeline.run(dlt.source("api", [a, b]));
  assert.deepEqual(log, ["a1", "b1", "a2"]);
  assert.deepEqual(info.rowCounts, { a: 2, b: 1 });
});

Deno.test("run() with nextItemMode fifo runs each resource to its end before the next, as before", async () => {
  await using world = await TempWorld.create();
  const log: string[] = [];
  const sync = (name: string) =>
    dlt.resource(function* () {
      for (let page = 1; page <= 2; page++) {
        log.push(`${name}${page}`);
        yield { page };
      }
    }, { name });
  const source = dlt.source("api", [
    paging("a", 2, 5, log),
    sync("s"),
    paging("b", 2, 1, log),
  ]);
  await world.pipeline("fifo").run(source, { nextItemMode: "fifo" });
  assert.deepEqual(log, ["a1", "a2", "s1", "s2", "b1", "b2"]);
});

Deno.test("run() steps sync generators and arrays in turn, in the order the source lists them", async () => {
  await using world = await TempWorld.create();
  const log: string[] = [];
  const sync = (name: string, pages: number) =>
    dlt.resource(function* () {
      for (let page = 1; page <= pages; page++) {
        log.push(`${name}${page}`);
        yield [{ page, of: name }, { page, of: name, second: true }];
      }
    }, { name });
  const rows = dlt.resource([{ id: 1 }, { id: 2 }, { id: 3 }], { name: "rows" });
  const pipeline = world.pipeline("sync_in_turn");
  const info = await pipeline.run(dlt.source("api", [sync("x", 3), rows, sync("y", 2)]));
  assert.deepEqual(log, ["x1", "y1", "x2", "y2", "x3"]);
  assert.deepEqual(info.rowCounts, { x: 6, rows: 3, y: 4 });
  // Each table keeps the order its resource yielded.
  assert.deepEqual(dataOnly(await pipeline.dataset().table("rows").toArray()), [
    { id: 1 },
    { id: 2 },
    { id: 3 },
  ]);
  assert.deepEqual(
    (await pipeline.dataset().table("x").toArray()).map((row) => [row.page, row.second ?? false]),
    [[1, false], [1, true], [2, false], [2, true], [3, false], [3, true]],
  );
});

Deno.test("run() keeps each resource's dlt.current state and incremental its own across interleaved awaits", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("isolation");
  const seen: Record<string, unknown[]> = { a: [], b: [] };
  const make = (name: string, waitMs: number, base: number) =>
    dlt.resource(async function* ({ incremental }) {
      for (let i = 1; i <= 4; i++) {
        await sleep(waitMs);
        const state = dlt.current.resourceState<{ pages?: number; owner?: string }>();
        state.owner ??= name;
        state.pages = (state.pages ?? 0) + 1;
        dlt.current.sourceState<{ touched?: string[] }>().touched = [
          ...(dlt.current.sourceState<{ touched?: string[] }>().touched ?? []),
          name,
        ];
        seen[name].push([state.owner, incremental.lastValue ?? null]);
        yield { id: base + i };
        await sleep(0);
      }
    }, { name, incremental: dlt.incremental<number>("id") });
  await pipeline.run(dlt.source("api", [make("a", 3, 100), make("b", 4, 200)]));
  assert.deepEqual(seen.a, [["a", null], ["a", 101], ["a", 102], ["a", 103]]);
  assert.deepEqual(seen.b, [["b", null], ["b", 201], ["b", 202], ["b", 203]]);
  const api = pipeline.state.sources!.api;
  const resources = api.resources as Record<string, Record<string, unknown>>;
  assert.deepEqual([resources.a.owner, resources.a.pages], ["a", 4]);
  assert.deepEqual([resources.b.owner, resources.b.pages], ["b", 4]);
  const cursor = (name: string) =>
    (resources[name].incremental as Record<string, { last_value: number }>).id.last_value;
  assert.deepEqual([cursor("a"), cursor("b")], [104, 204]);
  assert.equal((api.touched as string[]).length, 8);
});

Deno.test("a failure in one of several resources closes them all, runs their finally blocks and persists nothing", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("failure");
  await pipeline.run(dlt.resource([{ id: 0 }], { name: "seed" }));
  const before = await world.snapshot();
  const finished: string[] = [];
  const failing = dlt.resource(async function* () {
    try {
      yield { id: 1 };
      await sleep(5);
      throw new Error("the API failed on page 2");
    } finally {
      finished.push("failing");
    }
  }, { name: "failing" });
  // Waits far longer than the failure takes, but listens to its signal.
  const waiting = dlt.resource(async function* ({ signal }) {
    try {
      yield { id: 1 };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      yield { id: 2 };
    } finally {
      finished.push(`waiting (signal aborted: ${signal.aborted})`);
    }
  }, { name: "waiting" });
  // Ignores its signal: the failure waits for its await before it is reported.
  const stubborn = dlt.resource(async function* () {
    try {
      yield { id: 1 };
      await sleep(30);
      yield { id: 2 };
    } finally {
      finished.push("stubborn");
    }
  }, { name: "stubborn" });
  const sync = dlt.resource(function* () {
    try {
      for (let id = 1; id < 1_000_000; id++) yield { id };
    } finally {
      finished.push("sync");
    }
  }, { name: "sync" });
  const error = await pipeline.run(dlt.source("api", [failing, waiting, stubborn, sync]))
    .catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed);
  assert.equal(error.step, "extract");
  assert.equal((error.cause as Error).message, "the API failed on page 2");
  assert.deepEqual(finished.sort(), [
    "failing",
    "stubborn",
    "sync",
    "waiting (signal aborted: true)",
  ]);
  assert.deepEqual(await world.snapshot(), before);
});

Deno.test("maxParallelItems bounds how many async next() calls are in flight at once", async () => {
  await using world = await TempWorld.create();
  let inFlight = 0;
  let most = 0;
  const make = (name: string) =>
    dlt.resource(async function* () {
      for (let page = 1; page <= 3; page++) {
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(2);
        inFlight--;
        yield { page };
      }
    }, { name });
  const source = () => dlt.source("api", ["a", "b", "c", "d", "e"].map(make));
  const pipeline = world.pipeline("parallel_items");
  const info = await pipeline.run(source(), { maxParallelItems: 2 });
  assert.equal(most, 2);
  assert.equal(info.totalRows, 15);
  most = 0;
  await pipeline.run(source());
  assert.equal(most, 5);
});

/**
 * Two paging resources in the guide's checkpoint pattern (the next page goes into the state after
 * the yield). `b` writes it only after a long await that follows its yield: a checkpoint taken
 * while `b` is in that await must not commit `b`'s page with the state of the page before it
 * (the rerun would load that page twice).
 */
function twoPagers(failOnPage?: number) {
  const pager = (name: string, offset: number, pages: number, awaitAfterYield: number) =>
    dlt.resource(async function* () {
      const state = dlt.current.resourceState<{ nextPage?: number }>();
      for (let page = state.nextPage ?? 0; page < pages; page++) {
        if (name === "a" && page === failOnPage) throw new Error(`a failed on page ${page}`);
        await sleep(2);
        const id = offset + page * 3;
        yield [{ id: id + 1 }, { id: id + 2 }, { id: id + 3 }];
        await sleep(awaitAfterYield);
        state.nextPage = page + 1;
      }
    }, { name, tableName: "items" });
  return dlt.source("api", [pager("a", 0, 10, 0), pager("b", 30, 2, 150)]);
}

Deno.test("a checkpoint commits a consistent cut of every resource: a failed run's rerun loads every row exactly once", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("cut");
  // a fails while b is still in the await after its first page, past a few checkpoints.
  const error = await pipeline.run(twoPagers(3), { checkpointEvery: { rows: 1 } })
    .catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed);
  const committed = await pipeline.dataset().table("items").count();
  assert.ok(committed >= 6 && committed < 36, `committed ${committed} rows before the failure`);
  const info = await pipeline.run(twoPagers(), { checkpointEvery: { rows: 1 } });
  assert.equal(info.rowCounts.items, 36 - committed);
  await assertEachIdOnce(pipeline, 36);
  await assertStatesAgree(pipeline);
});

Deno.test("resolveExtractSettings() takes the run option, then EXTRACT__ variables and .dlt config, then dlt's defaults", () => {
  const env: Record<string, string> = {
    EXTRACT__NEXT_ITEM_MODE: "fifo",
    SOURCES__GITHUB__EXTRACT__MAX_PARALLEL_ITEMS: "7",
    PIPE__SOURCES__GITHUB__EXTRACT__NEXT_ITEM_MODE: "round_robin",
  };
  const resolver = new ConfigResolver({
    cwd: Deno.makeTempDirSync(),
    env: (name) => env[name],
  });
  const settings = resolveExtractSettings({}, "pipe", ["github", "other"], resolver);
  assert.deepEqual(settings.get("github"), { nextItemMode: "round_robin", maxParallelItems: 7 });
  assert.deepEqual(settings.get("other"), { nextItemMode: "fifo", maxParallelItems: 20 });
  const explicit = resolveExtractSettings(
    { nextItemMode: "fifo", maxParallelItems: 3 },
    "pipe",
    ["github"],
    resolver,
  );
  assert.deepEqual(explicit.get("github"), { nextItemMode: "fifo", maxParallelItems: 3 });
  env.EXTRACT__MAX_PARALLEL_ITEMS = "many";
  assert.throws(
    () => resolveExtractSettings({}, "pipe", ["other"], resolver),
    (error: Error) =>
      error instanceof dlt.ConfigurationError &&
      error.message.includes("env EXTRACT__MAX_PARALLEL_ITEMS"),
  );
});

Deno.test("run() rejects a wrong nextItemMode, maxParallelItems or signal before anything is written", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("bad_options");
  const rows = dlt.resource([{ id: 1 }], { name: "rows" });
  for (
    const options of [
      { nextItemMode: "parallel" },
      { maxParallelItems: 0 },
      { maxParallelItems: 1.5 },
      { signal: "stop" },
      { signal: { aborted: false } },
    ]
  ) {
    await assert.rejects(
      pipeline.run(rows, options as dlt.RunOptions),
      dlt.ConfigurationError,
      JSON.stringify(options),
    );
  }
  assert.deepEqual(await world.snapshot(), new Map());
});

Deno.test("a failure is not held up by a resource stuck in an await that ignores its signal", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("stuck");
  let wake!: () => void;
  const stuck = new Promise<void>((resolve) => (wake = resolve)); // a long poll that never ends
  const events: string[] = [];
  const failing = dlt.resource(async function* () {
    yield { id: 1 };
    await sleep(5);
    throw new Error("the API failed");
  }, { name: "failing" });
  const stubborn = dlt.resource(async function* () {
    try {
      yield { id: 1 };
      await stuck;
      yield { id: 2 };
    } finally {
      events.push("stubborn closed");
    }
  }, { name: "stubborn" });
  const error = await pipeline.run(dlt.source("api", [failing, stubborn])).catch((e) => e);
  events.push("run failed");
  assert.ok(error instanceof dlt.PipelineStepFailed, String(error));
  wake(); // the stuck await ends only now: the generator is closed then
  await sleep(10);
  assert.deepEqual(events, ["run failed", "stubborn closed"]);
});

Deno.test("an incremental out of range closes its resource while its siblings go on", async () => {
  await using world = await TempWorld.create();
  const closed: string[] = [];
  const endless = dlt.resource(async function* () {
    try {
      for (let id = 1;; id++) {
        await sleep(1);
        yield { id };
      }
    } finally {
      closed.push("endless");
    }
  }, {
    name: "endless",
    incremental: dlt.incremental<number>("id", { initialValue: 0, endValue: 4, rowOrder: "asc" }),
  });
  const info = await world.pipeline("close_one").run(
    dlt.source("api", [endless, paging("other", 8, 2, [])]),
  );
  assert.deepEqual(closed, ["endless"]);
  assert.deepEqual(info.rowCounts, { endless: 3, other: 8 });
});
