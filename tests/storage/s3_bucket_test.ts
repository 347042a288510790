import assert from "node:assert/strict";
import {
  BucketNotFoundError,
  ConfigurationError,
  StorageAuthError,
  StorageUnavailableError,
} from "../../src/errors.ts";
import { S3Bucket, type S3BucketOptions } from "../../src/storage/s3_bucket.ts";
import { MOTO_CREDENTIALS, useMoto } from "../helpers/moto.ts";
import { type S3Proxy, type S3ProxyOptions, startS3Proxy } from "../helpers/s3_proxy.ts";
import { bucketConformance } from "./bucket_conformance.ts";

const PART_SIZE = 5 * 1024 * 1024;
const moto = useMoto();
let bucketName: string | undefined;

/** An S3Bucket on moto under a fresh prefix of this file's bucket. */
async function openS3Bucket(options: Partial<S3BucketOptions> = {}): Promise<S3Bucket> {
  bucketName ??= await moto().createBucket();
  return new S3Bucket(`s3://${bucketName}/t-${crypto.randomUUID().slice(0, 8)}`, {
    ...MOTO_CREDENTIALS,
    endpointUrl: moto().endpointUrl,
    partSize: PART_SIZE,
    listPageSize: 7,
    retryBaseDelayMs: 10,
    ...options,
  });
}

bucketConformance("S3Bucket", async () => ({ bucket: await openS3Bucket() }), {
  largeWriteBytes: 2 * PART_SIZE + 123_457,
  manyEntries: 25,
});

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue0123456789";

/** The path under the bucket of an S3Bucket's prefix, for moto's upload listings. */
function keyOf(bucket: S3Bucket, path: string): string {
  return `${bucket.prefix}/${path}`;
}

/** A port of 127.0.0.1 that nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Every text an error shows: message, String(), inspect, and the same for its causes. */
function errorTexts(error: unknown): string[] {
  const texts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 10; depth++) {
    texts.push(String(current), Deno.inspect(current, { depth: 10 }));
    if (current instanceof Error) {
      texts.push(current.message, current.stack ?? "");
      current = current.cause;
    } else break;
  }
  return texts;
}

function assertNoSecret(error: unknown, ...secrets: string[]) {
  for (const text of errorTexts(error)) {
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `the error shows a secret: ${text}`);
    }
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

/** An S3Bucket on moto through `proxy`, under a fresh prefix. */
async function throughProxy(proxy: S3Proxy, options: Partial<S3BucketOptions> = {}) {
  return await openS3Bucket({ endpointUrl: proxy.endpointUrl, ...options });
}

/** A proxy in front of this file's moto. */
function motoProxy(options: Omit<S3ProxyOptions, "target"> = {}): S3Proxy {
  return startS3Proxy({ target: moto().endpointUrl, ...options });
}

Deno.test("S3Bucket.write() sends a stream past partSize as a multipart upload of full parts", async () => {
  const bucket = await openS3Bucket();
  const data = new Uint8Array(2 * PART_SIZE + 10).fill(42);
  await bucket.write("mp/f", ReadableStream.from([data.subarray(0, 7), data.subarray(7)]));
  const head = await fetch(`${moto().endpointUrl}/${bucketName}/${keyOf(bucket, "mp/f")}`, {
    method: "HEAD",
  });
  await head.body?.cancel();
  assert.match(head.headers.get("etag") ?? "", /-3"$/, "the ETag of a 3-part upload");
  assert.equal(await bucket.size("mp/f"), data.length);
  await bucket.write("mp/small", ReadableStream.from([bytes("a"), bytes("b")]));
  const small = await fetch(`${moto().endpointUrl}/${bucketName}/${keyOf(bucket, "mp/small")}`, {
    method: "HEAD",
  });
  await small.body?.cancel();
  assert.doesNotMatch(small.headers.get("etag") ?? "", /-\d+"$/, "a short stream is one PUT");
});

Deno.test("S3Bucket.write() aborts the multipart upload of a stream that errors", async () => {
  const bucket = await openS3Bucket();
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent > PART_SIZE * 1.5) return controller.error(new Error("source broke"));
      controller.enqueue(new Uint8Array(1024 * 1024));
      sent += 1024 * 1024;
    },
  });
  await assert.rejects(bucket.write("abort/f", stream), /source broke/);
  const pending = (await moto().pendingUploads(bucketName!))
    .filter((upload) => upload.key.startsWith(bucket.prefix));
  assert.deepEqual(pending, []);
  assert.equal(await bucket.size("abort/f"), undefined);
});

