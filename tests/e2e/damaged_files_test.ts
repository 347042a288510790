/** Damaged local files and failing writes: detected, never silently loaded or lost. */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as dlt from "../../mod.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";
import { runFixture } from "../helpers/child.ts";
import { assertEachIdOnce, assertStatesAgree } from "../helpers/invariants.ts";
import { canMakeReadOnly, canMount, makeReadOnly, mountTinyTmpfs } from "../helpers/mounts.ts";

function counter() {
  return dlt.resource(function* () {
    const state = dlt.current.resourceState<{ next?: number }>();
    const start = state.next ?? 1;
    for (let id = start; id < start + 3; id++) yield { id };
    state.next = start + 3;
  }, { name: "items" });
}

function recordingWorld(world: TempWorld, name: string, warnings: string[], options = {}) {
  return world.pipeline(name, {
    logger: { warn: (message) => warnings.push(message), info: () => {} },
    ...options,
  });
}

for (
  const [label, damage] of [
    ["truncated", (text: string) => text.slice(0, text.length / 2)],
    ["overwritten with garbage", () => "\u0000garbage{"],
    ["emptied", () => ""],
  ] as const
) {
  Deno.test(`a ${label} state.json is recovered from the destination with a warning`, async () => {
    await using world = await TempWorld.create();
    const warnings: string[] = [];
    const pipeline = recordingWorld(world, "damaged", warnings);
    await pipeline.run(counter());
    const file = join(pipeline.workingDir, "state.json");
    await Deno.writeTextFile(file, damage(await Deno.readTextFile(file)));
    const info = await pipeline.run(counter());
    assert.deepEqual(info.rowCounts, { items: 3 });
    assert.ok(warnings.some((w) => w.includes(file) && w.includes("recovered state version 1")));
    await assertEachIdOnce(pipeline, 6);
    await assertStatesAgree(pipeline);
  });
}

Deno.test("a damaged state.json with no state in the destination stops the run, naming the file", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("no_backup", { restoreFromDestination: false });
  await pipeline.run(counter());
  const file = join(pipeline.workingDir, "state.json");
  await Deno.writeTextFile(file, "{ not json");
  const before = await world.snapshot();
  const error = await pipeline.run(counter()).catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed);
  assert.equal(error.step, "sync");
  assert.ok(error.cause instanceof dlt.StateFileCorruptedError);
  assert.equal(error.cause.file, file);
  assert.deepEqual(await world.snapshot(), before);
  // With a destination that never got a state row, the message says how to proceed.
  const fresh = world.pipeline("no_state_yet");
  await Deno.mkdir(fresh.workingDir, { recursive: true });
  await Deno.writeTextFile(join(fresh.workingDir, "state.json"), "]]");
  const second = await fresh.run(counter()).catch((e) => e);
  assert.ok(second.cause instanceof dlt.StateFileCorruptedError);
  assert.match(second.cause.message, /^Delete ".*state\.json" to start pipeline "no_state_yet"/);
});

Deno.test("a damaged pending package is quarantined with an error, and the next run reloads its rows", async () => {
  await using world = await TempWorld.create();
  const spec = (total: number) =>
    JSON.stringify({
      root: world.root,
      pipelineName: "quarantine",
      writeDisposition: "append",
      total,
      pageSize: 2,
    });
  assert.equal((await runFixture("run_pipeline", [spec(4)])).code, 0);
  const killed = await runFixture("run_pipeline", [spec(8)], { DLT_TEST_KILL_AT: "local_state" });
  assert.equal(killed.signal, "SIGKILL");
  const loadDir = join(world.pipelinesDir, "quarantine", "load");
  const [pending] = [...Deno.readDirSync(loadDir)].map((e) => e.name);
  const dataFile = join(loadDir, pending, "items.0.jsonl");
  await Deno.truncate(dataFile, 10);
  const failed = await runFixture("run_pipeline", [spec(8)]);
  assert.equal(failed.code, 2);
  const report = JSON.parse(failed.stdout);
  assert.equal(report.error, "PipelineStepFailed");
  assert.match(report.message, /quarantine/);
  assert.ok(
    Deno.statSync(join(world.pipelinesDir, "quarantine", "quarantine", pending)).isDirectory,
  );
  const pipeline = world.pipeline("quarantine");
  await assertEachIdOnce(pipeline, 4); // nothing of the damaged package was loaded
  const rerun = await runFixture("run_pipeline", [spec(8)]);
  assert.equal(rerun.code, 0, rerun.stdout);
  await assertEachIdOnce(pipeline, 8);
  await assertStatesAgree(pipeline);
});

