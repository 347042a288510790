import assert from "node:assert/strict";
import { hasTemporal } from "../helpers/temporal.ts";
import * as dlt from "../../mod.ts";
import { dataOnly, TempWorld } from "../helpers/temp_pipeline.ts";

/** A resource that yields ids after the one it remembers, three at a time. */
function counter(name = "numbers") {
  return dlt.resource(function* () {
    const state = dlt.current.resourceState<{ last?: number }>();
    const start = (state.last ?? 0) + 1;
    yield [{ id: start }, { id: start + 1 }, { id: start + 2 }];
    state.last = start + 2;
  }, { name });
}

Deno.test("run() persists resource state across runs and loads only new rows", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("counter");
  const first = await pipeline.run(counter());
  const second = await pipeline.run(counter());
  assert.deepEqual(first.rowCounts, { numbers: 3 });
  assert.deepEqual(second.rowCounts, { numbers: 3 });
  const rows = await pipeline.dataset().table("numbers").toArray();
  assert.deepEqual(dataOnly(rows), [1, 2, 3, 4, 5, 6].map((id) => ({ id })));
  assert.deepEqual(pipeline.state.sources, {
    counter: { resources: { numbers: { last: 6 } } },
  });
});

Deno.test("run() keeps state under sources.<source>.resources.<resource>", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("layout");
  const src = dlt.source("shop", () => [counter("orders"), counter("refunds")]);
  await pipeline.run(src);
  assert.deepEqual(pipeline.state.sources, {
    shop: { resources: { orders: { last: 3 }, refunds: { last: 3 } } },
  });
  assert.equal(pipeline.state.default_schema_name, "shop");
  assert.deepEqual(pipeline.state.schema_names, ["shop"]);
});

Deno.test("run() puts standalone resources under the pipeline name", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("standalone_p");
  await pipeline.run([counter("a"), counter("b")]);
  assert.deepEqual(Object.keys(pipeline.state.sources ?? {}), ["standalone_p"]);
  assert.deepEqual(pipeline.state.sources!.standalone_p.resources, {
    a: { last: 3 },
    b: { last: 3 },
  });
});

Deno.test("run() bumps the state version by one per change and not on a no-op run", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("versions");
  assert.equal(pipeline.state._state_version, 0);
  let calls = 0;
  const maybe = dlt.resource(function* () {
    calls++;
    if (calls <= 2) dlt.current.resourceState().value = calls;
    yield* [];
  }, { name: "maybe" });
  const one = await pipeline.run(maybe);
  const two = await pipeline.run(maybe);
  const three = await pipeline.run(maybe);
  assert.deepEqual([one.stateVersion, two.stateVersion, three.stateVersion], [1, 2, 2]);
  assert.equal(one.loadIds.length, 1);
  assert.equal(two.loadIds.length, 1);
  assert.deepEqual(three.loadIds, []);
  const stateRows = await world.jsonl("versions_dataset", "_dlt_pipeline_state.jsonl");
  assert.deepEqual(stateRows.map((row) => row.version), [1, 2]);
  assert.equal(pipeline.state._version_hash, stateRows[1].version_hash);
});

Deno.test("run() writes nothing at all when nothing changed", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("noop");
  await pipeline.run(counter());
  const before = await world.snapshot();
  const info = await pipeline.run(dlt.resource(function* () {}, { name: "empty" }));
  assert.deepEqual(info.loadIds, []);
  assert.deepEqual(info.rowCounts, {});
  assert.deepEqual(await world.snapshot(), before);
});

Deno.test({
  name: "run() round-trips Dates and Temporal values in state",
  ignore: !hasTemporal, // Deno 2.5 has no Temporal; tests/pipeline/without_temporal_run_test.ts
}, async () => {
  await using world = await TempWorld.create();
  const when = new Date("2024-06-01T10:00:00.123Z");
  const instant = Temporal.Instant.from("2024-06-01T10:00:00.123456789Z");
  const day = Temporal.PlainDate.from("2024-06-01");
  const writer = dlt.resource(function* () {
    Object.assign(dlt.current.resourceState(), { when, instant, day });
    yield* [];
  }, { name: "times" });
  const pipeline = world.pipeline("times");
  await pipeline.run(writer);
  const state = pipeline.state.sources!.times.resources!.times;
  assert.ok(state.when instanceof Date);
  assert.equal((state.when as Date).toISOString(), when.toISOString());
  assert.ok(state.instant instanceof Temporal.Instant);
  assert.ok((state.instant as Temporal.Instant).equals(instant));
  assert.ok(state.day instanceof Temporal.PlainDate);
  assert.ok((state.day as Temporal.PlainDate).equals(day));
  await pipeline.drop();
  let seen: unknown;
  const reader = dlt.resource(function* () {
    seen = dlt.current.resourceState().when;
    yield* [];
  }, { name: "times" });
  await pipeline.run(reader);
  assert.ok(seen instanceof Date && seen.getTime() === when.getTime());
});

