import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigResolver, envName } from "../../src/config/resolver.ts";
import { ConfigurationError } from "../../src/errors.ts";
import { withDotDlt } from "./_helpers.ts";

Deno.test("envName() joins upper-cased sections with double underscores", () => {
  assert.equal(envName("destination.filesystem.bucket_url"), "DESTINATION__FILESYSTEM__BUCKET_URL");
  assert.throws(() => envName("a..b"), ConfigurationError);
});

Deno.test("ConfigResolver.get() prefers the environment, then secrets.yaml, then config.yaml", async () => {
  await using dir = await withDotDlt({
    "config.yaml": "sources:\n  github:\n    org: from-config\n    repo: deno\n    page: 50\n",
    "secrets.yaml": "sources:\n  github:\n    org: from-secrets\n    api_token: tok-123\n",
  });
  const env: Record<string, string> = {};
  const resolver = await ConfigResolver.open({ cwd: dir.path, env: (name) => env[name] });
  assert.equal(resolver.get("sources.github.org"), "from-secrets");
  assert.equal(resolver.get("sources.github.repo"), "deno");
  assert.equal(resolver.get("sources.github.page"), 50);
  env.SOURCES__GITHUB__ORG = "from-env";
  assert.equal(resolver.get("sources.github.org"), "from-env");
  assert.deepEqual(resolver.locate("sources.github.repo")?.origin, {
    kind: "file",
    file: join(dir.path, ".dlt", "config.yaml"),
    key: "sources.github.repo",
    line: 4,
    secret: false,
  });
});

Deno.test("ConfigResolver.get() returns nested mappings and keys written with dots", async () => {
  await using dir = await withDotDlt({
    "config.yaml":
      'sources:\n  github:\n    org: o\n"destination.filesystem":\n  bucket_url: ./d\n',
  });
  const resolver = await ConfigResolver.open({ cwd: dir.path, env: () => undefined });
  assert.deepEqual(resolver.get("sources.github"), { org: "o" });
  assert.equal(resolver.get("destination.filesystem.bucket_url"), "./d");
});

Deno.test("ConfigResolver works without any .dlt folder", async () => {
  await using dir = await withDotDlt({});
  const resolver = await ConfigResolver.open({ cwd: dir.path, env: () => undefined });
  assert.equal(resolver.get("sources.github.org"), undefined);
});

Deno.test("ConfigResolver.require() names the key and every place it looked", async () => {
  await using dir = await withDotDlt({ "config.yaml": "a: 1\n" });
  const resolver = await ConfigResolver.open({ cwd: dir.path, env: () => undefined });
  assert.throws(
    () => resolver.require("sources.github.org"),
    (error: Error) =>
      error instanceof ConfigurationError &&
      error.message.includes('"sources.github.org"') &&
      error.message.includes("env SOURCES__GITHUB__ORG") &&
      error.message.includes(join(dir.path, ".dlt", "secrets.yaml")) &&
      error.message.includes(join(dir.path, ".dlt", "config.yaml")),
  );
});

Deno.test("ConfigResolver reports malformed YAML with file, line and key, never the text", async () => {
  await using dir = await withDotDlt({
    "secrets.yaml":
      "sources:\n  github:\n    api_token: hunter2-secret\n    other: [a, b\n    x: y\n",
  });
  const resolver = await ConfigResolver.open({ cwd: dir.path, env: () => undefined });
  let message = "";
  try {
    resolver.get("sources.github.api_token");
  } catch (error) {
    assert.ok(error instanceof ConfigurationError);
    message = error.message;
  }
  assert.ok(message.includes(join(dir.path, ".dlt", "secrets.yaml")), message);
  assert.match(message, /line \d+/);
  assert.match(message, /key "sources\.github\.(other|x)"/);
  assert.ok(!message.includes("hunter2"), message);
});

Deno.test("ConfigResolver rejects a YAML file whose top level is not a mapping", async () => {
  await using dir = await withDotDlt({ "config.yaml": "- a\n- b\n" });
  const resolver = await ConfigResolver.open({ cwd: dir.path, env: () => undefined });
  assert.throws(() => resolver.get("a"), /config\.yaml" as a mapping of keys \(line 1\)/);
});

Deno.test("ConfigResolver.secret() never reads config.yaml", async () => {
  await using dir = await withDotDlt({ "config.yaml": "sources:\n  s:\n    token: in-config\n" });
  const resolver = await ConfigResolver.open({ cwd: dir.path, env: () => undefined });
  assert.equal(resolver.secret("sources.s.token"), undefined);
  assert.equal(resolver.get("sources.s.token"), "in-config");
  assert.throws(
    () => resolver.secret("sources.s.token", { required: true }),
    (error: Error) =>
      error instanceof ConfigurationError && !error.message.includes("config.yaml") &&
      error.message.includes("secret"),
  );
});

Deno.test("ConfigResolver.redact() masks every secret it knows", async () => {
  await using dir = await withDotDlt({ "secrets.yaml": "destination:\n  password: pa55word\n" });
  const env: Record<string, string> = { SOURCES__X__TOKEN: "env-token-value" };
  const resolver = await ConfigResolver.open({ cwd: dir.path, env: (name) => env[name] });
  assert.equal(resolver.secret("sources.x.token"), "env-token-value");
  assert.equal(
    resolver.redact("login pa55word with env-token-value"),
    "login *** with ***",
  );
});
