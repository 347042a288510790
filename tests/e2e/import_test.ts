import assert from "node:assert/strict";
import { TempWorld } from "../helpers/temp_pipeline.ts";

const MOD_URL = new URL("../../mod.ts", import.meta.url).href;

/** Runs `code` as main.ts of a project of its own (no deno.json), in `dir`. */
async function runProject(dir: string, code: string, env: Record<string, string> = {}) {
  await Deno.writeTextFile(`${dir}/main.ts`, code);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", "main.ts"],
    cwd: dir,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

const script = (specifier: string, root: string) => `
import * as dlt from ${JSON.stringify(specifier)};
const p = dlt.pipeline({
  pipelineName: "imported",
  pipelinesDir: ${JSON.stringify(`${root}/pipelines`)},
  destination: dlt.destinations.filesystem({ bucketUrl: ${JSON.stringify(`${root}/data`)} }),
});
const info = await p.run([{ id: 1 }, { id: 2 }], { tableName: "items" });
console.log(JSON.stringify(info.rowCounts));
`;

Deno.test("a project without our deno.json imports mod.ts by URL and by path", async () => {
  await using world = await TempWorld.create();
  const byUrl = await runProject(world.root, script(MOD_URL, `${world.root}/a`));
  assert.equal(byUrl.code, 0, byUrl.stderr);
  assert.equal(byUrl.stdout.trim(), '{"items":2}');
  const path = new URL("../../mod.ts", import.meta.url).pathname;
  const byPath = await runProject(world.root, script(path, `${world.root}/b`));
  assert.equal(byPath.code, 0, byPath.stderr);
  assert.equal(byPath.stdout.trim(), '{"items":2}');
});

Deno.test("DLT_TEST_KILL_AT in a user's environment does nothing to the library", async () => {
  await using world = await TempWorld.create();
  const result = await runProject(world.root, script(MOD_URL, world.root), {
    DLT_TEST_KILL_AT: "loads_row",
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), '{"items":2}');
});

Deno.test("mod.ts never loads the Deno KV code: only the kv.ts entry point does", async () => {
  const info = async (entry: string) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", new URL(`../../${entry}`, import.meta.url).pathname],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const graph = JSON.parse(new TextDecoder().decode(output.stdout));
    return (graph.modules as { specifier: string }[]).map((m) => m.specifier);
  };
  const kvModules = (specifiers: string[]) =>
    specifiers.filter((s) => /\/_?kv_[a-z]+\.ts$/.test(s));
  assert.deepEqual(kvModules(await info("mod.ts")), []);
  const kvOnly = kvModules(await info("kv.ts"));
  assert.ok(kvOnly.some((s) => s.endsWith("/kv_bucket.ts")), kvOnly.join(", "));
});
