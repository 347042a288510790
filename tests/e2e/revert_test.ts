/**
 * Withdrawing loads (revertLoads) in both layouts, and version numbers that a withdrawn, torn or
 * foreign commit point holds: never reused, never a StateConflictError loop, never a withdrawn
 * load back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as dlt from "../../mod.ts";
import { DatasetStore } from "../../src/destinations/dataset_store.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";
import { runFixture } from "../helpers/child.ts";
import { localTarget } from "../helpers/targets.ts";

function counter() {
  return dlt.resource(function* () {
    const state = dlt.current.resourceState<{ last?: number }>();
    const next = (state.last ?? 0) + 1;
    yield { id: next };
    state.last = next;
  }, { name: "items" });
}

async function ids(pipeline: dlt.Pipeline): Promise<number[]> {
  return (await pipeline.dataset().table("items").toArray()).map((r) => r.id as number).sort();
}

for (const layout of ["append", "dlt"] as const) {
  const machine = (world: TempWorld, dir: string) =>
    world.pipeline("rev", {
      pipelinesDir: join(world.root, dir),
      destination: localTarget(world.bucketDir, layout).destination(),
    });

  Deno.test(`${layout} layout: a reverted newest load's state is not restored, here or from a fresh dir`, async () => {
    await using world = await TempWorld.create();
    const a = machine(world, "a");
    await a.run(counter());
    const second = await a.run(counter());
    assert.equal(await a.revertLoads(second.loadIds), 3);
    assert.deepEqual(a.state.sources!.rev.resources!.items, { last: 1 });
    assert.deepEqual((await a.stateHistory()).map((h) => h.version), [1, 3]);
    const fresh = machine(world, "fresh");
    await fresh.syncDestination();
    assert.deepEqual(fresh.state.sources!.rev.resources!.items, { last: 1 });
    // The next run extracts the withdrawn row again, once.
    await fresh.run(counter());
    assert.deepEqual(await ids(fresh), [1, 2]);
    assert.equal(fresh.state._state_version, 4);
  });

  Deno.test(`${layout} layout: a revert that died before its own commit leaves no version to fight over`, async () => {
    await using world = await TempWorld.create();
    const a = machine(world, "a");
    await a.run(counter());
    const second = await a.run(counter());
    // The withdrawals are written, the new version is not (the process died in between).
    const store = new DatasetStore(a.destination!.bucket, a.datasetName);
    await store.revertLoads("rev", "rev", second.loadIds, [2]);
    for (const dir of ["a", "b", "c"]) {
      const info = await machine(world, dir).run(counter());
      assert.deepEqual(info.rowCounts, { items: 1 }, dir);
    }
    assert.deepEqual(await ids(machine(world, "reader")), [1, 2, 3, 4]);
  });

  Deno.test(`${layout} layout: a torn commit point takes its version number, it does not block`, async () => {
    await using world = await TempWorld.create();
    const a = machine(world, "a");
    await a.run(counter());
    // A commit point left empty by a write killed half-way (as an old local bucket could).
    const torn = join(
      world.bucketDir,
      "rev_dataset",
      "_dlt_state_versions",
      "rev",
      "000000000002.json",
    );
    await Deno.writeTextFile(torn, "");
    const info = await machine(world, "b").run(counter());
    assert.equal(info.stateVersion, 3);
    assert.deepEqual(await ids(machine(world, "reader")), [1, 2]);
  });
}

Deno.test("a load committed by a run that died and then withdrawn is not loaded again by its pending package", async () => {
  await using world = await TempWorld.create();
  const spec = (dir: string) =>
    JSON.stringify({
      root: world.root,
      pipelinesDir: join(world.root, dir),
      pipelineName: "gone",
      writeDisposition: "append",
      total: 4,
      pageSize: 2,
    });
  // A dies right after its commit point: its package stays pending in a/, its marker unwritten.
  const killed = await runFixture("run_pipeline", [spec("a")], {
    DLT_TEST_KILL_AT: "state_version",
  });
  assert.equal(killed.signal, "SIGKILL");
  // B, elsewhere, finishes A's load (it is committed) and withdraws it.
  const b = world.pipeline("gone", { pipelinesDir: join(world.root, "b") });
  await b.syncDestination();
  const loads = await b.loads();
  assert.equal(loads.length, 1);
  await b.revertLoads([loads[0].load_id]);
  assert.equal(await b.dataset().table("items").count(), 0);
  // A comes back: its pending package was withdrawn, so it is discarded, and A extracts anew.
  const rerun = await runFixture("run_pipeline", [spec("a")]);
  assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
  const rows = (await b.dataset().table("items").toArray()).map((r) => r.id).sort();
  assert.deepEqual(rows, [1, 2, 3, 4]);
});

Deno.test("revertLoads() refuses a load that started a table over, and one a merge fold holds", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("guarded");
  const users = (n: number) =>
    dlt.resource([{ id: 1, n }], { name: "users", writeDisposition: "replace" });
  await pipeline.run(users(1));
  const replaced = await pipeline.run(users(2));
  await assert.rejects(
    pipeline.revertLoads(replaced.loadIds),
    (error: unknown) =>
      error instanceof dlt.ConfigurationError && /started table "users" over/.test(error.message),
  );
  assert.deepEqual((await pipeline.dataset().table("users").toArray()).map((r) => r.n), [2]);
  // 33 merge loads: the table is folded after the 32nd; the loads before the fold are held by it.
  const merged = world.pipeline("folded");
  const loads: string[] = [];
  for (let i = 1; i <= 34; i++) {
    const info = await merged.run(
      dlt.resource([{ id: i }], { name: "items", writeDisposition: "merge", primaryKey: "id" }),
    );
    loads.push(info.loadIds[0]);
  }
  await assert.rejects(
    merged.revertLoads([loads[2]]),
    (error: unknown) =>
      error instanceof dlt.ConfigurationError && /was folded after it/.test(error.message),
  );
  assert.equal(await merged.dataset().table("items").count(), 34);
  await merged.revertLoads([loads[33]]); // after the fold: it can be withdrawn
  assert.equal(await merged.dataset().table("items").count(), 33);
});
