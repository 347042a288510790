import assert from "node:assert/strict";
import { CliWorld } from "./_helpers.ts";

/**
 * A world whose pipeline loaded two sources: "github" (the default: issues, users) and "gitlab"
 * (users, merges, and labels, which has a table but no state).
 */
async function twoSources(): Promise<CliWorld> {
  const world = await CliWorld.create();
  await world.runWithGitlab(3);
  return world;
}

const KNOWN = "github.issues, github.users, gitlab.labels, gitlab.merges, gitlab.users";

type Resources = Record<string, Record<string, { resources: Record<string, unknown> }>>;

async function resourcesOf(world: CliWorld): Promise<Record<string, string[]>> {
  const state = await world.localState() as { sources: Resources[string] };
  return Object.fromEntries(
    Object.entries(state.sources).map(([name, source]) => [name, Object.keys(source.resources)]),
  );
}

Deno.test("reset takes a resource written as source.resource", async () => {
  await using world = await twoSources();
  const result = await world.cli(["gh", "reset", "gitlab.users", "--yes"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^Reset the state of resource gitlab\.users .*\n {4}lastUserId: 20$/m,
  );
  assert.deepEqual(await resourcesOf(world), {
    github: ["issues", "users"],
    gitlab: ["merges"],
  });
});

Deno.test("state, set and drop take a resource written as source.resource", async () => {
  await using world = await twoSources();
  assert.deepEqual(await world.cliJson(["gh", "state", "--resource", "gitlab.users"]), {
    lastUserId: 20,
  });
  const set = await world.cliJson([
    "gh",
    "set",
    "--resource",
    "gitlab.users",
    "lastUserId",
    "7",
    "--yes",
  ]);
  assert.equal(set.path, "sources.gitlab.resources.users.lastUserId");
  const dropped = await world.cliJson<{ plan: { sourceName: string; resources: string[] } }>([
    "gh",
    "drop",
    "gitlab.users",
    "--yes",
  ]);
  assert.deepEqual([dropped.plan.sourceName, dropped.plan.resources], ["gitlab", ["users"]]);
  assert.deepEqual(await world.tableRows("gitlab_users"), []);
  assert.equal((await world.tableRows("users")).length, 2);
});

Deno.test("a bare resource name that two sources have is a usage error listing both, for every command", async () => {
  await using world = await twoSources();
  const before = await world.localState();
  for (
    const args of [
      ["reset", "users", "--yes"],
      ["state", "--resource", "users"],
      ["set", "--resource", "users", "lastUserId", "7", "--yes"],
      ["drop", "users", "--yes"],
    ]
  ) {
    // One at a time: the commands that change state check the pipeline lock.
    const result = await world.cli(["gh", ...args]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /^error: Write the resource with its source, github\.users or gitlab\.users: "users" is in more than one source$/m,
    );
  }
  assert.deepEqual(await world.localState(), before);
  assert.equal((await world.tableRows("users")).length, 2);
});

Deno.test("a bare resource name that one source has is found in any source, for every command", async () => {
  await using world = await twoSources();
  assert.deepEqual(await world.cliJson(["gh", "state", "--resource", "merges"]), {
    lastMergeId: 5,
  });
  const dropped = await world.cliJson<{ plan: { sourceName: string; tables: string[] } }>([
    "gh",
    "drop",
    "merges",
    "--yes",
  ]);
  assert.deepEqual([dropped.plan.sourceName, dropped.plan.tables], ["gitlab", ["merges"]]);
  assert.deepEqual(await world.tableRows("merges"), []);
  const labels = await world.cliJson<{ plan: { tables: string[] } }>([
    "gh",
    "drop",
    "labels",
    "-y",
  ]);
  assert.deepEqual(labels.plan.tables, ["labels"]);
  assert.deepEqual(await resourcesOf(world), {
    github: ["issues", "users"],
    gitlab: ["users"],
  });
});

Deno.test("an unknown resource name exits with 4 and lists the known resources, for every command", async () => {
  await using world = await twoSources();
  for (
    const args of [
      ["reset", "nobody", "--yes"],
      ["state", "--resource", "nobody"],
      ["set", "--resource", "nobody", "x", "1", "--yes"],
      ["drop", "nobody", "--yes"],
      ["drop", "github.merges", "--yes"],
    ]
  ) {
    const result = await world.cli(["gh", ...args]);
    assert.equal(result.code, 4, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`has none \\(known: ${KNOWN.replaceAll(".", "\\.")}\\)`),
    );
  }
});

Deno.test("drop names the resource it could not find instead of dropping the others", async () => {
  await using world = await twoSources();
  const before = await world.localState();
  const result = await world.cli(["gh", "drop", "issues", "nobody", "--yes"]);
  assert.equal(result.code, 4);
  assert.match(result.stderr, /"nobody" has none/);
  assert.deepEqual(await world.localState(), before);
  assert.equal((await world.tableRows("issues")).length, 3);
});

Deno.test("--source narrows a bare resource name to one source and must agree with a qualified one", async () => {
  await using world = await twoSources();
  const reset = await world.cliJson(["gh", "reset", "users", "--source", "gitlab", "--yes"]);
  assert.deepEqual([reset.sourceName, reset.resource], ["gitlab", "users"]);
  const conflict = await world.cli(["gh", "reset", "github.users", "--source", "gitlab", "--yes"]);
  assert.equal(conflict.code, 2);
  assert.match(conflict.stderr, /--source "gitlab" and "github\.users" name different sources/);
  assert.deepEqual(await resourcesOf(world), {
    github: ["issues", "users"],
    gitlab: ["merges"],
  });
});

Deno.test("drop takes resources of one source at a time, and a regex that matches in two sources needs --source", async () => {
  await using world = await twoSources();
  const before = await world.localState();
  const mixed = await world.cli(["gh", "drop", "issues", "merges", "--yes"]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /github\.issues and gitlab\.merges are in different sources/);
  const regex = await world.cli(["gh", "drop", "re:^u", "--yes"]);
  assert.equal(regex.code, 2);
  assert.match(regex.stderr, /re:\^u matches resources of more than one source/);
  assert.match(regex.stderr, /github\.users, gitlab\.users/);
  const all = await world.cli(["gh", "drop", "--drop-all", "--yes"]);
  assert.equal(all.code, 2);
  assert.deepEqual(await world.localState(), before);

  const oneSource = await world.cliJson<{ plan: { sourceName: string; resources: string[] } }>([
    "gh",
    "drop",
    "re:^m",
    "--state-only",
    "--yes",
  ]);
  assert.deepEqual([oneSource.plan.sourceName, oneSource.plan.resources], ["gitlab", ["merges"]]);
  const narrowed = await world.cliJson<{ plan: { sourceName: string; resources: string[] } }>([
    "gh",
    "drop",
    "re:^u",
    "--source",
    "gitlab",
    "--state-only",
    "--yes",
  ]);
  assert.deepEqual([narrowed.plan.sourceName, narrowed.plan.resources], ["gitlab", ["users"]]);
});