for (
  const [label, value, path] of [
    ["a BigInt", 10n, "sources.bad.resources.bad.value"],
    ["a function", () => 1, "sources.bad.resources.bad.value"],
    ["a Map", new Map([["a", 1]]), "sources.bad.resources.bad.value"],
    ["NaN", Number.NaN, "sources.bad.resources.bad.value"],
    ["a nested symbol", { deep: [Symbol("x")] }, "sources.bad.resources.bad.value.deep[0]"],
  ] as const
) {
  Deno.test(`run() fails with StateNotSerializableError naming the path for ${label} in state`, async () => {
    await using world = await TempWorld.create();
    const pipeline = world.pipeline("bad");
    await pipeline.run(counter());
    const before = await world.snapshot();
    const bad = dlt.resource(function* () {
      dlt.current.resourceState().value = value;
      yield { id: 1 };
    }, { name: "bad" });
    const step = await pipeline.run(bad).catch((e) => e);
    assert.ok(step instanceof dlt.PipelineStepFailed);
    assert.equal(step.step, "extract");
    assert.ok(step.cause instanceof dlt.StateNotSerializableError);
    assert.equal(step.cause.path, path);
    assert.deepEqual(await world.snapshot(), before);
  });
}

Deno.test("run() fails with StateNotSerializableError for a cycle in state", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("cycle");
  const bad = dlt.resource(function* () {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    dlt.current.resourceState().loop = loop;
    yield* [];
  }, { name: "cyclic" });
  const error = await pipeline.run(bad).catch((e) => e);
  assert.ok(error.cause instanceof dlt.StateNotSerializableError);
  assert.equal(error.cause.path, "sources.cycle.resources.cyclic.loop.self");
});

Deno.test("run() persists nothing when a resource throws", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("fails");
  await pipeline.run(counter());
  const before = await world.snapshot();
  const good = counter("good");
  const broken = dlt.resource(async function* () {
    dlt.current.resourceState().touched = true;
    dlt.current.sourceState().alsoTouched = true;
    yield { id: 1 };
    await Promise.resolve();
    throw new Error("API down");
  }, { name: "broken" });
  const error = await pipeline.run([good, broken]).catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed);
  assert.equal(error.step, "extract");
  assert.equal((error.cause as Error).message, "API down");
  assert.deepEqual(await world.snapshot(), before);
});

Deno.test("run() restores state from the destination when the working dir is gone", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("restore");
  await pipeline.run(counter());
  await Deno.remove(world.pipelinesDir, { recursive: true });
  const fresh = world.pipeline("restore");
  const info = await fresh.run(counter());
  assert.equal(info.firstRun, false);
  const rows = await fresh.dataset().table("numbers").toArray();
  assert.deepEqual(dataOnly(rows), [1, 2, 3, 4, 5, 6].map((id) => ({ id })));
  assert.deepEqual(fresh.state.sources!.restore.resources!.numbers, { last: 6 });
});

Deno.test("run() ignores state rows whose load has no _dlt_loads row", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("uncommitted");
  await pipeline.run(counter());
  const statePath = world.datasetPath("uncommitted_dataset", "_dlt_pipeline_state.jsonl");
  const rows = await world.jsonl("uncommitted_dataset", "_dlt_pipeline_state.jsonl");
  const forged = { ...rows[0], version: 99, _dlt_load_id: "9999999999.000000" };
  await Deno.writeTextFile(statePath, JSON.stringify(forged) + "\n", { append: true });
  await Deno.remove(world.pipelinesDir, { recursive: true });
  const fresh = world.pipeline("uncommitted");
  await fresh.syncDestination();
  assert.equal(fresh.state._state_version, 1);
  assert.deepEqual(fresh.state.sources!.uncommitted.resources!.numbers, { last: 3 });
});

Deno.test("the state column decodes to the local state without _local", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("decode");
  await pipeline.run(counter());
  const [row] = await pipeline.dataset().table("_dlt_pipeline_state").toArray();
  assert.deepEqual(Object.keys(row), [
    "version",
    "engine_version",
    "pipeline_name",
    "state",
    "created_at",
    "version_hash",
    "_dlt_load_id",
    "_dlt_id",
  ]);
  const decoded = await dlt.decodeState(row as unknown as dlt.StateRow);
  const { _local, ...local } = pipeline.state;
  assert.ok(_local);
  assert.deepEqual(decoded, local);
});