Deno.test({
  name: "a run into a read-only bucket fails and loses nothing; the next run loads it",
  ignore: !canMakeReadOnly,
  async fn() {
    await using world = await TempWorld.create();
    const pipeline = world.pipeline("readonly_bucket");
    await pipeline.run(counter());
    const restore = makeReadOnly(world.bucketDir);
    let error: unknown;
    try {
      error = await pipeline.run(counter()).catch((e) => e);
    } finally {
      restore();
    }
    // The load is the first write to the bucket: its package stays pending.
    assert.ok(error instanceof dlt.PipelineStepFailed, String(error));
    assert.equal(error.step, "load");
    await assertEachIdOnce(pipeline, 3); // the committed data is intact
    assert.equal((await pipeline.pendingPackages()).length, 1);
    await pipeline.run(counter()); // loads the pending package, then extracts anew
    await assertEachIdOnce(pipeline, 9);
    await assertStatesAgree(pipeline);
  },
});

Deno.test({
  name: "a read-only working dir fails the run before anything is written",
  ignore: !canMakeReadOnly,
  async fn() {
    await using world = await TempWorld.create();
    const pipeline = world.pipeline("readonly_workdir");
    await pipeline.run(counter());
    const before = await world.snapshot();
    const restore = makeReadOnly(pipeline.workingDir);
    let error: unknown;
    try {
      error = await pipeline.run(counter()).catch((e) => e);
    } finally {
      restore();
    }
    assert.ok(error instanceof dlt.DltError, String(error));
    assert.deepEqual(await world.snapshot(), before);
    await pipeline.run(counter());
    await assertEachIdOnce(pipeline, 6);
  },
});

Deno.test({
  name: "a full disk in the working dir fails the run and leaves the committed state intact",
  ignore: !canMount,
  async fn() {
    await using world = await TempWorld.create();
    const pipelinesDir = join(world.root, "tiny");
    const unmount = mountTinyTmpfs(pipelinesDir, 64);
    try {
      const pipeline = world.pipeline("full_disk", { pipelinesDir });
      await pipeline.run(counter());
      const stateBefore = await Deno.readTextFile(join(pipeline.workingDir, "state.json"));
      const big = dlt.resource(function* () {
        dlt.current.resourceState().marker = 1;
        for (let i = 0; i < 5000; i++) yield { id: i, padding: "x".repeat(100) };
      }, { name: "big" });
      const error = await pipeline.run(big).catch((e) => e);
      assert.ok(error instanceof dlt.PipelineStepFailed, String(error));
      // The rows are flushed as the buffer fills (extract) or when the package is closed (commit).
      assert.ok(error.step === "extract" || error.step === "commit", error.step);
      assert.ok(error.cause instanceof dlt.DiskFullError, String(error.cause));
      assert.match(error.cause.message, new RegExp(pipelinesDir));
      assert.equal(await Deno.readTextFile(join(pipeline.workingDir, "state.json")), stateBefore);
      await assertEachIdOnce(pipeline, 3);
      await assertStatesAgree(pipeline);
      assert.deepEqual(await pipeline.pendingPackages(), []);
    } finally {
      unmount();
    }
  },
});