Deno.test("S3Bucket leaves no visible object when the process uploading it is killed midway", async () => {
  const bucket = await openS3Bucket();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      new URL("../fixtures/s3_slow_upload.ts", import.meta.url).pathname,
      moto().endpointUrl,
      bucket.url,
      "killed/f.jsonl",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const key = keyOf(bucket, "killed/f.jsonl");
  const started = Date.now();
  let uploaded = false;
  while (!uploaded && Date.now() - started < 30_000) {
    const uploads = await moto().pendingUploads(bucketName!);
    uploaded = uploads.some((upload) => upload.key === key && upload.parts >= 1);
    if (!uploaded) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill("SIGKILL");
  const output = await child.output();
  assert.ok(uploaded, `no part was uploaded: ${new TextDecoder().decode(output.stderr)}`);
  assert.equal(output.signal, "SIGKILL");
  assert.deepEqual(await bucket.list("killed"), []);
  assert.deepEqual(await bucket.list(""), []);
  assert.equal(await bucket.read("killed/f.jsonl"), undefined);
  assert.equal(await bucket.size("killed/f.jsonl"), undefined);
});

Deno.test("S3Bucket retries the requests that got a 5xx or 429, then succeeds", async () => {
  const codes = [
    { status: 500, code: "InternalError" },
    { status: 503, code: "SlowDown" },
    { status: 429, code: "TooManyRequests" },
  ];
  let failNext = 0;
  await using proxy = motoProxy({
    plan: () => failNext-- > 0 ? codes[failNext % codes.length] : "forward",
  });
  const bucket = await throughProxy(proxy);
  const operations: [string, () => Promise<unknown>][] = [
    ["write", () => bucket.write("r/a", bytes("a"))],
    [
      "write a stream",
      () => bucket.write("r/big", ReadableStream.from([new Uint8Array(PART_SIZE + 5)])),
    ],
    ["read", () => bucket.read("r/a")],
    ["size", () => bucket.size("r/a")],
    ["readRange", () => bucket.readRange("r/a", 0, 1)],
    ["list", () => bucket.list("r")],
    ["createIfAbsent", () => bucket.createIfAbsent("r/c", bytes("mine"))],
    ["delete", () => bucket.delete("r/a")],
    ["deleteDir", () => bucket.deleteDir("r")],
  ];
  for (const [name, operation] of operations) {
    failNext = 3;
    const before = proxy.requests.length;
    await operation();
    assert.ok(proxy.requests.length - before >= 4, `${name} was retried`);
  }
  assert.deepEqual(await bucket.list(""), []);
});

Deno.test("S3Bucket.write() completes an upload whose CompleteMultipartUpload answered 200 with an error", async () => {
  let embedded = 1;
  await using proxy = motoProxy({
    plan: (request) =>
      request.method === "POST" && request.target.includes("uploadId=") && embedded-- > 0
        ? { embeddedError: "InternalError" }
        : "forward",
  });
  const bucket = await throughProxy(proxy);
  const data = new Uint8Array(PART_SIZE + 3).fill(9);
  await bucket.write("embedded/f", ReadableStream.from([data]));
  assert.equal(await bucket.size("embedded/f"), data.length);
});

Deno.test("S3Bucket.write() takes a completed upload for done when the answer to Complete was lost", async () => {
  let lose = 1;
  await using proxy = motoProxy({
    plan: (request) =>
      request.method === "POST" && request.target.includes("uploadId=") && lose-- > 0
        ? { afterForward: { status: 500, code: "InternalError" } }
        : "forward",
  });
  const bucket = await throughProxy(proxy);
  const data = new Uint8Array(PART_SIZE + 3).fill(8);
  await bucket.write("lost/f", ReadableStream.from([data]));
  assert.equal(await bucket.size("lost/f"), data.length);
});

Deno.test("S3Bucket.createIfAbsent() reads the object back after a 5xx instead of repeating the PUT", async () => {
  let lose = 0;
  await using proxy = motoProxy({
    plan: (request) =>
      request.method === "PUT" && lose-- > 0
        ? { afterForward: { status: 500, code: "InternalError" } }
        : "forward",
  });
  const bucket = await throughProxy(proxy);
  // Our PUT was applied but its answer lost: the object holds our bytes, so we won.
  lose = 1;
  assert.equal(await bucket.createIfAbsent("claim/1", bytes("load 1")), true);
  // Another's PUT came first (moto said 412, the answer was lost): the bytes are not ours.
  lose = 1;
  assert.equal(await bucket.createIfAbsent("claim/1", bytes("load 2")), false);
  assert.equal(new TextDecoder().decode(await bucket.read("claim/1")), "load 1");
  const puts = proxy.requests.filter((request) => request.method === "PUT");
  assert.equal(puts.length, 2, "no PUT was repeated");
});

Deno.test("S3Bucket.createIfAbsent() repeats a PUT refused with 409 ConditionalRequestConflict", async () => {
  let conflicts = 2;
  await using proxy = motoProxy({
    plan: (request) =>
      request.method === "PUT" && conflicts-- > 0
        ? { status: 409, code: "ConditionalRequestConflict" }
        : "forward",
  });
  const bucket = await throughProxy(proxy);
  assert.equal(await bucket.createIfAbsent("conflict/1", bytes("mine")), true);
  assert.equal(proxy.requests.filter((request) => request.method === "PUT").length, 3);
  assert.equal(proxy.requests.filter((request) => request.method === "GET").length, 0);
});

Deno.test("S3Bucket gives up with StorageUnavailableError after maxAttempts 5xx answers", async () => {
  await using proxy = startS3Proxy({ plan: () => ({ status: 503, code: "ServiceUnavailable" }) });
  const bucket = await openS3Bucket({ endpointUrl: proxy.endpointUrl, maxAttempts: 3 });
  const error = await rejection(bucket.read("x/y"));
  assert.ok(error instanceof StorageUnavailableError, String(error));
  assert.equal(error.bucketUrl, bucket.url);
  assert.ok(error.message.includes(bucket.url), error.message);
  assert.match(error.message, /503 ServiceUnavailable, after 3 attempts/);
  assert.equal(proxy.requests.length, 3);
  const claim = await rejection(bucket.createIfAbsent("x/claim", bytes("mine")));
  assert.ok(claim instanceof StorageUnavailableError, String(claim));
});

Deno.test("S3Bucket throws StorageUnavailableError naming the bucket when the endpoint refuses connections", async () => {
  const bucket = new S3Bucket("s3://lake/refused", {
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: SECRET,
    sessionToken: SESSION_TOKEN,
    endpointUrl: `http://127.0.0.1:${closedPort()}`,
    maxAttempts: 2,
    retryBaseDelayMs: 10,
  });
  for (const operation of [() => bucket.list(""), () => bucket.write("a", bytes("a"))]) {
    const error = await rejection(operation());
    assert.ok(error instanceof StorageUnavailableError, String(error));
    assert.match(error.message, /"s3:\/\/lake\/refused".*connection refused, after 2 attempts/);
    assertNoSecret(error, SECRET, SESSION_TOKEN);
  }
});

Deno.test("S3Bucket throws StorageUnavailableError when the endpoint does not answer in time", async () => {
  await using proxy = startS3Proxy({ plan: () => "hang" });
  const bucket = await openS3Bucket({
    endpointUrl: proxy.endpointUrl,
    requestTimeoutMs: 200,
    maxAttempts: 2,
  });
  const error = await rejection(bucket.size("slow"));
  assert.ok(error instanceof StorageUnavailableError, String(error));
  assert.match(error.message, /no answer within 200 ms, after 2 attempts/);
  assert.equal(proxy.requests.length, 2);
});

Deno.test("S3Bucket throws StorageAuthError for a wrong secret and shows the secret nowhere", async () => {
  const right = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "the right secret of the test" };
  await using proxy = motoProxy({ credentials: right });
  const good = await throughProxy(proxy, right);
  await good.write("auth/ok", bytes("signed well"));
  const bad = await throughProxy(proxy, {
    accessKeyId: right.accessKeyId,
    secretAccessKey: SECRET,
    sessionToken: SESSION_TOKEN,
  });
  const operations = [
    () => bad.list("auth"),
    () => bad.read("auth/ok"),
    () => bad.size("auth/ok"),
    () => bad.write("auth/x", bytes("x")),
    () => bad.write("auth/big", ReadableStream.from([new Uint8Array(PART_SIZE + 1)])),
    () => bad.createIfAbsent("auth/claim", bytes("x")),
    () => bad.delete("auth/ok"),
  ];
  for (const operation of operations) {
    const error = await rejection(operation());
    assert.ok(error instanceof StorageAuthError, String(error));
    assert.equal(error.bucketUrl, bad.url);
    assert.ok(error.message.includes(bad.url), error.message);
    assertNoSecret(error, SECRET, SESSION_TOKEN);
  }
  const listError = await rejection(bad.list("auth"));
  assert.match((listError as Error).message, /SignatureDoesNotMatch/);
  assert.ok(!Deno.inspect(bad, { depth: 10 }).includes(SECRET), "inspect shows no secret");
  assert.ok(!JSON.stringify(bad).includes(SECRET), "JSON shows no secret");
  assert.equal(new TextDecoder().decode(await good.read("auth/ok")), "signed well");
});

