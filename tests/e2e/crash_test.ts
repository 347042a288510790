/**
 * The crash matrix: a real pipeline in a child process is killed with SIGKILL at every step of
 * the run protocol, for append, replace and merge, then run again normally. Every source row must
 * then be in the destination exactly once, and the local and destination states must agree.
 */
import assert from "node:assert/strict";
import { TempWorld } from "../helpers/temp_pipeline.ts";
import { killAtRandomTimes, runFixture, spawnFixture } from "../helpers/child.ts";
import { assertEachIdOnce, assertStatesAgree } from "../helpers/invariants.ts";

const KILL_POINTS = [
  "state_version",
  "package_file:items",
  "package_file:state.json",
  "package_file:manifest.json",
  "extract_commit",
  "local_state",
  "reset_marker",
  "table_file",
  "keys_file",
  "schema_row",
  "state_row",
  "before_loads_row",
  "loads_row",
  "package_trash",
];

function spec(root: string, disposition: string, total: number, version: number) {
  return JSON.stringify({
    root,
    pipelineName: "crashy",
    writeDisposition: disposition,
    total,
    pageSize: 2,
    version,
  });
}

for (const disposition of ["append", "replace", "merge"]) {
  for (const point of KILL_POINTS) {
    const reachable = (point !== "keys_file" || disposition === "merge") &&
      (point !== "reset_marker" || disposition === "replace");
    if (!reachable) continue;
    Deno.test(`${disposition}: a run killed at ${point} is finished by the next run without duplicates`, async () => {
      await using world = await TempWorld.create();
      const first = await runFixture("run_pipeline", [spec(world.root, disposition, 4, 1)]);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      const killed = await runFixture("run_pipeline", [spec(world.root, disposition, 6, 2)], {
        DLT_TEST_KILL_AT: point,
      });
      assert.equal(killed.signal, "SIGKILL", `not killed at ${point}: ${killed.stdout}`);
      const rerun = await runFixture("run_pipeline", [spec(world.root, disposition, 6, 2)]);
      assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
      const pipeline = world.pipeline("crashy");
      await assertEachIdOnce(pipeline, 6);
      await assertStatesAgree(pipeline);
      if (disposition !== "replace") {
        assert.deepEqual(pipeline.state.sources!.crashy.resources!.items, { nextPage: 3 });
      }
      // One more run finds nothing new and changes nothing.
      const idle = await runFixture("run_pipeline", [spec(world.root, disposition, 6, 2)]);
      assert.equal(idle.code, 0, idle.stdout + idle.stderr);
      if (disposition !== "replace") assert.deepEqual(JSON.parse(idle.stdout).loadIds, []);
      await assertEachIdOnce(pipeline, 6);
    });
  }
}

Deno.test("runs killed at random times never duplicate or lose rows", async () => {
  await using world = await TempWorld.create();
  const total = 4000; // 400 pages, 5 ms apart: more work than six kills can interrupt
  const args = JSON.stringify({
    root: world.root,
    pipelineName: "crashy",
    writeDisposition: "append",
    total,
    pageSize: 10,
    checkpointRows: 100,
    holdMs: 5,
  });
  const kills = await killAtRandomTimes(6, () => spawnFixture("run_pipeline", [args]), 100, 250);
  assert.ok(kills >= 3, `only ${kills} of 6 runs were killed mid-way`);
  const final = await runFixture("run_pipeline", [args]);
  assert.equal(final.code, 0, final.stdout + final.stderr);
  const pipeline = world.pipeline("crashy");
  await assertEachIdOnce(pipeline, total);
  await assertStatesAgree(pipeline);
});
