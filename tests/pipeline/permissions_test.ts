/** What a run needs of Deno's permissions, and what it says when one is missing. */
import assert from "node:assert/strict";
import { TempWorld } from "../helpers/temp_pipeline.ts";

const MOD_URL = new URL("../../mod.ts", import.meta.url).href;
const CACHE = [Deno.env.get("DENO_DIR"), `${Deno.env.get("HOME")}/.cache/deno`].filter(Boolean);

/** Runs a script that runs one pipeline, with exactly `flags`; returns its last output line. */
async function runWith(root: string, flags: string[], withDir: boolean): Promise<string> {
  await Deno.writeTextFile(
    `${root}/main.ts`,
    `import * as dlt from ${JSON.stringify(MOD_URL)};
try {
  const p = dlt.pipeline({
    pipelineName: "perm",
    ${withDir ? `pipelinesDir: ${JSON.stringify(`${root}/pipelines`)},` : ""}
    destination: dlt.destinations.filesystem({ bucketUrl: ${JSON.stringify(`${root}/data`)} }),
  });
  const info = await p.run([{ id: 1 }], { tableName: "t" });
  console.log("ok " + JSON.stringify(info.rowCounts));
} catch (e) {
  const error = e instanceof dlt.PipelineStepFailed ? e.cause : e;
  console.log(error.name + ": " + error.message);
}
`,
  );
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-config", ...flags, `${root}/main.ts`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout).trim();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return text.split("\n").at(-1)!;
}

const readCode = `--allow-read=${
  [new URL("../../", import.meta.url).pathname, ...CACHE].join(",")
}`;

Deno.test("with pipelinesDir given, a run needs no environment access", async () => {
  await using world = await TempWorld.create();
  const flags = [`${readCode},${world.root}`, `--allow-write=${world.root}`];
  assert.equal(await runWith(world.root, flags, true), 'ok {"t":1}');
});

Deno.test("without pipelinesDir and without --allow-env, the error says what to grant or pass", async () => {
  await using world = await TempWorld.create();
  const flags = [`${readCode},${world.root}`, `--allow-write=${world.root}`];
  const line = await runWith(world.root, flags, false);
  assert.match(line, /^MissingPermissionError: Grant --allow-env=DLT_PIPELINES_DIR,HOME,TMPDIR/);
  assert.match(line, /or pass pipelinesDir/);
});

Deno.test("a missing read permission is reported as read, naming the path", async () => {
  await using world = await TempWorld.create();
  // Write access to the whole world but read access only to the code: reading the bucket fails.
  const flags = [`${readCode},${world.root}/pipelines`, `--allow-write=${world.root}`];
  const line = await runWith(world.root, flags, true);
  assert.match(line, /^MissingPermissionError: Grant --allow-read=/, line);
  assert.match(line, new RegExp(`${world.root}/data`), line);
});
