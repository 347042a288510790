/**
 * The two hashes dlt uses, SHA3-256 (state version hashes) and SHAKE128 (row hashes for
 * boundary deduplication), as a small Keccak-f[1600] on 32-bit lane halves. `node:crypto` has
 * both, but importing it costs a cron run more time (~20 ms) than all its hashing.
 *
 * @module
 */
import { toBase64 } from "./_base64.ts";

// Round constants, as [low, high] 32-bit halves.
const RC = new Uint32Array([
  0x00000001,
  0x00000000,
  0x00008082,
  0x00000000,
  0x0000808a,
  0x80000000,
  0x80008000,
  0x80000000,
  0x0000808b,
  0x00000000,
  0x80000001,
  0x00000000,
  0x80008081,
  0x80000000,
  0x00008009,
  0x80000000,
  0x0000008a,
  0x00000000,
  0x00000088,
  0x00000000,
  0x80008009,
  0x00000000,
  0x8000000a,
  0x00000000,
  0x8000808b,
  0x00000000,
  0x0000008b,
  0x80000000,
  0x00008089,
  0x80000000,
  0x00008003,
  0x80000000,
  0x00008002,
  0x80000000,
  0x00000080,
  0x80000000,
  0x0000800a,
  0x00000000,
  0x8000000a,
  0x80000000,
  0x80008081,
  0x80000000,
  0x00008080,
  0x80000000,
  0x80000001,
  0x00000000,
  0x80008008,
  0x80000000,
]);

// Rotation offset of lane x + 5y.
const ROTATION = [
  0,
  1,
  62,
  28,
  27,
  36,
  44,
  6,
  55,
  20,
  3,
  10,
  43,
  25,
  39,
  41,
  45,
  15,
  21,
  8,
  18,
  2,
  61,
  56,
  14,
];

// Where lane x + 5y goes in the π step: y + 5 * ((2x + 3y) % 5).
const PI = Array.from({ length: 25 }, (_, i) => {
  const x = i % 5, y = Math.floor(i / 5);
  return y + 5 * ((2 * x + 3 * y) % 5);
});

const C = new Uint32Array(10);
const B = new Uint32Array(50);

function keccakF(s: Uint32Array): void {
  for (let round = 0; round < 24; round++) {
    // θ
    for (let x = 0; x < 5; x++) {
      C[2 * x] = s[2 * x] ^ s[2 * x + 10] ^ s[2 * x + 20] ^ s[2 * x + 30] ^ s[2 * x + 40];
      C[2 * x + 1] = s[2 * x + 1] ^ s[2 * x + 11] ^ s[2 * x + 21] ^ s[2 * x + 31] ^ s[2 * x + 41];
    }
    for (let x = 0; x < 5; x++) {
      const l = C[2 * ((x + 1) % 5)], h = C[2 * ((x + 1) % 5) + 1];
      const dl = C[2 * ((x + 4) % 5)] ^ ((l << 1) | (h >>> 31));
      const dh = C[2 * ((x + 4) % 5) + 1] ^ ((h << 1) | (l >>> 31));
      for (let y = 0; y < 25; y += 5) {
        s[2 * (x + y)] ^= dl;
        s[2 * (x + y) + 1] ^= dh;
      }
    }
    // ρ and π
    for (let i = 0; i < 25; i++) {
      const l = s[2 * i], h = s[2 * i + 1];
      const r = ROTATION[i];
      const to = 2 * PI[i];
      if (r === 0) {
        B[to] = l;
        B[to + 1] = h;
      } else if (r < 32) {
        B[to] = (l << r) | (h >>> (32 - r));
        B[to + 1] = (h << r) | (l >>> (32 - r));
      } else if (r === 32) {
        B[to] = h;
        B[to + 1] = l;
      } else {
        const m = r - 32;
        B[to] = (h << m) | (l >>> (32 - m));
        B[to + 1] = (l << m) | (h >>> (32 - m));
      }
    }
    // χ
    for (let y = 0; y < 25; y += 5) {
      for (let x = 0; x < 5; x++) {
        const a = 2 * (x + y), b = 2 * (((x + 1) % 5) + y), c = 2 * (((x + 2) % 5) + y);
        s[a] = B[a] ^ (~B[b] & B[c]);
        s[a + 1] = B[a + 1] ^ (~B[b + 1] & B[c + 1]);
      }
    }
    // ι
    s[0] ^= RC[2 * round];
    s[1] ^= RC[2 * round + 1];
  }
}

/** The Keccak sponge: absorbs `input` at `rate` bytes a block with `suffix` padding. */
function sponge(input: Uint8Array, rate: number, suffix: number, outputLength: number): Uint8Array {
  const state = new Uint32Array(50);
  const absorbByte = (index: number, byte: number) => {
    state[index >> 2] ^= byte << ((index & 3) * 8);
  };
  let offset = 0;
  for (; offset + rate <= input.length; offset += rate) {
    for (let i = 0; i < rate; i++) absorbByte(i, input[offset + i]);
    keccakF(state);
  }
  const rest = input.length - offset;
  for (let i = 0; i < rest; i++) absorbByte(i, input[offset + i]);
  absorbByte(rest, suffix);
  absorbByte(rate - 1, 0x80);
  keccakF(state);
  const output = new Uint8Array(outputLength);
  for (let produced = 0; produced < outputLength;) {
    const take = Math.min(rate, outputLength - produced);
    for (let i = 0; i < take; i++) output[produced + i] = state[i >> 2] >>> ((i & 3) * 8);
    produced += take;
    if (produced < outputLength) keccakF(state);
  }
  return output;
}

const encoder = new TextEncoder();

/** SHA3-256 of the UTF-8 of `text`, standard base64 with padding (dlt's `_version_hash`). */
export function sha3Base64(text: string): string {
  return toBase64(sponge(encoder.encode(text), 136, 0x06, 32));
}

/** SHAKE128 of the UTF-8 of `text`, `bytes` long, base64 without padding (dlt's `digest128`). */
export function shake128Base64(text: string, bytes = 15): string {
  const base64 = toBase64(sponge(encoder.encode(text), 168, 0x1f, bytes));
  return bytes % 3 === 0 ? base64 : base64.replace(/=+$/, "");
}
