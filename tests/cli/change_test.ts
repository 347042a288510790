import assert from "node:assert/strict";
import { join } from "node:path";
import { CliWorld, day } from "./_helpers.ts";

const LAST_VALUE = "sources.github.resources.issues.incremental.updated_at.last_value";

/** A world where the pipeline ran three times: issues 1..3, 1..6, 1..9. */
async function threeRuns(): Promise<CliWorld & { loadIds: string[] }> {
  const world = await CliWorld.create();
  const loadIds: string[] = [];
  for (const upTo of [3, 6, 9]) loadIds.push(...(await world.run(upTo)).info.loadIds);
  return Object.assign(world, { loadIds });
}

function ids(rows: Record<string, unknown>[]): number[] {
  return rows.map((row) => row.id as number).sort((a, b) => a - b);
}

Deno.test("rollback --revert-loads commits the old content, withdraws later loads, and the next run continues from the old cursor", async () => {
  await using world = await threeRuns();
  const result = await world.cliJson([
    "gh",
    "rollback",
    "1",
    "--revert-loads",
    "--yes",
  ]);
  assert.equal(result.changed, true);
  assert.equal(result.stateVersion, 4);
  assert.deepEqual(result.revertedLoads, world.loadIds.slice(1));
  assert.equal(await world.cliJson<string>(["gh", "state", LAST_VALUE]), day(3));
  assert.deepEqual(ids(await world.tableRows("issues")), [1, 2, 3]);

  const next = await world.run(9);
  assert.equal(next.since, day(3));
  assert.deepEqual(next.info.rowCounts, { issues: 6 });
  assert.deepEqual(ids(await world.tableRows("issues")), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const history = await world.cliJson<{ version: number }[]>(["gh", "history", "--no-rows"]);
  assert.deepEqual(history.map((v) => v.version), [1, 4, 5]);
});

Deno.test("rollback --keep-loads moves the cursor back and keeps every row", async () => {
  await using world = await threeRuns();
  const result = await world.cliJson(["gh", "rollback", "2", "--keep-loads", "--yes"]);
  assert.deepEqual(result.revertedLoads, []);
  assert.equal(await world.cliJson<string>(["gh", "state", LAST_VALUE]), day(6));
  assert.deepEqual(ids(await world.tableRows("issues")), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const history = await world.cliJson<{ version: number }[]>(["gh", "history", "--no-rows"]);
  assert.deepEqual(history.map((v) => v.version), [1, 2, 3, 4]);
});

Deno.test("rollback asks first and changes nothing without a yes", async () => {
  await using world = await threeRuns();
  const before = await world.localState();
  const declined = await world.cli(["gh", "rollback", "1", "--revert-loads"], { stdin: "n\n" });
  assert.equal(declined.code, 5);
  assert.match(declined.stdout, /^Roll back pipeline gh to the content of state version 1/m);
  assert.match(
    declined.stdout,
    /^ {4}~ sources\.github\.resources\.issues\.incremental\.updated_at\.last_value {2}"2024-01-09T00:00:00\.000Z" → "2024-01-03T00:00:00\.000Z"$/m,
  );
  assert.match(declined.stderr, /Proceed\? \[y\/N\] /);
  const noAnswer = await world.cli(["gh", "rollback", "1", "--revert-loads"]);
  assert.equal(noAnswer.code, 5);
  assert.match(noAnswer.stderr, /pass --yes/);
  assert.deepEqual(await world.localState(), before);
  assert.equal((await world.tableRows("issues")).length, 9);

  const accepted = await world.cli(["gh", "rollback", "1"], { stdin: "y\ny\n" });
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.match(accepted.stderr, /Also withdraw these 2 load\(s\)\?/);
  assert.match(accepted.stdout, /^Committed state version 4 \(load \S+\)$/m);
  assert.deepEqual(ids(await world.tableRows("issues")), [1, 2, 3]);
});

Deno.test("rollback to the content the state already has does nothing", async () => {
  await using world = await threeRuns();
  const result = await world.cli(["gh", "rollback", "3", "--yes"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^Nothing to do: /m);
  const missing = await world.cli(["gh", "rollback", "17", "--yes"]);
  assert.equal(missing.code, 4);
});

Deno.test("reset deletes one resource's state so the next run starts it over, keeping its rows", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  const result = await world.cli(["gh", "reset", "users", "--yes"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Reset the state of resource github\.users .*\n {4}lastUserId: 2$/m);
  const state = await world.cliJson(["gh", "state", "--source", "github"]);
  assert.deepEqual(Object.keys(state.resources as object), ["issues"]);
  assert.equal((await world.tableRows("users")).length, 2);
  const next = await world.run(3);
  assert.deepEqual(next.info.rowCounts, { users: 2 });
  const unknown = await world.cli(["gh", "reset", "nobody", "--yes"]);
  assert.equal(unknown.code, 4);
});

Deno.test("set commits one value as a new version, and the next run reads it", async () => {
  await using world = await CliWorld.create();
  await world.run(6);
  const result = await world.cliJson([
    "gh",
    "set",
    "--resource",
    "issues",
    "incremental.updated_at.last_value",
    JSON.stringify(day(4)),
    "--yes",
  ]);
  assert.deepEqual([result.path, result.before, result.after], [LAST_VALUE, day(6), day(4)]);
  assert.equal(result.stateVersion, 2);
  const next = await world.run(6);
  assert.equal(next.since, day(4));
});

Deno.test("set refuses managed keys and values that are not JSON", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  const managed = await world.cli(["gh", "set", "_state_version", "9", "--yes"]);
  assert.equal(managed.code, 2);
  assert.match(managed.stderr, /managed by the pipeline/);
  const notJson = await world.cli(["gh", "set", "sources.github.note", "hello", "--yes"]);
  assert.equal(notJson.code, 2);
  assert.match(notJson.stderr, /is not JSON/);
});

Deno.test("drop resets a resource's table and state; --state-only keeps the table", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  const dropped = await world.cli(["gh", "drop", "issues", "--yes"]);
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.match(dropped.stdout, /^ {2}Table\(s\) to drop:\s+issues$/m);
  assert.deepEqual(await world.tableRows("issues"), []);
  const stateOnly = await world.cliJson(["gh", "drop", "re:^us", "--state-only", "--yes"]);
  assert.deepEqual((stateOnly.plan as { resourceStates: string[] }).resourceStates, ["users"]);
  assert.equal((await world.tableRows("users")).length, 2);
  const state = await world.cliJson(["gh", "state", "--source", "github"]);
  assert.deepEqual(state.resources, {});
  const next = await world.run(3);
  assert.equal(next.since, day(1));
});

Deno.test("drop exits with 4 when nothing matches and with 2 when nothing is named", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  assert.equal((await world.cli(["gh", "drop", "nope", "--yes"])).code, 4);
  assert.equal((await world.cli(["gh", "drop", "--yes"])).code, 2);
});