Deno.test({
  name: "a full disk in the bucket fails the load; the package stays pending and loads later",
  ignore: !canMount,
  async fn() {
    await using world = await TempWorld.create();
    const bucket = join(world.root, "tiny_bucket");
    const unmount = mountTinyTmpfs(bucket, 64);
    const pipeline = world.pipeline("full_bucket", {
      destination: dlt.destinations.filesystem({ bucketUrl: bucket }),
    });
    try {
      await pipeline.run(counter());
      const big = dlt.resource(function* () {
        for (let i = 0; i < 2000; i++) yield { id: 100 + i, padding: "y".repeat(100) };
      }, { name: "items" });
      const error = await pipeline.run(big).catch((e) => e);
      assert.ok(error instanceof dlt.PipelineStepFailed, String(error));
      assert.equal(error.step, "load");
      assert.ok(error.cause instanceof dlt.DiskFullError, String(error.cause));
      assert.match(error.cause.message, /disk of ".*tiny_bucket"/);
      await assertEachIdOnce(pipeline, 3);
      assert.equal((await pipeline.pendingPackages()).length, 1);
    } finally {
      unmount();
    }
    // The same folder on the real disk: the pending package loads now.
    await Deno.mkdir(bucket, { recursive: true });
    const info = await pipeline.run(dlt.resource([], { name: "nothing" }));
    assert.equal(info.pendingLoadIds.length, 1);
  },
});

for (
  const [label, edit] of [
    ["a key renamed", (text: string) => text.replace('"resources"', '"resourcez"')],
    ["a cursor edited", (text: string) => text.replace('"next": 4', '"next": 40')],
  ] as const
) {
  Deno.test(`a state.json that is valid JSON with ${label} is recovered from the destination`, async () => {
    await using world = await TempWorld.create();
    const warnings: string[] = [];
    const pipeline = recordingWorld(world, "edited", warnings);
    await pipeline.run(counter());
    const file = join(pipeline.workingDir, "state.json");
    const text = await Deno.readTextFile(file);
    const edited = edit(text);
    assert.notEqual(edited, text);
    JSON.parse(edited); // still valid JSON
    await Deno.writeTextFile(file, edited);
    const info = await pipeline.run(counter());
    assert.deepEqual(info.rowCounts, { items: 3 });
    assert.ok(
      warnings.some((w) => w.includes(file) && w.includes("does not match its _version_hash")),
      warnings.join("\n"),
    );
    await assertEachIdOnce(pipeline, 6);
    await assertStatesAgree(pipeline);
  });
}

Deno.test("an edited state.json with no state in the destination stops the run with StateFileCorruptedError", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("edited_alone", { restoreFromDestination: false });
  await pipeline.run(counter());
  const file = join(pipeline.workingDir, "state.json");
  await Deno.writeTextFile(
    file,
    (await Deno.readTextFile(file)).replace('"next": 4', '"next": 40'),
  );
  const error = await pipeline.run(counter()).catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed, String(error));
  assert.ok(error.cause instanceof dlt.StateFileCorruptedError, String(error.cause));
  assert.equal(error.cause.file, file);
});

Deno.test("a pending package that was deleted is extracted again, with a warning", async () => {
  await using world = await TempWorld.create();
  const spec = JSON.stringify({
    root: world.root,
    pipelineName: "vanished",
    writeDisposition: "append",
    total: 8,
    pageSize: 2,
  });
  // The run dies right after committing its extract: its package is pending, the state ahead.
  const killed = await runFixture("run_pipeline", [spec], { DLT_TEST_KILL_AT: "local_state" });
  assert.equal(killed.signal, "SIGKILL");
  const warnings: string[] = [];
  const pipeline = dlt.pipeline({
    pipelineName: "vanished",
    pipelinesDir: `${world.root}/pipelines`,
    destination: dlt.destinations.filesystem({ bucketUrl: `${world.root}/bucket` }),
    logger: { warn: (message) => warnings.push(message), info: () => {} },
  });
  assert.equal((await pipeline.pendingPackages()).length, 1);
  await Deno.remove(join(pipeline.workingDir, "load"), { recursive: true });
  const rerun = await runFixture("run_pipeline", [spec]);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /neither committed in the destination nor pending/);
  await assertEachIdOnce(pipeline, 8);
  await assertStatesAgree(pipeline);
});