Deno.test("S3Bucket throws StorageAuthError for an unknown access key or a denied request", async () => {
  for (const code of ["InvalidAccessKeyId", "AccessDenied", "ExpiredToken"]) {
    await using proxy = startS3Proxy({ plan: () => ({ status: 403, code }) });
    const bucket = await openS3Bucket({ endpointUrl: proxy.endpointUrl });
    const error = await rejection(bucket.read("x"));
    assert.ok(error instanceof StorageAuthError, String(error));
    assert.ok(error.message.includes(code), error.message);
    // A HEAD answer has no body to name the code.
    const head = await rejection(bucket.size("x"));
    assert.ok(head instanceof StorageAuthError, String(head));
  }
});

Deno.test("S3Bucket throws BucketNotFoundError for a bucket that does not exist", async () => {
  const bucket = new S3Bucket("s3://no-such-bucket-here/data", {
    ...MOTO_CREDENTIALS,
    endpointUrl: moto().endpointUrl,
  });
  for (
    const operation of [
      () => bucket.list(""),
      () => bucket.read("a"),
      () => bucket.write("a", bytes("a")),
    ]
  ) {
    const error = await rejection(operation());
    assert.ok(error instanceof BucketNotFoundError, String(error));
    assert.ok(error.message.includes("s3://no-such-bucket-here/data"), error.message);
  }
});

