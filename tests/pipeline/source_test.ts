import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";

/** dlt's source-state example: users writes the state after its page, events reads it first. */
function sharedStateSource(seen: unknown[]) {
  const users = dlt.resource(function* () {
    yield { id: 1 };
    dlt.current.sourceState().last_full_sync = "2024-06-01T00:00:00Z";
  }, { name: "users" });
  const events = dlt.resource(function* () {
    seen.push(dlt.current.sourceState().last_full_sync);
    yield { id: 2 };
  }, { name: "events" });
  return dlt.source("api", () => [users, events]);
}

Deno.test("source state is shared by the resources of a source: side by side, a sibling sees what the previous run committed, as in dlt", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("shared");
  const seen: unknown[] = [];
  await pipeline.run(sharedStateSource(seen));
  await pipeline.run(sharedStateSource(seen));
  // dlt 1.31 prints None then 2024-06-01T00:00:00Z for the same resources.
  assert.deepEqual(seen, [undefined, "2024-06-01T00:00:00Z"]);
  assert.deepEqual(pipeline.state.sources!.api, { last_full_sync: "2024-06-01T00:00:00Z" });
});

Deno.test("source state is shared by the resources of a source: with fifo, a later resource sees what an earlier one wrote in the same run", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("shared_fifo");
  const seen: unknown[] = [];
  await pipeline.run(sharedStateSource(seen), { nextItemMode: "fifo" });
  assert.deepEqual(seen, ["2024-06-01T00:00:00Z"]);
  assert.deepEqual(pipeline.state.sources!.api, { last_full_sync: "2024-06-01T00:00:00Z" });
});

for (
  const [label, write, path] of [
    ["a write", (s: Record<string, unknown>) => (s.last = 1), "last"],
    ["a nested write", (s: Record<string, unknown>) => {
      (s.nested as Record<string, unknown>).x = 2;
    }, "nested.x"],
    ["a delete", (s: Record<string, unknown>) => delete s.nested, "nested"],
    ["an array push", (s: Record<string, unknown>) => (s.list as unknown[]).push(1), "list.1"],
  ] as const
) {
  Deno.test(`source state is read-only in the source function: ${label} throws StateReadOnlyError`, async () => {
    await using world = await TempWorld.create();
    const pipeline = world.pipeline("readonly");
    const seed = dlt.resource(function* () {
      Object.assign(dlt.current.sourceState(), { nested: { x: 1 }, list: [0] });
      yield* [];
    }, { name: "seed" });
    await pipeline.run(dlt.source("src", [seed]));
    const before = await world.snapshot();
    const src = dlt.source("src", ({ state }) => {
      write(state as Record<string, unknown>);
      return [seed];
    });
    const error = await pipeline.run(src).catch((e) => e);
    assert.ok(error instanceof dlt.PipelineStepFailed);
    assert.ok(error.cause instanceof dlt.StateReadOnlyError);
    assert.equal(error.cause.path, path);
    assert.deepEqual(await world.snapshot(), before);
  });
}

Deno.test("dlt.current.sourceState() is readable but not writable in a source function", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("readonly_current");
  const src = dlt.source("s", () => {
    assert.deepEqual({ ...dlt.current.sourceState() }, {});
    assert.throws(() => {
      dlt.current.sourceState().x = 1;
    }, dlt.StateReadOnlyError);
    assert.throws(() => dlt.current.resourceState(), dlt.StateNotAvailableError);
    return [dlt.resource([{ a: 1 }], { name: "r" })];
  });
  await pipeline.run(src);
});

Deno.test("dlt.current.* outside a run throws StateNotAvailableError", () => {
  assert.throws(() => dlt.current.resourceState(), dlt.StateNotAvailableError);
  assert.throws(() => dlt.current.sourceState(), dlt.StateNotAvailableError);
  assert.throws(() => dlt.current.pipeline(), dlt.StateNotAvailableError);
  assert.throws(() => dlt.resetResourceState("x"), dlt.StateNotAvailableError);
});

Deno.test("resetResourceState() in a source function clears that resource's state", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("reset");
  const items = dlt.resource(function* () {
    const state = dlt.current.resourceState<{ n?: number }>();
    state.n = (state.n ?? 0) + 1;
    yield { n: state.n };
  }, { name: "items" });
  await pipeline.run(dlt.source("s", [items]));
  await pipeline.run(dlt.source("s", [items]));
  assert.deepEqual(pipeline.state.sources!.s.resources!.items, { n: 2 });
  await pipeline.run(dlt.source("s", () => {
    dlt.resetResourceState("items");
    return [items];
  }));
  assert.deepEqual(pipeline.state.sources!.s.resources!.items, { n: 1 });
});

Deno.test("withResources() runs only the selected resources and leaves the others' state", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("select");
  const make = (name: string) =>
    dlt.resource(function* () {
      const state = dlt.current.resourceState<{ runs?: number }>();
      state.runs = (state.runs ?? 0) + 1;
      yield { name };
    }, { name });
  const src = dlt.source("s", () => [make("a"), make("b")]);
  await pipeline.run(src);
  const info = await pipeline.run(src.withResources("b"));
  assert.deepEqual(info.rowCounts, { b: 1 });
  assert.deepEqual(pipeline.state.sources!.s.resources, { a: { runs: 1 }, b: { runs: 2 } });
  await assert.rejects(
    pipeline.run(src.withResources("nope")),
    (error: unknown) =>
      error instanceof dlt.PipelineStepFailed && error.cause instanceof dlt.ConfigurationError,
  );
});
