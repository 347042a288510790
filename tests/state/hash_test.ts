import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sha3Base64, shake128Base64 } from "../../src/state/hash.ts";

Deno.test("shake128Base64() reproduces dlt's row hash vectors", () => {
  assert.equal(shake128Base64('{"created_at":24}'), "aiuNd5u7bjL7glZC/3MB");
  assert.equal(shake128Base64('"a"'), "HXVczKyPrzLoPDkJtIV8");
  assert.equal(shake128Base64("3"), "Cn/dwi436vBbdERZ9hKf");
  assert.equal(shake128Base64("10"), "vo6yPDUNbvwTGquSdaDy");
  assert.equal(shake128Base64('["AAA","DE"]'), "jDuQWGaYv78FC5gqISs+");
});

Deno.test("sha3Base64() and shake128Base64() agree with node:crypto on inputs of every block size", () => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789é🦕{}":,';
  for (let length = 0; length < 700; length += length < 350 ? 1 : 37) {
    let text = "";
    for (let i = 0; i < length; i++) text += alphabet[(i * 7 + length) % alphabet.length];
    assert.equal(
      sha3Base64(text),
      createHash("sha3-256").update(text).digest("base64"),
      `sha3 of ${length} chars`,
    );
    for (const bytes of [15, 32, 200]) {
      assert.equal(
        shake128Base64(text, bytes),
        createHash("shake128", { outputLength: bytes }).update(text).digest("base64").replace(
          /=+$/,
          "",
        ),
        `shake128/${bytes} of ${length} chars`,
      );
    }
  }
});