Deno.test("S3Bucket signs every request as S3 checks it, keys with any character included", async () => {
  const credentials = {
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: SECRET,
    sessionToken: SESSION_TOKEN,
  };
  await using proxy = motoProxy({ credentials });
  const bucket = await throughProxy(proxy, credentials);
  const names = [
    "plain",
    "a b",
    "a+b",
    "a&b=c?d#e",
    "!'()*~",
    "é ü",
    "😀",
    "%41",
    "semi;colon,comma",
  ];
  for (const name of names) {
    await bucket.write(`keys/${name}`, bytes(name));
    assert.equal(new TextDecoder().decode(await bucket.read(`keys/${name}`)), name);
    assert.equal(await bucket.size(`keys/${name}`), bytes(name).length);
  }
  assert.deepEqual(
    (await bucket.list("keys", { startAfter: "a b" })).map((entry) => entry.name),
    names.filter((name) => name > "a b").sort(),
  );
  assert.equal(await bucket.createIfAbsent("keys/claim &", bytes("x")), true);
  await bucket.write("keys/big", ReadableStream.from([new Uint8Array(PART_SIZE + 1)]));
  await bucket.deleteDir("keys");
  assert.deepEqual(await bucket.list(""), []);
  assert.ok(
    proxy.requests.every((request) =>
      request.headers.get("x-amz-security-token") === SESSION_TOKEN
    ),
  );
});

Deno.test("new S3Bucket() parses the bucket and prefix of an s3:// URL", () => {
  const options = { ...MOTO_CREDENTIALS, endpointUrl: "http://127.0.0.1:1" };
  const root = new S3Bucket("s3://lake", options);
  assert.deepEqual([root.url, root.bucketName, root.prefix], ["s3://lake", "lake", ""]);
  const nested = new S3Bucket("s3://lake/a/b/", options);
  assert.deepEqual([nested.bucketName, nested.prefix], ["lake", "a/b"]);
  assert.equal(new S3Bucket("s3://my.dotted.bucket/x", { ...MOTO_CREDENTIALS }).prefix, "x");
});

Deno.test("new S3Bucket() refuses bad URLs, missing credentials and parts below 5 MiB", () => {
  const credentials = { ...MOTO_CREDENTIALS };
  for (
    const url of [
      "https://lake/x",
      "s3://",
      "s3:///x",
      "s3://lake/a/../b",
      "s3://lake//x",
      "/tmp/x",
    ]
  ) {
    assert.throws(() => new S3Bucket(url, credentials), ConfigurationError, url);
  }
  let error: unknown;
  try {
    new S3Bucket(`s3://AKIDEXAMPLE:${SECRET}@lake/x`, credentials);
  } catch (thrown) {
    error = thrown;
  }
  assert.ok(error instanceof ConfigurationError, String(error));
  assertNoSecret(error, SECRET);
  assert.throws(
    () => new S3Bucket("s3://lake", { ...credentials, endpointUrl: `http://k:${SECRET}@host` }),
    (thrown: unknown) => thrown instanceof ConfigurationError && !String(thrown).includes(SECRET),
  );
  assert.throws(
    () => new S3Bucket("s3://lake", { accessKeyId: "a", secretAccessKey: "" }),
    /secretAccessKey/,
  );
  assert.throws(
    () => new S3Bucket("s3://lake", { accessKeyId: "", secretAccessKey: "b" }),
    /accessKeyId/,
  );
  assert.throws(
    () => new S3Bucket("s3://lake", { ...credentials, partSize: 1024 * 1024 }),
    RangeError,
  );
  assert.throws(() => new S3Bucket("s3://lake", { ...credentials, maxAttempts: 0 }), RangeError);
});
