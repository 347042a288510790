import assert from "node:assert/strict";
import { join } from "node:path";
import { CliWorld } from "./_helpers.ts";

async function writeDotDlt(world: CliWorld, files: Record<string, string>): Promise<void> {
  await Deno.mkdir(join(world.root, ".dlt"), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(world.root, ".dlt", name), text);
  }
}

Deno.test("the command line finds the pipelines dir in DLT_PIPELINES_DIR", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  const info = await world.cliJson(["gh", "info"], {
    pipelinesDirFlag: false,
    env: { DLT_PIPELINES_DIR: world.pipelinesDir },
  });
  assert.equal(info.pipelinesDir, world.pipelinesDir);
  assert.equal(info.pipelinesDirFrom, "env DLT_PIPELINES_DIR");
});

Deno.test("the command line finds the pipelines dir in .dlt/config.yaml, after the environment", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  await writeDotDlt(world, { "config.yaml": `pipelines_dir: ${world.pipelinesDir}\n` });
  const fromFile = await world.cliJson(["gh", "info"], { pipelinesDirFlag: false });
  assert.equal(
    fromFile.pipelinesDirFrom,
    `${join(world.root, ".dlt", "config.yaml")} line 1 (key "pipelines_dir")`,
  );
  const envWins = await world.cli(["gh", "info"], {
    pipelinesDirFlag: false,
    env: { DLT_PIPELINES_DIR: join(world.root, "elsewhere") },
  });
  assert.equal(envWins.code, 4);
});

Deno.test("the command line restores from a bucket named in .dlt/secrets.yaml without showing it", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  await Deno.remove(join(world.pipelinesDir, "gh"), { recursive: true });
  const secretBucket = join(world.root, "secret-bucket-f00d");
  await writeDotDlt(world, {
    "secrets.yaml": [
      "gh:",
      "  dataset_name: github_data",
      "destination:",
      "  filesystem:",
      `    bucket_url: ${secretBucket}`,
      "",
    ].join("\n"),
  });
  const result = await world.cli(["gh", "sync", "--yes"]);
  assert.equal(result.code, 4);
  assert.match(result.stderr, /holds no committed state of pipeline "gh"/);
  assert.ok(!result.stderr.includes("secret-bucket-f00d"), result.stderr);
  assert.ok(result.stderr.includes("***"), result.stderr);
});

Deno.test("a malformed .dlt/secrets.yaml exits with 6 naming file and line, never its text", async () => {
  await using world = await CliWorld.create();
  await world.run(3);
  await writeDotDlt(world, {
    "secrets.yaml": "sources:\n  github:\n    api_token: tok-very-secret\n   bad: [\n",
  });
  const result = await world.cli(["gh", "info"]);
  assert.equal(result.code, 6);
  assert.match(result.stderr, /Fix line \d+ \(column \d+\) of ".*secrets\.yaml"/);
  assert.ok(!result.stderr.includes("tok-very-secret"), result.stderr);
});
