import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { withDotDlt } from "./_helpers.ts";

const SCRIPT = fileURLToPath(new URL("./fixtures/print_config.ts", import.meta.url));

/** Runs the fixture in `cwd` with exactly `env` (plus what Deno needs to find its cache). */
async function printConfig(
  cwd: string,
  env: Record<string, string>,
  args: string[],
  permissions = ["--allow-read", "--allow-env"],
) {
  const base: Record<string, string> = {};
  for (const name of ["HOME", "DENO_DIR", "PATH"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) base[name] = value;
  }
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, SCRIPT, ...args],
    cwd,
    env: { ...base, ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

Deno.test("a process resolves settings from env vars over secrets.yaml over config.yaml", async () => {
  await using dir = await withDotDlt({
    "config.yaml": [
      "pipelines_dir: /config/pipelines",
      "dataset_name: config_ds",
      "destination:",
      "  filesystem:",
      "    bucket_url: /config/bucket",
      "sources:",
      "  github:",
      "    org: config-org",
      "    repo: config-repo",
      "",
    ].join("\n"),
    "secrets.yaml": "destination:\n  filesystem:\n    bucket_url: /secrets/bucket\n" +
      "sources:\n  github:\n    api_token: secret-token\n",
  });
  const result = await printConfig(dir.path, {
    DLT_PIPELINES_DIR: "/env/pipelines",
    SOURCES__GITHUB__ORG: "env-org",
  }, ["gh", "sources.github.org", "sources.github.repo", "secret:sources.github.api_token"]);
  assert.equal(result.settings.pipelinesDir, "/env/pipelines");
  assert.equal(result.settings.bucketUrl, "/secrets/bucket");
  assert.equal(result.settings.datasetName, "config_ds");
  assert.deepEqual(result.values, {
    "sources.github.org": "env-org",
    "sources.github.repo": "config-repo",
    "secret:sources.github.api_token": "secret-token",
  });
  assert.match(result.requireError, /Set secret "sources\.missing\.token"/);
  assert.ok(!result.requireError.includes("secret-token"));
});

Deno.test("a process without --allow-env reads the YAML files as if no variable were set", async () => {
  await using dir = await withDotDlt({ "config.yaml": "dataset_name: config_ds\n" });
  const result = await printConfig(dir.path, { GH__DATASET_NAME: "env_ds" }, ["gh"], [
    "--allow-read",
  ]);
  assert.equal(result.settings.datasetName, "config_ds");
});

Deno.test("a process without --allow-read sees no files and still reads the environment", async () => {
  await using dir = await withDotDlt({ "config.yaml": "dataset_name: config_ds\n" });
  const result = await printConfig(dir.path, { GH__DATASET_NAME: "env_ds" }, ["gh"], [
    "--allow-env",
  ]);
  assert.equal(result.settings.datasetName, "env_ds");
});
