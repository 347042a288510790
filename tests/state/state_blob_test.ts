import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { decodeStateBlob, encodeStateBlob } from "../../src/state/state_blob.ts";

Deno.test("encodeStateBlob() writes base64 of zlib data without _local", async () => {
  const blob = await encodeStateBlob({ a: 1, _local: { secret: true }, when: new Date(0) });
  const bytes = Uint8Array.from(atob(blob), (c) => c.charCodeAt(0));
  assert.equal(bytes[0], 0x78); // zlib header
  assert.deepEqual(await decodeStateBlob(blob), { a: 1, when: "\uF0271970-01-01T00:00:00.000Z" });
});

Deno.test("decodeStateBlob() reads blobs compressed at level 9 as dlt writes them", async () => {
  const json = JSON.stringify({ pipeline_name: "p", sources: { s: { x: [1, 2] } } });
  const compressed = deflateSync(new TextEncoder().encode(json), { level: 9 });
  const blob = btoa(String.fromCharCode(...compressed));
  assert.deepEqual(await decodeStateBlob(blob), JSON.parse(json));
});

Deno.test("decodeStateBlob() falls back to plain JSON like dlt", async () => {
  assert.deepEqual(await decodeStateBlob('{"a": 1}'), { a: 1 });
});
