import assert from "node:assert/strict";
import { loadYamlSupport } from "../../src/config/_yaml.ts";
import { join } from "node:path";
import { ConfigResolver } from "../../src/config/resolver.ts";
import { redactUrl, resolvePipelineSettings } from "../../src/config/pipeline_settings.ts";
import { ConfigurationError } from "../../src/errors.ts";
import { withDotDlt } from "./_helpers.ts";

const CONFIG = [
  "pipelines_dir: /from/config/pipelines",
  "dataset_name: config_dataset",
  "destination:",
  "  filesystem:",
  "    bucket_url: /from/config/bucket",
  "",
].join("\n");

await loadYamlSupport();

function resolverFor(cwd: string, env: Record<string, string>): ConfigResolver {
  return new ConfigResolver({ cwd, env: (name) => env[name] });
}

Deno.test("resolvePipelineSettings() takes explicit options over everything", async () => {
  await using dir = await withDotDlt({ "config.yaml": CONFIG });
  const env = { DLT_PIPELINES_DIR: "/env", DESTINATION__FILESYSTEM__BUCKET_URL: "/env-bucket" };
  const settings = resolvePipelineSettings("gh", {
    pipelinesDir: "/explicit",
    bucketUrl: "/explicit-bucket",
    datasetName: "explicit_ds",
  }, resolverFor(dir.path, env));
  assert.deepEqual(settings, {
    pipelinesDir: "/explicit",
    bucketUrl: "/explicit-bucket",
    datasetName: "explicit_ds",
    origins: {
      pipelinesDir: { kind: "explicit" },
      bucketUrl: { kind: "explicit" },
      datasetName: { kind: "explicit" },
    },
  });
});

Deno.test("resolvePipelineSettings() takes environment variables over the YAML files", async () => {
  await using dir = await withDotDlt({ "config.yaml": CONFIG });
  const settings = resolvePipelineSettings(
    "gh",
    {},
    resolverFor(dir.path, {
      DLT_PIPELINES_DIR: "/env/pipelines",
      DESTINATION__FILESYSTEM__BUCKET_URL: "/env/bucket",
      GH__DATASET_NAME: "env_dataset",
      DATASET_NAME: "less_specific",
    }),
  );
  assert.equal(settings.pipelinesDir, "/env/pipelines");
  assert.equal(settings.bucketUrl, "/env/bucket");
  assert.equal(settings.datasetName, "env_dataset");
  assert.deepEqual(settings.origins.datasetName, { kind: "env", name: "GH__DATASET_NAME" });
});

Deno.test("resolvePipelineSettings() prefers the pipeline-specific section in a file", async () => {
  await using dir = await withDotDlt({
    "config.yaml": CONFIG + "gh:\n  dataset_name: gh_only\n",
  });
  const resolver = resolverFor(dir.path, {});
  assert.equal(resolvePipelineSettings("gh", {}, resolver).datasetName, "gh_only");
  assert.equal(resolvePipelineSettings("other", {}, resolver).datasetName, "config_dataset");
});

Deno.test("resolvePipelineSettings() reads secrets.yaml before config.yaml", async () => {
  await using dir = await withDotDlt({
    "config.yaml": CONFIG,
    "secrets.yaml": "destination:\n  filesystem:\n    bucket_url: /from/secrets\n",
  });
  const settings = resolvePipelineSettings("gh", {}, resolverFor(dir.path, {}));
  assert.equal(settings.bucketUrl, "/from/secrets");
  assert.equal(settings.pipelinesDir, "/from/config/pipelines");
  assert.deepEqual(settings.origins.bucketUrl, {
    kind: "file",
    file: join(dir.path, ".dlt", "secrets.yaml"),
    key: "destination.filesystem.bucket_url",
    line: 3,
    secret: true,
  });
});

Deno.test("resolvePipelineSettings() leaves out what nothing sets", async () => {
  await using dir = await withDotDlt({});
  assert.deepEqual(resolvePipelineSettings("gh", {}, resolverFor(dir.path, {})), { origins: {} });
});

Deno.test("resolvePipelineSettings() names the file, line and key of a value of the wrong type, not the value", async () => {
  await using dir = await withDotDlt({
    "secrets.yaml": "destination:\n  filesystem:\n    bucket_url:\n      user: s3cr3t-user\n",
  });
  assert.throws(
    () => resolvePipelineSettings("gh", {}, resolverFor(dir.path, {})),
    (error: Error) =>
      error instanceof ConfigurationError &&
      error.message.includes(`${join(dir.path, ".dlt", "secrets.yaml")} line 3`) &&
      error.message.includes("destination.filesystem.bucket_url") &&
      error.message.includes("a mapping") && !error.message.includes("s3cr3t"),
  );
});

Deno.test("redactUrl() hides the credentials of a URL", () => {
  assert.equal(redactUrl("s3://key:secret@host/bucket"), "s3://***@host/bucket");
  assert.equal(redactUrl("/local/path@x"), "/local/path@x");
});
