import assert from "node:assert/strict";
import { ConfigurationError } from "../../src/errors.ts";
import { encodeKey, parseS3Url, queryString, S3Endpoint } from "../../src/storage/_s3_url.ts";

Deno.test("parseS3Url() splits bucket and prefix and drops the slashes at the prefix's ends", () => {
  assert.deepEqual(parseS3Url("s3://lake"), { bucket: "lake", prefix: "" });
  assert.deepEqual(parseS3Url("s3://lake/"), { bucket: "lake", prefix: "" });
  assert.deepEqual(parseS3Url("s3://lake/a/b/"), { bucket: "lake", prefix: "a/b" });
  assert.deepEqual(parseS3Url("S3://my.bucket_1/x"), { bucket: "my.bucket_1", prefix: "x" });
});

Deno.test("parseS3Url() refuses user info without echoing it, even when the secret holds a slash", () => {
  for (const url of ["s3://AKID:se/cr/et@lake/x", "s3://AKID:secret@lake"]) {
    assert.throws(
      () => parseS3Url(url),
      (error: unknown) =>
        error instanceof ConfigurationError && !error.message.includes("se/cr/et") &&
        !error.message.includes("secret@"),
    );
  }
});

Deno.test("S3Endpoint uses path-style under an endpoint URL", () => {
  const endpoint = new S3Endpoint("lake", { endpointUrl: "http://127.0.0.1:9000/" });
  assert.equal(endpoint.url("a/b.jsonl"), "http://127.0.0.1:9000/lake/a/b.jsonl");
  assert.equal(endpoint.url(""), "http://127.0.0.1:9000/lake");
  const based = new S3Endpoint("lake", { endpointUrl: "https://gw.example/s3/" });
  assert.equal(based.url("k"), "https://gw.example/s3/lake/k");
});

Deno.test("S3Endpoint uses AWS virtual-hosted style without an endpoint URL", () => {
  assert.equal(new S3Endpoint("lake", {}).url("k"), "https://lake.s3.us-east-1.amazonaws.com/k");
  assert.equal(
    new S3Endpoint("lake", { region: "eu-central-1" }).url("", { "list-type": "2" }),
    "https://lake.s3.eu-central-1.amazonaws.com/?list-type=2",
  );
  assert.equal(
    new S3Endpoint("my.lake", { region: "eu-west-1" }).url("k"),
    "https://s3.eu-west-1.amazonaws.com/my.lake/k",
  );
  assert.equal(
    new S3Endpoint("lake", { region: "cn-north-1" }).url("k"),
    "https://lake.s3.cn-north-1.amazonaws.com.cn/k",
  );
});

Deno.test("S3Endpoint refuses endpoint URLs that are not http(s) or that hold credentials", () => {
  for (
    const endpointUrl of ["ftp://host", "not a url", "http://key:secret@host", "http://h/?q=1"]
  ) {
    assert.throws(
      () => new S3Endpoint("lake", { endpointUrl }),
      (error: unknown) => error instanceof ConfigurationError && !error.message.includes("secret"),
      endpointUrl,
    );
  }
  assert.throws(() => new S3Endpoint("lake", { region: "EU West" }), ConfigurationError);
});

Deno.test("encodeKey() and queryString() encode as SigV4 canonicalizes (RFC 3986)", () => {
  assert.equal(encodeKey("a b/c+d/!'()*~é"), "a%20b/c%2Bd/%21%27%28%29%2A~%C3%A9");
  assert.equal(queryString({ uploads: "" }), "?uploads");
  assert.equal(
    queryString({ prefix: "a b/", "start-after": undefined, "max-keys": "7" }),
    "?prefix=a%20b%2F&max-keys=7",
  );
  assert.equal(queryString({}), "");
});