Deno.test("run() skips a torn last line of the state file", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("torn");
  await pipeline.run(counter());
  const statePath = world.datasetPath("torn_dataset", "_dlt_pipeline_state.jsonl");
  await Deno.writeTextFile(statePath, '{"version":7,"engine_version":4,"pipeline_na', {
    append: true,
  });
  await Deno.remove(world.pipelinesDir, { recursive: true });
  const fresh = world.pipeline("torn");
  await fresh.run(counter());
  assert.deepEqual(fresh.state.sources!.torn.resources!.numbers, { last: 6 });
  const lines = (await Deno.readTextFile(statePath)).split("\n");
  assert.equal(lines[1], '{"version":7,"engine_version":4,"pipeline_na');
  assert.equal(JSON.parse(lines[2]).version, 2);
  await Deno.remove(world.pipelinesDir, { recursive: true });
  const third = world.pipeline("torn");
  await third.syncDestination();
  assert.equal(third.state._state_version, 2);
});

Deno.test("restoreFromDestination: false writes no state rows", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("norestore", { restoreFromDestination: false });
  await pipeline.run(counter());
  await pipeline.run(counter());
  assert.deepEqual(await world.jsonl("norestore_dataset", "_dlt_pipeline_state.jsonl"), []);
  assert.equal((await world.jsonl("norestore_dataset", "_dlt_loads.jsonl")).length, 2);
  assert.deepEqual(pipeline.state.sources!.norestore.resources!.numbers, { last: 6 });
});

Deno.test("run() accepts async generators, sync generators, arrays, streams and pages", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("shapes");
  const asyncGen = dlt.resource(async function* () {
    yield { n: 1 };
    await new Promise((resolve) => setTimeout(resolve, 1));
    yield [{ n: 2 }, { n: 3 }];
  }, { name: "async_gen" });
  const syncGen = dlt.resource(function* () {
    yield [{ n: 1 }];
    yield { n: 2 };
  }, { name: "sync_gen" });
  const array = dlt.resource([{ n: 1 }, [{ n: 2 }, { n: 3 }]], { name: "array" });
  const stream = dlt.resource(() => ReadableStream.from([{ n: 1 }, [{ n: 2 }]]), {
    name: "stream",
  });
  const info = await pipeline.run([asyncGen, syncGen, array, stream]);
  assert.deepEqual(info.rowCounts, { async_gen: 3, sync_gen: 2, array: 3, stream: 2 });
  const plain = await pipeline.run([{ x: 1 }, { x: 2 }], { tableName: "plain" });
  assert.deepEqual(plain.rowCounts, { plain: 2 });
  assert.deepEqual(dataOnly(await pipeline.dataset().table("plain").toArray()), [
    { x: 1 },
    { x: 2 },
  ]);
});

Deno.test("run() routes rows with a tableName function", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("routing");
  const events = dlt.resource([{ kind: "click", id: 1 }, { kind: "view", id: 2 }, {
    kind: "click",
    id: 3,
  }], { name: "events", tableName: (row) => `${row.kind}_events` });
  const info = await pipeline.run(events);
  assert.deepEqual(info.rowCounts, { click_events: 2, view_events: 1 });
  assert.deepEqual(
    dataOnly(await pipeline.dataset().table("click_events").toArray()).map((r) => r.id),
    [1, 3],
  );
});

Deno.test("the current context holds across generator steps and awaits", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("context");
  const seen: string[] = [];
  const slow = (name: string) =>
    dlt.resource(async function* () {
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        dlt.current.resourceState<{ steps?: number }>().steps = i + 1;
        seen.push(`${name}:${dlt.current.pipeline().pipelineName}`);
        yield { i };
        await Promise.resolve();
      }
    }, { name });
  await pipeline.run([slow("a"), slow("b")]);
  assert.deepEqual(pipeline.state.sources!.context.resources, {
    a: { steps: 3 },
    b: { steps: 3 },
  });
  assert.equal(seen.length, 6);
});

Deno.test("two pipelines run at once keep their contexts apart", async () => {
  await using world = await TempWorld.create();
  const make = () =>
    dlt.resource(async function* () {
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        const state = dlt.current.resourceState<{ owner?: string }>();
        state.owner = dlt.current.pipeline().pipelineName;
        yield { i };
      }
    }, { name: "r" });
  const p1 = world.pipeline("one");
  const p2 = world.pipeline("two");
  await Promise.all([p1.run(make()), p2.run(make())]);
  assert.equal(p1.state.sources!.one.resources!.r.owner, "one");
  assert.equal(p2.state.sources!.two.resources!.r.owner, "two");
});

