import assert from "node:assert/strict";
import { CliWorld } from "./_helpers.ts";

Deno.test("a command that changes state refuses to run while a pipeline run holds the lock", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  const before = await world.localState();
  await using holder = await world.holdLock(30_000);
  const result = await world.cli(["gh", "reset", "users", "--yes"]);
  assert.equal(result.code, 3);
  assert.match(
    result.stderr,
    new RegExp(`Cannot change pipeline "gh": a run of it holds the lock \\(pid ${holder.pid}\\)`),
  );
  assert.match(result.stderr, /--wait <seconds>/);
  assert.equal(result.stdout, "");
  assert.deepEqual(await world.localState(), before);
});

Deno.test("--wait lets a command wait for the run that holds the lock", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  await using _holder = await world.holdLock(1_000);
  const result = await world.cli(["gh", "reset", "users", "--yes", "--wait", "30"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Committed state version/);
});

Deno.test("commands that only read work while a run holds the lock", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  await using _holder = await world.holdLock(30_000);
  const result = await world.cli(["gh", "history"]);
  assert.equal(result.code, 0, result.stderr);
});
