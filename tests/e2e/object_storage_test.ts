/**
 * Pipelines on object storage (moto's S3 server) and in Python dlt's layout on a local folder:
 * the same promises as the local append layout, with a fresh working dir whenever it matters.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as dlt from "../../mod.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";
import { useMoto } from "../helpers/moto.ts";
import { localTarget, s3Target, type Target } from "../helpers/targets.ts";
import { assertEachIdOnce, assertStatesAgree } from "../helpers/invariants.ts";

const moto = useMoto();

function counter() {
  return dlt.resource(function* () {
    const state = dlt.current.resourceState<{ next?: number }>();
    const start = state.next ?? 1;
    for (let id = start; id < start + 3; id++) yield { id };
    state.next = start + 3;
  }, { name: "items" });
}

function onTarget(world: TempWorld, target: Target, name: string, dir = "pipelines") {
  return world.pipeline(name, {
    pipelinesDir: join(world.root, dir),
    destination: target.destination(),
  });
}

for (
  const make of [
    (_w: TempWorld) => s3Target(moto()),
    (w: TempWorld) => localTarget(w.bucketDir, "dlt"),
  ]
) {
  Deno.test(`runs restore from the destination with a fresh working dir each time`, async (t) => {
    await using world = await TempWorld.create();
    const target = await make(world);
    await t.step(target.label, async () => {
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
      assert.equal(
        await reader.destination!.bucket.size("objects_dataset/init") !== undefined,
        true,
      );
      assert.equal(
        await dlt.pipeline({
          pipelineName: "objects",
          pipelinesDir: join(world.root, "reader2"),
          destination: target.destination(),
        }).dataset().table("items").count(),
        12,
      );
    });
  });
}

Deno.test("on S3 a merge table and a replace table read as on a local folder", async () => {
  await using world = await TempWorld.create();
  const target = await s3Target(moto());
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
});

Deno.test("of two machines racing for the next version on S3, exactly one commits it", async () => {
  await using world = await TempWorld.create();
  const target = await s3Target(moto());
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
});

Deno.test("a cold start on S3 finds the newest state with the same requests after 3 or 12 loads", async () => {
  await using world = await TempWorld.create();
  const target = await s3Target(moto());
  const counts: number[] = [];
  for (const loads of [3, 12]) {
    const name = `cold${loads}`;
    for (let i = 0; i < loads; i++) await onTarget(world, target, name, name).run(counter());
    const requests: string[] = [];
    const bucket = target.destination().bucket as dlt.S3Bucket;
    const counting = countingBucket(bucket, requests);
    const fresh = dlt.pipeline({
      pipelineName: name,
      pipelinesDir: join(world.root, `${name}_fresh`),
      destination: dlt.destinations.filesystem({ bucketUrl: target.bucketUrl, bucket: counting }),
    });
    await fresh.syncDestination();
    assert.equal(fresh.state._state_version, loads);
    counts.push(requests.length);
  }
  assert.equal(counts[0], counts[1], `requests: ${counts.join(" vs ")}`);
  assert.ok(counts[1] <= 6, `a cold start made ${counts[1]} requests`);
});

/** A bucket that records the name of every call that reaches `bucket`. */
function countingBucket(bucket: dlt.Bucket, calls: string[]): dlt.Bucket {
  return new Proxy(bucket, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || key === "constructor") return value;
      return (...args: unknown[]) => {
        calls.push(`${String(key)} ${String(args[0])}`);
        return value.apply(target, args);
      };
    },
  });
}
