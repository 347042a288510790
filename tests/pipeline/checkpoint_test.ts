import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { dataOnly, TempWorld } from "../helpers/temp_pipeline.ts";
import { runFixture, spawnFixture } from "../helpers/child.ts";
import { assertEachIdOnce, assertStatesAgree } from "../helpers/invariants.ts";

/** The guide's checkpoint pattern over 5 pages of 2 rows; fails on page `failOn`. */
function pagesResource(failOn?: number) {
  return dlt.resource(function* () {
    const state = dlt.current.resourceState<{ last_page?: number }>();
    let page = state.last_page ?? 0;
    while (page < 5) {
      if (page === failOn) throw new Error(`page ${page} failed`);
      yield [{ id: page * 2 + 1 }, { id: page * 2 + 2 }];
      page += 1;
      state.last_page = page;
    }
  }, { name: "items" });
}

Deno.test("checkpointEvery commits the rows so far with the state as of the next item", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("checkpoints");
  const error = await pipeline.run(pagesResource(3), { checkpointEvery: { rows: 4 } }).catch((
    e,
  ) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed);
  // Pages 0-1 were committed when page 2 was yielded; page 2 was lost with the failure.
  assert.deepEqual(dataOnly(await pipeline.dataset().table("items").toArray()), [
    { id: 1 },
    { id: 2 },
    { id: 3 },
    { id: 4 },
  ]);
  assert.deepEqual(pipeline.state.sources!.checkpoints.resources!.items, { last_page: 2 });
  const info = await pipeline.run(pagesResource(), { checkpointEvery: { rows: 4 } });
  assert.deepEqual(info.rowCounts, { items: 6 });
  assert.equal(info.loadIds.length, 2);
  assert.deepEqual(
    (await pipeline.dataset().table("items").toArray()).map((r) => r.id),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  await assertStatesAgree(pipeline);
});

Deno.test("checkpointEvery seconds commits on time", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("timed");
  const slow = dlt.resource(async function* () {
    for (let i = 1; i <= 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      yield { id: i };
    }
  }, { name: "slow" });
  const info = await pipeline.run(slow, { checkpointEvery: { seconds: 0.05 } });
  assert.equal(info.loadIds.length, 4);
  assert.deepEqual(info.rowCounts, { slow: 4 });
});

Deno.test("checkpointEvery rejects values that are not positive", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("bad_checkpoint");
  await assert.rejects(
    pipeline.run(pagesResource(), { checkpointEvery: { rows: 0 } }),
    dlt.ConfigurationError,
  );
  await assert.rejects(
    pipeline.run(pagesResource(), { checkpointEvery: {} }),
    dlt.ConfigurationError,
  );
});

Deno.test("a run killed after several checkpoints resumes and loads every page exactly once", async () => {
  await using world = await TempWorld.create();
  const args = JSON.stringify({
    root: world.root,
    pipelineName: "resume",
    writeDisposition: "append",
    total: 300,
    pageSize: 10,
    checkpointRows: 30,
    holdMs: 5,
  });
  const child = spawnFixture("run_pipeline", [args]);
  const loadsFile = world.datasetPath("resume_dataset", "_dlt_loads.jsonl");
  for (let i = 0; i < 1000; i++) {
    const lines = (await Deno.readTextFile(loadsFile).catch(() => "")).split("\n").length - 1;
    if (lines >= 3) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  child.kill("SIGKILL");
  const killed = await child.output();
  assert.equal(killed.signal, "SIGKILL", "the run finished before it could be killed");
  const pipeline = world.pipeline("resume");
  const loaded = await pipeline.dataset().table("items").count();
  assert.ok(loaded >= 90 && loaded < 300, `loaded ${loaded} rows before the kill`);
  const rerun = await runFixture("run_pipeline", [args]);
  assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
  await assertEachIdOnce(pipeline, 300);
  await assertStatesAgree(pipeline);
});

Deno.test("a merge table loaded with checkpoints keeps every checkpoint's rows through its folds", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("merge_checkpoints");
  const ids = dlt.resource(function* () {
    for (let id = 1; id <= 400; id++) yield { id, v: 1 };
  }, { name: "items", writeDisposition: "merge", primaryKey: "id" });
  // 40 checkpoints: the table is folded (after 32 loads) between two of them.
  const info = await pipeline.run(ids, { checkpointEvery: { rows: 10 } });
  assert.deepEqual(info.rowCounts, { items: 400 });
  assert.equal(info.loadIds.length, 40);
  const rows = await pipeline.dataset().table("items").toArray();
  assert.deepEqual(rows.map((r) => r.id).sort((a, b) => (a as number) - (b as number)), [
    ...Array.from({ length: 400 }, (_, i) => i + 1),
  ]);
  // A later run that merges new versions of some rows still sees one row per key.
  await pipeline.run(dlt.resource([{ id: 5, v: 2 }, { id: 401, v: 2 }], {
    name: "items",
    writeDisposition: "merge",
    primaryKey: "id",
  }));
  const after = await pipeline.dataset().table("items").toArray();
  assert.equal(after.length, 401);
  assert.deepEqual(after.filter((r) => r.v === 2).map((r) => r.id).sort(), [401, 5]);
});