Deno.test("a pipeline name with double underscores restores like any other (dlt issue #3427)", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("my__pipe");
  await pipeline.run(counter());
  await Deno.remove(world.pipelinesDir, { recursive: true });
  const info = await world.pipeline("my__pipe").run(counter());
  assert.deepEqual(info.rowCounts, { numbers: 3 });
  assert.deepEqual(world.pipeline("my__pipe").state.sources!.my__pipe.resources!.numbers, {
    last: 6,
  });
});

Deno.test("an explicit datasetName wins over the one in restored state, with a warning (dlt issue #3680)", async () => {
  await using world = await TempWorld.create();
  await world.pipeline("renamed", { datasetName: "shared_ds" }).run(counter());
  // The same pipeline, its state copied into another dataset's state file by hand.
  const rows = await world.jsonl("shared_ds", "_dlt_pipeline_state.jsonl");
  const loads = await world.jsonl("shared_ds", "_dlt_loads.jsonl");
  await Deno.mkdir(world.datasetPath("other_ds"), { recursive: true });
  await Deno.writeTextFile(
    world.datasetPath("other_ds", "_dlt_pipeline_state.jsonl"),
    rows.map((r) => JSON.stringify(r) + "\n").join(""),
  );
  await Deno.writeTextFile(
    world.datasetPath("other_ds", "_dlt_loads.jsonl"),
    loads.map((r) => JSON.stringify(r) + "\n").join(""),
  );
  await Deno.remove(world.pipelinesDir, { recursive: true });
  const warnings: string[] = [];
  const moved = world.pipeline("renamed", {
    datasetName: "other_ds",
    logger: { warn: (message) => warnings.push(message), info: () => {} },
  });
  await moved.syncDestination();
  assert.equal(moved.state.dataset_name, "other_ds");
  assert.ok(warnings.some((w) => w.includes('keeping "other_ds" as given')), warnings.join("\n"));
});

Deno.test("names that are properties of Object.prototype keep their state and touch no built-in", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("protos");
  const counted = (name: string) =>
    dlt.resource(function* () {
      const state = dlt.current.resourceState<{ n?: number }>();
      state.n = (state.n ?? 0) + 1;
      dlt.current.sourceState<{ runs?: number }>().runs = state.n;
      yield JSON.parse(`{"id": ${state.n}, "__proto__": "p", "constructor": "c"}`);
    }, { name, tableName: `t_${name.replaceAll("_", "")}` });
  const sources = () => [
    dlt.source("toString", [counted("constructor")]),
    dlt.source("__proto__", [counted("__proto__")]),
    dlt.source("hasOwnProperty", [counted("valueOf")]),
  ];
  await pipeline.run(sources());
  await pipeline.run(sources());
  const state = pipeline.state.sources!;
  assert.deepEqual(Object.keys(state).sort(), ["__proto__", "hasOwnProperty", "toString"]);
  assert.equal(Object.getOwnPropertyDescriptor(state, "toString")?.value.runs, 2);
  const toStringSource = Object.getOwnPropertyDescriptor(state, "toString")?.value;
  assert.equal(
    Object.getOwnPropertyDescriptor(toStringSource.resources, "constructor")?.value.n,
    2,
  );
  assert.equal(Object.getOwnPropertyDescriptor(state, "__proto__")?.value.runs, 2);
  assert.equal(Object.getOwnPropertyDescriptor(state, "hasOwnProperty")?.value.runs, 2);
  // Nothing leaked onto the built-ins.
  // deno-lint-ignore no-explicit-any
  const builtins = [Object.prototype, Object.prototype.toString, Object] as any[];
  for (const target of builtins) assert.equal(target.n, undefined);
  assert.equal(({} as Record<string, unknown>).runs, undefined);
  // A fresh machine restores the same.
  await Deno.remove(world.pipelinesDir, { recursive: true });
  await pipeline.syncDestination();
  assert.equal(
    Object.getOwnPropertyDescriptor(pipeline.state.sources!, "__proto__")?.value.runs,
    2,
  );
  // Columns named after Object.prototype properties are columns like any other.
  const rows = await pipeline.dataset().table("t_proto").toArray();
  assert.deepEqual(rows.map((row) => Object.getOwnPropertyDescriptor(row, "__proto__")?.value), [
    "p",
    "p",
  ]);
  assert.deepEqual(rows.map((row) => row.constructor), ["c", "c"]);
});

Deno.test("source names are validated like every other name", () => {
  for (const name of ["../up", "a b", "", "x".repeat(65), "con"]) {
    assert.throws(() => dlt.source(name, []), dlt.InvalidNameError, name);
  }
});
