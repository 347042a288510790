import assert from "node:assert/strict";
import { ConfigurationError } from "../../src/errors.ts";
import { ConfigResolver } from "../../src/config/resolver.ts";
import { resolveS3Credentials } from "../../src/config/s3_credentials.ts";
import { withDotDlt } from "./_helpers.ts";

const DLT = "DESTINATION__FILESYSTEM__CREDENTIALS";

/** A resolver over `env` and a `.dlt/` folder holding `files`. */
async function setup(env: Record<string, string>, files: Record<string, string> = {}) {
  const dir = await withDotDlt(files);
  const resolver = await ConfigResolver.open({ cwd: dir.path, env: (name) => env[name] });
  return { resolver, [Symbol.asyncDispose]: dir[Symbol.asyncDispose] };
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    return error;
  }
  assert.fail("expected a ConfigurationError");
}

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: "AKIA_AWS",
  AWS_SECRET_ACCESS_KEY: "aws-secret",
  AWS_SESSION_TOKEN: "aws-token",
  AWS_REGION: "eu-west-1",
  AWS_DEFAULT_REGION: "us-west-2",
  AWS_ENDPOINT_URL_S3: "http://s3-endpoint",
  AWS_ENDPOINT_URL: "http://any-endpoint",
};

Deno.test("resolveS3Credentials() takes explicit options first, with no token from the environment", async () => {
  await using ctx = await setup({ ...AWS_ENV, [`${DLT}__AWS_ACCESS_KEY_ID`]: "AKIA_DLT" });
  const resolved = resolveS3Credentials({
    awsAccessKeyId: "AKIA_CODE",
    awsSecretAccessKey: "code-secret",
    regionName: "auto",
  }, { resolver: ctx.resolver });
  assert.equal(resolved.accessKeyId, "AKIA_CODE");
  assert.equal(resolved.secretAccessKey, "code-secret");
  assert.equal(resolved.sessionToken, undefined, "the environment's token is not paired");
  assert.equal(resolved.region, "auto");
  assert.deepEqual(resolved.origins.accessKeyId, { kind: "explicit" });
  // What code leaves out is still resolved on its own.
  assert.equal(resolved.endpointUrl, "http://s3-endpoint");
  assert.deepEqual(resolved.origins.endpointUrl, { kind: "env", name: "AWS_ENDPOINT_URL_S3" });
});

Deno.test("resolveS3Credentials() reads dlt's DESTINATION__FILESYSTEM__CREDENTIALS__* before the AWS variables", async () => {
  await using ctx = await setup({
    ...AWS_ENV,
    [`${DLT}__AWS_ACCESS_KEY_ID`]: "AKIA_DLT",
    [`${DLT}__AWS_SECRET_ACCESS_KEY`]: "dlt-secret",
    [`${DLT}__REGION_NAME`]: "eu-central-1",
    [`${DLT}__ENDPOINT_URL`]: "http://dlt-endpoint",
  });
  const resolved = resolveS3Credentials({}, { resolver: ctx.resolver });
  assert.deepEqual(
    [resolved.accessKeyId, resolved.secretAccessKey, resolved.sessionToken],
    ["AKIA_DLT", "dlt-secret", undefined],
  );
  assert.equal(resolved.region, "eu-central-1");
  assert.equal(resolved.endpointUrl, "http://dlt-endpoint");
  assert.deepEqual(resolved.origins.secretAccessKey, {
    kind: "env",
    name: `${DLT}__AWS_SECRET_ACCESS_KEY`,
  });
  assert.equal(ctx.resolver.redact("x dlt-secret y"), "x *** y");
});

Deno.test("resolveS3Credentials() asks a pipeline's own keys before the general ones", async () => {
  await using ctx = await setup({
    [`GH__${DLT}__AWS_ACCESS_KEY_ID`]: "AKIA_GH",
    [`GH__${DLT}__AWS_SECRET_ACCESS_KEY`]: "gh-secret",
    [`${DLT}__AWS_ACCESS_KEY_ID`]: "AKIA_DLT",
    [`${DLT}__AWS_SECRET_ACCESS_KEY`]: "dlt-secret",
  });
  const resolved = resolveS3Credentials({}, { resolver: ctx.resolver, pipelineName: "gh" });
  assert.deepEqual([resolved.accessKeyId, resolved.secretAccessKey], ["AKIA_GH", "gh-secret"]);
  const general = resolveS3Credentials({}, { resolver: ctx.resolver });
  assert.equal(general.accessKeyId, "AKIA_DLT");
});

Deno.test("resolveS3Credentials() reads .dlt/secrets.yaml, and config.yaml for what is not secret", async () => {
  await using ctx = await setup({ ...AWS_ENV }, {
    "secrets.yaml": [
      "destination:",
      "  filesystem:",
      "    credentials:",
      "      aws_secret_access_key: yaml-secret",
      "      aws_session_token: yaml-token",
    ].join("\n"),
    "config.yaml": [
      "destination:",
      "  filesystem:",
      "    credentials:",
      "      aws_access_key_id: AKIA_YAML",
      "      region_name: ap-south-1",
    ].join("\n"),
  });
  const resolved = resolveS3Credentials({}, { resolver: ctx.resolver });
  assert.deepEqual(
    [resolved.accessKeyId, resolved.secretAccessKey, resolved.sessionToken, resolved.region],
    ["AKIA_YAML", "yaml-secret", "yaml-token", "ap-south-1"],
  );
  assert.equal(resolved.origins.secretAccessKey.kind, "file");
  assert.equal(resolved.endpointUrl, "http://s3-endpoint");
});

