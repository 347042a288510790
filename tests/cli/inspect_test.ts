import assert from "node:assert/strict";
import { join } from "node:path";
import * as dlt from "../../mod.ts";
import { CliWorld, day } from "./_helpers.ts";

/** A world where the pipeline ran twice: issues 1..3, then 1..6 (cursor at day 6). */
async function twoRuns(): Promise<CliWorld & { loadIds: string[] }> {
  const world = await CliWorld.create();
  const first = await world.run(3);
  const second = await world.run(6);
  return Object.assign(world, { loadIds: [...first.info.loadIds, ...second.info.loadIds] });
}

Deno.test("list shows each pipeline of the pipelines dir with its dataset and state version", async () => {
  await using world = await twoRuns();
  const listed = await world.cliJson<{ pipelines: Record<string, unknown>[] }>(["list"]);
  assert.deepEqual(listed.pipelines, [{
    pipelineName: "gh",
    datasetName: "github_data",
    destination: { type: "filesystem", bucketUrl: world.bucketDir },
    stateVersion: 2,
    stateDamaged: false,
    pendingPackages: 0,
  }]);
  const human = await world.cli(["list"]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /^ {2}gh\s+github_data\s+filesystem .*\s+v2\s+0$/m);
});

Deno.test("info shows the working dir, destination, dataset, state versions, resources and last loads", async () => {
  await using world = await twoRuns();
  const info = await world.cliJson(["gh", "info"]);
  assert.equal(info.workingDir, join(world.pipelinesDir, "gh"));
  assert.equal(info.pipelinesDirFrom, "command line");
  assert.deepEqual(info.destination, {
    type: "filesystem",
    bucketUrl: world.bucketDir,
    from: "working dir record",
  });
  assert.equal(info.datasetName, "github_data");
  assert.equal(info.layout, "append");
  assert.equal(info.stateVersion, 2);
  assert.equal(info.destinationStateVersion, 2);
  assert.equal(info.inSync, true);
  assert.deepEqual(
    (info.lastLoads as { loadId: string; stateVersion: number }[]).map((l) => [
      l.loadId,
      l.stateVersion,
    ]),
    [[world.loadIds[1], 2], [world.loadIds[0], 1]],
  );
  assert.deepEqual(info.pendingPackages, []);
  assert.deepEqual(info.sources, {
    github: { issues: `updated_at → "${day(6)}"`, users: "lastUserId=2" },
  });
  const human = await world.cli(["gh"]); // info is the default command
  assert.equal(human.code, 0);
  assert.match(
    human.stdout,
    /^ {2}state\s+version 2 \(local\); version 2 committed in the destination/m,
  );
  assert.match(
    human.stdout,
    new RegExp(`^  ${world.loadIds[1].replace(".", "\\.")}\\s+\\S+\\s+v2$`, "m"),
  );
});

Deno.test("info names the layout it finds: Python dlt's where the dataset has it", async () => {
  await using world = await CliWorld.create();
  const pipeline = dlt.pipeline({
    pipelineName: "gh",
    pipelinesDir: world.pipelinesDir,
    datasetName: world.dataset,
    destination: dlt.destinations.filesystem({ bucketUrl: world.bucketDir, layout: "dlt" }),
  });
  await pipeline.run([{ id: 1 }], { tableName: "issues" });
  // The working dir records where the dataset is, not its layout: info finds it there.
  const info = await world.cliJson(["gh", "info"]);
  assert.equal(info.layout, "dlt");
  const human = await world.cli(["gh", "info"]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /^ {2}layout\s+dlt\s+\(Python dlt's: one file per load/m);
});

Deno.test("state prints the decoded state, one resource, or one path", async () => {
  await using world = await twoRuns();
  const whole = await world.cliJson(["gh", "state"]);
  assert.equal(whole._state_version, 2);
  assert.equal("_local" in whole, false);
  const issues = await world.cliJson(["gh", "state", "--resource", "issues"]);
  assert.deepEqual(Object.keys(issues), ["incremental"]);
  const lastValue = await world.cliJson<string>([
    "gh",
    "state",
    "sources.github.resources.issues.incremental.updated_at.last_value",
  ]);
  assert.equal(lastValue, day(6));
  const human = await world.cli(["gh", "state", "--resource", "users"]);
  assert.equal(human.stdout, "lastUserId: 2\n");
  const missing = await world.cli(["gh", "state", "--resource", "nope"]);
  assert.equal(missing.code, 4);
  assert.match(missing.stderr, /"nope" has none \(known: github\.issues, github\.users\)/);
});

Deno.test("state --version prints a committed version from the destination", async () => {
  await using world = await twoRuns();
  const v1 = await world.cliJson<string>([
    "gh",
    "state",
    "--version",
    "1",
    "sources.github.resources.issues.incremental.updated_at.last_value",
  ]);
  assert.equal(v1, day(3));
});

Deno.test("history lists every committed version with its load, rows and changes", async () => {
  await using world = await twoRuns();
  const history = await world.cliJson<Record<string, unknown>[]>(["gh", "history"]);
  assert.deepEqual(history.map((v) => [v.version, v.loadId, v.rowCounts]), [
    [1, world.loadIds[0], { issues: 3, users: 2 }],
    [2, world.loadIds[1], { issues: 3 }],
  ]);
  assert.deepEqual(
    (history[1].changes as { path: string; kind: string; before: unknown; after: unknown }[])
      .find((c) => c.path.endsWith("last_value")),
    {
      path: "sources.github.resources.issues.incremental.updated_at.last_value",
      kind: "changed",
      before: day(3),
      after: day(6),
    },
  );
  const human = await world.cli(["gh", "history"]);
  assert.match(
    human.stdout,
    /^v1 {2}load \S+ {2}\S+ {2}rows stored: issues 3, users 2\n {4}\(first version\)$/m,
  );
  assert.match(
    human.stdout,
    /^ {4}~ sources\.github\.resources\.issues\.incremental\.updated_at\.last_value {2}"2024-01-03T00:00:00\.000Z" → "2024-01-06T00:00:00\.000Z"$/m,
  );
  const limited = await world.cliJson<unknown[]>(["gh", "history", "--limit", "1", "--no-rows"]);
  assert.equal(limited.length, 1);
});

Deno.test("diff shows the paths that changed between two versions", async () => {
  await using world = await twoRuns();
  const diff = await world.cliJson<{ changes: { path: string }[] }>(["gh", "diff", "1", "2"]);
  assert.deepEqual(diff.changes.map((c) => c.path).sort(), [
    "sources.github.resources.issues.incremental.updated_at.last_value",
    "sources.github.resources.issues.incremental.updated_at.start_value",
    "sources.github.resources.issues.incremental.updated_at.unique_hashes",
  ]);
  const same = await world.cli(["gh", "diff", "2"]);
  assert.match(same.stdout, /no differences/);
  const unknown = await world.cli(["gh", "diff", "1", "7"]);
  assert.equal(unknown.code, 4);
  assert.match(unknown.stderr, /7 is not one \(known: 1, 2\)/);
});

Deno.test("a command on a pipeline that never ran here exits with 4 and a JSON error", async () => {
  await using world = await CliWorld.create();
  const result = await world.cli(["nothere", "info", "--json"]);
  assert.equal(result.code, 4);
  assert.deepEqual(JSON.parse(result.stdout).error.exitCode, 4);
  assert.match(result.stderr, /Run pipeline "nothere" here first, or pass --bucket-url/);
});
