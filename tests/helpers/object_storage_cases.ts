/**
 * What a destination without appends (S3, Deno KV, a local folder in the dlt layout) must do for
 * pipelines, as the same promises as the local append layout, with a fresh working dir whenever
 * it matters. Each case is a function of a target, run by the test files of each storage.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as dlt from "../../mod.ts";
import type { TempWorld } from "./temp_pipeline.ts";
import type { Target } from "./targets.ts";
import { assertEachIdOnce, assertStatesAgree } from "./invariants.ts";

/** A resource that yields the next three ids each run (its state remembers where it was). */
export function counter(): dlt.Resource {
  return dlt.resource(function* () {
    const state = dlt.current.resourceState<{ next?: number }>();
    const start = state.next ?? 1;
    for (let id = start; id < start + 3; id++) yield { id };
    state.next = start + 3;
  }, { name: "items" });
}

/** A pipeline on `target` with the working dir `<root>/<dir>/<name>`. */
export function onTarget(world: TempWorld, target: Target, name: string, dir = "pipelines") {
  return world.pipeline(name, {
    pipelinesDir: join(world.root, dir),
    destination: target.destination(),
  });
}

/** Four runs, each from a fresh working dir, then readers: every id once, states agree. */
export async function restoresWithFreshWorkingDirs(world: TempWorld, target: Target) {
  for (let run = 1; run <= 4; run++) {
    const pipeline = onTarget(world, target, "objects", `machine${run}`);
    const info = await pipeline.run(counter());
    assert.deepEqual(info.rowCounts, { items: 3 });
    assert.equal(info.stateVersion, run);
    assert.equal(info.firstRun, run === 1);
  }
  const reader = onTarget(world, target, "objects", "reader");
  await assertEachIdOnce(reader, 12);
  await reader.syncDestination();
  await assertStatesAgree(reader);
  assert.equal(await reader.destination!.bucket.size("objects_dataset/init") !== undefined, true);
  assert.equal(
    await dlt.pipeline({
      pipelineName: "objects",
      pipelinesDir: join(world.root, "reader2"),
      destination: target.destination(),
    }).dataset().table("items").count(),
    12,
  );
}

/** A merge table and a replace table, three loads each, read as on a local folder. */
export async function mergeAndReplaceReadAsLocally(world: TempWorld, target: Target) {
  const pipeline = onTarget(world, target, "dispositions");
  const users = (version: number) =>
    dlt.resource([{ id: 1, v: version }, { id: 2, v: version }], {
      name: "users",
      writeDisposition: "merge",
      primaryKey: "id",
    });
  const snapshot = (version: number) =>
    dlt.resource([{ n: version }], { name: "snapshot", writeDisposition: "replace" });
  for (let version = 1; version <= 3; version++) {
    await pipeline.run([users(version), snapshot(version)]);
  }
  const rows = await pipeline.dataset().table("users").toArray();
  assert.deepEqual(rows.map((r) => [r.id, r.v]).sort(), [[1, 3], [2, 3]]);
  assert.deepEqual((await pipeline.dataset().table("snapshot").toArray()).map((r) => r.n), [3]);
  assert.deepEqual(await pipeline.dataset().tableNames(), ["snapshot", "users"]);
  const loads = await pipeline.dataset().table("_dlt_loads").toArray();
  assert.equal(loads.length, 3);
  assert.equal((await pipeline.stateHistory()).length, 1); // no state in these resources
}

/** Three rounds of two machines extracting from one version: one commits, one conflicts. */
export async function racingMachinesCommitOnce(world: TempWorld, target: Target) {
  await onTarget(world, target, "race", "a").run(counter());
  for (let round = 0; round < 3; round++) {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated = dlt.resource(async function* () {
      const state = dlt.current.resourceState<{ next?: number }>();
      const start = state.next ?? 1;
      await gate;
      for (let id = start; id < start + 3; id++) yield { id };
      state.next = start + 3;
    }, { name: "items" });
    const runs = [
      onTarget(world, target, "race", "a").run(gated),
      onTarget(world, target, "race", "b").run(gated),
    ];
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    const results = await Promise.allSettled(runs);
    const lost = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    assert.equal(lost.length, 1, JSON.stringify(results.map((r) => r.status)));
    assert.ok(lost[0].reason instanceof dlt.StateConflictError, String(lost[0].reason));
    await assertEachIdOnce(onTarget(world, target, "race", "reader"), 3 * (round + 2));
  }
}

/** A destination whose requests are counted, for {@linkcode coldStartRequests}. */
export interface CountedDestination {
  /** The destination to restore from. */
  destination: dlt.FilesystemDestination;
  /** The requests it has made so far. */
  requests(): number;
}

/**
 * The requests of a cold start (`syncDestination()` with no working dir) of a pipeline after
 * each of `loadCounts` loads, one pipeline per count.
 */
export async function coldStartRequests(
  world: TempWorld,
  target: Target,
  counted: () => CountedDestination,
  loadCounts: number[] = [3, 12],
): Promise<number[]> {
  const counts: number[] = [];
  for (const loads of loadCounts) {
    const name = `cold${loads}`;
    for (let i = 0; i < loads; i++) await onTarget(world, target, name, name).run(counter());
    const { destination, requests } = counted();
    const fresh = dlt.pipeline({
      pipelineName: name,
      pipelinesDir: join(world.root, `${name}_fresh`),
      destination,
    });
    await fresh.syncDestination();
    assert.equal(fresh.state._state_version, loads);
    counts.push(requests());
  }
  return counts;
}
