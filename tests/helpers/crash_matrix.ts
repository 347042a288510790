/**
 * The crash matrix of a destination without appends (S3, Deno KV): a pipeline in a child process
 * is killed with SIGKILL at every step of the run protocol, then run again — from the same working
 * dir, or from a fresh one, as on Deno Deploy or a CI runner, where nothing of the killed run
 * survives but what it wrote to the destination. Every row must be there exactly once, nothing
 * may block the next run, and the states must agree. Then runs killed at random times, and two
 * processes racing for one state version.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { TempWorld } from "./temp_pipeline.ts";
import { killAtRandomTimes, runFixture, spawnFixture } from "./child.ts";
import { assertEachIdOnce, assertStatesAgree } from "./invariants.ts";
import type { Target } from "./targets.ts";

/** The steps of a run a child is killed at (`DLT_TEST_KILL_AT`). */
export const KILL_POINTS = [
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

/** How the matrix reaches its destination. */
export interface CrashMatrixOptions {
  /** Names the destination in test names (`"S3"`, `"Deno KV"`). */
  label: string;
  /** A fresh, empty destination for one test; `dispose` (optional) closes it afterwards. */
  target: () => Promise<{ target: Target; dispose?: () => Promise<void> }>;
  /** Registers a test (`Deno.test`, or one that is ignored where the destination cannot run). */
  test: (name: string, fn: () => Promise<void>) => void;
}

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

/** Registers the crash matrix, the random kills and the race of two processes. */
export function registerCrashMatrix(options: CrashMatrixOptions): void {
  const { label } = options;
  const withTarget = (fn: (world: TempWorld, target: Target) => Promise<void>) => async () => {
    await using world = await TempWorld.create();
    const { target, dispose } = await options.target();
    try {
      await fn(world, target);
    } finally {
      await dispose?.();
    }
  };
  const run = (target: Target, args: string, env: Record<string, string> = {}) =>
    runFixture("run_pipeline", [args], { ...target.env, ...env }, {
      denoFlags: target.denoFlags,
    });
  const spawn = (target: Target, args: string) =>
    spawnFixture("run_pipeline", [args], target.env, { denoFlags: target.denoFlags });

  for (const fresh of [false, true]) {
    for (const disposition of ["merge", "replace"]) {
      for (const point of KILL_POINTS) {
        if (point === "keys_file" && disposition !== "merge") continue;
        if (point === "reset_marker" && disposition !== "replace") continue;
        if (disposition === "replace" && !fresh) continue; // the local layout's matrix covers it
        const how = fresh ? "from a fresh working dir" : "from the same working dir";
        options.test(
          `${label}, ${disposition}: a run killed at ${point} is finished ${how}`,
          withTarget(async (world, target) => {
            const first = await run(target, spec(world, target, disposition, 4, "a"));
            assert.equal(first.code, 0, first.stdout + first.stderr);
            const killed = await run(target, spec(world, target, disposition, 6, "a"), {
              DLT_TEST_KILL_AT: point,
            });
            assert.equal(killed.signal, "SIGKILL", `not killed at ${point}: ${killed.stdout}`);
            const dir = fresh ? "b" : "a";
            const started = Date.now();
            const rerun = await run(target, spec(world, target, disposition, 6, dir));
            assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
            assert.ok(Date.now() - started < 10_000, "the killed run blocked the next one");
            const pipeline = reader(world, target);
            await assertEachIdOnce(pipeline, 6);
            await pipeline.syncDestination();
            await assertStatesAgree(pipeline);
            const idle = await run(target, spec(world, target, disposition, 6, dir));
            assert.equal(idle.code, 0, idle.stdout + idle.stderr);
            if (disposition === "merge") assert.deepEqual(JSON.parse(idle.stdout).loadIds, []);
            await assertEachIdOnce(reader(world, target), 6);
          }),
        );
      }
    }
  }

  options.test(
    `${label}: runs killed at random times, each rerun from a fresh working dir, lose and duplicate nothing`,
    withTarget(async (world, target) => {
      // 1,200 pages held 10 ms each: 12 s of work, more than eight runs killed within 1.2 s of
      // their start can do, so every one of them is killed mid-way; the final run holds none.
      const total = 12_000;
      const args = (dir: string, holdMs = 10) =>
        JSON.stringify({
          root: world.root,
          bucketUrl: target.bucketUrl,
          pipelinesDir: join(world.root, dir),
          pipelineName: "crashy",
          writeDisposition: "append",
          total,
          pageSize: 10,
          checkpointRows: 100,
          holdMs,
        });
      const kills = await killAtRandomTimes(
        8,
        (attempt) => spawn(target, args(`machine${attempt}`)),
        300,
        900,
      );
      assert.ok(kills >= 4, `only ${kills} of 8 runs were killed mid-way`);
      const final = await run(target, args("final", 0));
      assert.equal(final.code, 0, final.stdout + final.stderr);
      const pipeline = reader(world, target);
      await assertEachIdOnce(pipeline, total);
      await pipeline.syncDestination();
      await assertStatesAgree(pipeline);
    }),
  );

  options.test(
    `${label}: two processes racing to commit the same next version: one commits, nothing doubles`,
    withTarget(async (world, target) => {
      const first = await run(target, spec(world, target, "append", 4, "a"));
      assert.equal(first.code, 0, first.stderr);
      // Both extract from version 1 (fresh working dirs), then race for version 2.
      const racing = (dir: string) =>
        JSON.stringify({ ...JSON.parse(spec(world, target, "append", 6, dir)), holdMs: 1500 });
      const racers = ["b", "c"].map((dir) => spawn(target, racing(dir)));
      const results = await Promise.all(racers.map((child) => child.output()));
      const texts = results.map((r) => new TextDecoder().decode(r.stdout));
      const won = texts.filter((text) => text.includes('"loadIds"'));
      const lost = texts.filter((text) => text.includes("StateConflictError"));
      assert.equal(won.length, 1, texts.join("\n"));
      assert.equal(lost.length, 1, texts.join("\n"));
      await assertEachIdOnce(reader(world, target), 6);
    }),
  );
}