Deno.test("resolveS3Credentials() never reads a secret from config.yaml", async () => {
  await using ctx = await setup({}, {
    "config.yaml": [
      "destination:",
      "  filesystem:",
      "    credentials:",
      "      aws_access_key_id: AKIA_YAML",
      "      aws_secret_access_key: in-the-wrong-file",
    ].join("\n"),
  });
  const error = thrown(() => resolveS3Credentials({}, { resolver: ctx.resolver }));
  assert.match(error.message, new RegExp(`${DLT}__AWS_SECRET_ACCESS_KEY`));
  assert.match(error.message, /config\.yaml/);
  assert.ok(!error.message.includes("in-the-wrong-file"));
  assert.ok(!error.message.includes("AKIA_YAML"));
});

Deno.test("resolveS3Credentials() falls back to the standard AWS variables", async () => {
  await using ctx = await setup({ ...AWS_ENV });
  const resolved = resolveS3Credentials({}, { resolver: ctx.resolver });
  assert.deepEqual(
    [resolved.accessKeyId, resolved.secretAccessKey, resolved.sessionToken],
    ["AKIA_AWS", "aws-secret", "aws-token"],
  );
  assert.equal(resolved.region, "eu-west-1", "AWS_REGION before AWS_DEFAULT_REGION");
  assert.equal(resolved.endpointUrl, "http://s3-endpoint", "AWS_ENDPOINT_URL_S3 first");
  await using fallback = await setup({
    AWS_ACCESS_KEY_ID: "AKIA_AWS",
    AWS_SECRET_ACCESS_KEY: "aws-secret",
    AWS_DEFAULT_REGION: "us-west-2",
    AWS_ENDPOINT_URL: "http://any-endpoint",
  });
  const second = resolveS3Credentials({}, { resolver: fallback.resolver });
  assert.deepEqual([second.region, second.endpointUrl], ["us-west-2", "http://any-endpoint"]);
  assert.equal(second.sessionToken, undefined);
});

Deno.test("resolveS3Credentials() reads Deno.env through options.env", () => {
  const env: Record<string, string> = { AWS_ACCESS_KEY_ID: "A", AWS_SECRET_ACCESS_KEY: "B" };
  const resolved = resolveS3Credentials({}, { env: (name) => env[name] });
  assert.deepEqual([resolved.accessKeyId, resolved.secretAccessKey], ["A", "B"]);
});

Deno.test("resolveS3Credentials() names the variables to set when no credentials are found", async () => {
  await using ctx = await setup({ AWS_REGION: "eu-west-1" });
  const error = thrown(() =>
    resolveS3Credentials({}, { resolver: ctx.resolver, bucketUrl: "s3://lake/x" })
  );
  for (
    const name of [
      "s3://lake/x",
      `${DLT}__AWS_ACCESS_KEY_ID`,
      `${DLT}__AWS_SECRET_ACCESS_KEY`,
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      ".dlt/secrets.yaml",
    ]
  ) {
    assert.ok(error.message.includes(name), `${name} in: ${error.message}`);
  }
});

Deno.test("resolveS3Credentials() refuses a key without its secret, naming where each is looked for", async () => {
  await using ctx = await setup({
    [`${DLT}__AWS_ACCESS_KEY_ID`]: "AKIA_DLT",
    AWS_SECRET_ACCESS_KEY: "aws-secret",
  });
  const error = thrown(() => resolveS3Credentials({}, { resolver: ctx.resolver }));
  assert.match(error.message, /^Set the secret access key as DESTINATION__FILESYSTEM__/);
  assert.match(error.message, new RegExp(`env ${DLT}__AWS_ACCESS_KEY_ID`));
  assert.ok(!error.message.includes("AKIA_DLT") && !error.message.includes("aws-secret"));
  const explicit = thrown(() =>
    resolveS3Credentials({ awsSecretAccessKey: "code-secret" }, { resolver: ctx.resolver })
  );
  assert.match(explicit.message, /credentials\.awsAccessKeyId/);
  assert.ok(!explicit.message.includes("code-secret"));
  await using aws = await setup({ AWS_ACCESS_KEY_ID: "AKIA_AWS" });
  assert.match(
    thrown(() => resolveS3Credentials({}, { resolver: aws.resolver })).message,
    /as AWS_SECRET_ACCESS_KEY: the access key id was found in env AWS_ACCESS_KEY_ID/,
  );
});

Deno.test("resolveS3Credentials() refuses values that are not strings, without quoting them", async () => {
  await using ctx = await setup({}, {
    "secrets.yaml": [
      "destination:",
      "  filesystem:",
      "    credentials:",
      "      aws_access_key_id: AKIA_YAML",
      "      aws_secret_access_key: 123456789",
    ].join("\n"),
  });
  const error = thrown(() => resolveS3Credentials({}, { resolver: ctx.resolver }));
  assert.match(
    error.message,
    /aws_secret_access_key to a non-empty string in .*secrets\.yaml line 5/,
  );
  assert.ok(!error.message.includes("123456789"));
  assert.throws(
    () =>
      resolveS3Credentials({ awsAccessKeyId: 42 as unknown as string }, { env: () => undefined }),
    /credentials\.awsAccessKeyId as a string: it is a number/,
  );
});
