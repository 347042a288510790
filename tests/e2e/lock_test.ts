/** The pipeline lock, held by a real child process running the same pipeline. */
import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";
import { spawnFixture } from "../helpers/child.ts";
import { assertEachIdOnce } from "../helpers/invariants.ts";

/** Starts a child run that holds the lock for a while; resolves once it holds it. */
async function startHolder(world: TempWorld, holdMs: number): Promise<Deno.ChildProcess> {
  const child = spawnFixture("run_pipeline", [JSON.stringify({
    root: world.root,
    pipelineName: "locked",
    writeDisposition: "append",
    total: 4,
    pageSize: 1,
    holdMs,
  })]);
  // The OS lock's file, or the marker where the runtime has no FsFile.tryLock (Deno 2.5).
  const lockFiles = [".lock", ".lock.pid"].map((name) => `${world.pipelinesDir}/locked/${name}`);
  for (let i = 0; i < 500; i++) {
    for (const lockFile of lockFiles) {
      const text = await Deno.readTextFile(lockFile).catch(() => "");
      if (text.trim().split(" ")[0] === String(child.pid)) return child;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill("SIGKILL");
  await child.output();
  throw new Error("the child never took the lock");
}

const rows = dlt.resource([{ id: 100 }], { name: "other" });

Deno.test("a second run fails at once with PipelineLockedError naming the holder's pid", async () => {
  await using world = await TempWorld.create();
  const child = await startHolder(world, 400);
  try {
    const started = Date.now();
    const error = await world.pipeline("locked").run(rows).catch((e) => e);
    assert.ok(error instanceof dlt.PipelineLockedError, String(error));
    assert.equal(error.pid, child.pid);
    assert.match(error.message, new RegExp(`pid ${child.pid}`));
    assert.ok(Date.now() - started < 1000);
  } finally {
    await child.output();
  }
});

Deno.test("run({ wait: true }) waits for the holder and then runs", async () => {
  await using world = await TempWorld.create();
  const child = await startHolder(world, 150);
  const info = await world.pipeline("locked").run(rows, { wait: true });
  const { code } = await child.output();
  assert.equal(code, 0);
  assert.deepEqual(info.rowCounts, { other: 1 });
  await assertEachIdOnce(world.pipeline("locked"), 4);
});

Deno.test("run({ wait: { timeoutMs } }) gives up with PipelineLockedError", async () => {
  await using world = await TempWorld.create();
  const child = await startHolder(world, 500);
  try {
    const started = Date.now();
    await assert.rejects(
      world.pipeline("locked").run(rows, { wait: { timeoutMs: 200 } }),
      dlt.PipelineLockedError,
    );
    assert.ok(Date.now() - started >= 190);
  } finally {
    await child.output();
  }
});

Deno.test("a killed holder frees the lock by itself", async () => {
  await using world = await TempWorld.create();
  const child = await startHolder(world, 2000);
  child.kill("SIGKILL");
  await child.output();
  const info = await world.pipeline("locked").run(rows);
  assert.deepEqual(info.rowCounts, { other: 1 });
});

Deno.test("two Pipeline objects for one pipeline in one process never run at once", async () => {
  await using world = await TempWorld.create();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slow = dlt.resource(async function* () {
    await gate;
    yield { id: 1 };
  }, { name: "slow" });
  const first = world.pipeline("same").run(slow);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await assert.rejects(world.pipeline("same").run(rows), dlt.PipelineLockedError);
  release();
  await first;
});

Deno.test("of two runs started together, the one that loses names the winner's pid", async () => {
  await using world = await TempWorld.create();
  for (let round = 0; round < 5; round++) {
    const spec = JSON.stringify({
      root: world.root,
      pipelineName: `racing${round}`,
      writeDisposition: "append",
      total: 2,
      pageSize: 1,
      holdMs: 300,
    });
    const children = [spawnFixture("run_pipeline", [spec]), spawnFixture("run_pipeline", [spec])];
    const outputs = await Promise.all(children.map((child) => child.output()));
    const texts = outputs.map((output) => new TextDecoder().decode(output.stdout));
    const loser = texts.findIndex((text) => text.includes("PipelineLockedError"));
    assert.notEqual(loser, -1, texts.join("\n"));
    assert.match(texts[loser], new RegExp(`pid ${children[1 - loser].pid}\\)`), texts[loser]);
  }
});
