/**
 * The crash matrix on object storage (moto's S3 server): a pipeline in a child process is killed
 * with SIGKILL at every step of the run protocol, then run again — from the same working dir, or
 * from a fresh one, as on Deno Deploy or a CI runner, where nothing of the killed run survives
 * but what it wrote to the bucket. Every row must be there exactly once, nothing may block the
 * next run, and the states must agree.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { TempWorld } from "../helpers/temp_pipeline.ts";
import { runFixture, spawnFixture } from "../helpers/child.ts";
import { assertEachIdOnce, assertStatesAgree } from "../helpers/invariants.ts";
import { useMoto } from "../helpers/moto.ts";
import { s3Target, type Target } from "../helpers/targets.ts";

const moto = useMoto();

const KILL_POINTS = [
  "package_file:items",
  "extract_commit",
  "local_state",
  "reset_marker",
  "table_file",
  "keys_file",
  "schema_row",
  "before_loads_row",
  "state_version",
  "loads_row",
  "package_trash",
];

function spec(world: TempWorld, target: Target, disposition: string, total: number, dir: string) {
  return JSON.stringify({
    root: world.root,
    bucketUrl: target.bucketUrl,
    pipelinesDir: join(world.root, dir),
    pipelineName: "crashy",
    writeDisposition: disposition,
    total,
    pageSize: 2,
    version: total === 4 ? 1 : 2,
  });
}

function reader(world: TempWorld, target: Target) {
  return world.pipeline("crashy", {
    pipelinesDir: join(world.root, `reader${crypto.randomUUID()}`),
    destination: target.destination(),
  });
}

for (const fresh of [false, true]) {
  for (const disposition of ["merge", "replace"]) {
    for (const point of KILL_POINTS) {
      if (point === "keys_file" && disposition !== "merge") continue;
      if (point === "reset_marker" && disposition !== "replace") continue;
      if (disposition === "replace" && !fresh) continue; // the local layout's matrix covers it
      const how = fresh ? "from a fresh working dir" : "from the same working dir";
      Deno.test(`S3, ${disposition}: a run killed at ${point} is finished ${how}`, async () => {
        await using world = await TempWorld.create();
        const target = await s3Target(moto());
        const env = target.env;
        const first = await runFixture(
          "run_pipeline",
          [spec(world, target, disposition, 4, "a")],
          env,
        );
        assert.equal(first.code, 0, first.stdout + first.stderr);
        const killed = await runFixture(
          "run_pipeline",
          [spec(world, target, disposition, 6, "a")],
          { ...env, DLT_TEST_KILL_AT: point },
        );
        assert.equal(killed.signal, "SIGKILL", `not killed at ${point}: ${killed.stdout}`);
        const dir = fresh ? "b" : "a";
        const started = Date.now();
        const rerun = await runFixture(
          "run_pipeline",
          [spec(world, target, disposition, 6, dir)],
          env,
        );
        assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
        assert.ok(Date.now() - started < 10_000, "the killed run blocked the next one");
        const pipeline = reader(world, target);
        await assertEachIdOnce(pipeline, 6);
        await pipeline.syncDestination();
        await assertStatesAgree(pipeline);
        const idle = await runFixture(
          "run_pipeline",
          [spec(world, target, disposition, 6, dir)],
          env,
        );
        assert.equal(idle.code, 0, idle.stdout + idle.stderr);
        if (disposition === "merge") assert.deepEqual(JSON.parse(idle.stdout).loadIds, []);
        await assertEachIdOnce(reader(world, target), 6);
      });
    }
  }
}

Deno.test("S3: runs killed at random times, each rerun from a fresh working dir, lose and duplicate nothing", async () => {
  await using world = await TempWorld.create();
  const target = await s3Target(moto());
  const total = 3000;
  const args = (dir: string) =>
    JSON.stringify({
      root: world.root,
      bucketUrl: target.bucketUrl,
      pipelinesDir: join(world.root, dir),
      pipelineName: "crashy",
      writeDisposition: "append",
      total,
      pageSize: 10,
      checkpointRows: 100,
      holdMs: 5,
    });
  let kills = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    const child = spawnFixture("run_pipeline", [args(`machine${attempt}`)], target.env);
    await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 900));
    try {
      child.kill("SIGKILL");
    } catch { /* already done */ }
    const result = await child.output();
    if (result.signal === "SIGKILL") kills++;
    else assert.equal(result.code, 0, new TextDecoder().decode(result.stdout));
  }
  assert.ok(kills >= 4, `only ${kills} of 8 runs were killed mid-way`);
  const final = await runFixture("run_pipeline", [args("final")], target.env);
  assert.equal(final.code, 0, final.stdout + final.stderr);
  const pipeline = reader(world, target);
  await assertEachIdOnce(pipeline, total);
  await pipeline.syncDestination();
  await assertStatesAgree(pipeline);
});

Deno.test("S3: two processes racing to commit the same next version: one commits, nothing doubles", async () => {
  await using world = await TempWorld.create();
  const target = await s3Target(moto());
  const first = await runFixture(
    "run_pipeline",
    [spec(world, target, "append", 4, "a")],
    target.env,
  );
  assert.equal(first.code, 0, first.stderr);
  // Both extract from version 1 (fresh working dirs), then race for version 2.
  const racing = (dir: string) =>
    JSON.stringify({ ...JSON.parse(spec(world, target, "append", 6, dir)), holdMs: 1500 });
  const racers = ["b", "c"].map((dir) => spawnFixture("run_pipeline", [racing(dir)], target.env));
  const results = await Promise.all(racers.map((child) => child.output()));
  const texts = results.map((r) => new TextDecoder().decode(r.stdout));
  const won = texts.filter((text) => text.includes('"loadIds"'));
  const lost = texts.filter((text) => text.includes("StateConflictError"));
  assert.equal(won.length, 1, texts.join("\n"));
  assert.equal(lost.length, 1, texts.join("\n"));
  await assertEachIdOnce(reader(world, target), 6);
});