Deno.test("sync restores a pipeline whose working dir is gone, and info opens it afterwards", async () => {
  await using world = await CliWorld.create();
  await world.run(6);
  await Deno.remove(join(world.pipelinesDir, "gh"), { recursive: true });
  const restored = await world.cliJson([
    "gh",
    "sync",
    "--bucket-url",
    world.bucketDir,
    "--dataset-name",
    "github_data",
    "--yes",
  ]);
  assert.deepEqual([restored.localVersion, restored.destinationVersion], [null, 1]);
  assert.equal(await world.cliJson<string>(["gh", "state", LAST_VALUE]), day(6));
  const info = await world.cliJson(["gh", "info"]);
  assert.equal(info.inSync, true);
  const again = await world.cli(["gh", "sync", "--yes"]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /^Nothing to do: /m);
});

Deno.test("pending lists a package a crashed run left, and drop-pending discards it and goes back to the committed state", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  const crashed = await world.runRaw(6, { DLT_TEST_KILL_AT: "local_state" });
  assert.notEqual(crashed.code, 0);
  const pending = await world.cliJson<{ stateVersion: number; rowCounts: object }[]>([
    "gh",
    "pending",
  ]);
  assert.deepEqual(pending.map((p) => [p.stateVersion, p.rowCounts]), [[2, { issues: 3 }]]);
  const dropped = await world.cliJson(["gh", "drop-pending", "--yes"]);
  assert.equal((dropped.droppedPackages as string[]).length, 1);
  assert.equal(dropped.stateVersion, 1);
  assert.deepEqual(await world.cliJson(["gh", "pending"]), []);
  assert.equal(await world.cliJson<string>(["gh", "state", LAST_VALUE]), day(3));
  const next = await world.run(6);
  assert.equal(next.since, day(3));
  assert.deepEqual(ids(await world.tableRows("issues")), [1, 2, 3, 4, 5, 6]);
});
