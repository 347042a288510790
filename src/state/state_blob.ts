/**
 * The `state` column of `_dlt_pipeline_state`: base64 of zlib-deflated typed JSON, as dlt stores
 * it, so either tool can decode the other's rows.
 *
 * @module
 */
import { encodeTyped } from "./typed_json.ts";
import { fromBase64, toBase64 } from "./_base64.ts";

async function pipe(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  const out = new Response(
    new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream),
  );
  return new Uint8Array(await out.arrayBuffer());
}

/** Encodes a state document (without `_local`) for the `state` column. */
export async function encodeStateBlob(state: Record<string, unknown>): Promise<string> {
  const { _local: _, ...rest } = state;
  const json = JSON.stringify(encodeTyped(rest));
  return toBase64(await pipe(new TextEncoder().encode(json), new CompressionStream("deflate")));
}

/**
 * Decodes the `state` column into typed JSON text's parsed value (tags not yet decoded). Falls back
 * to plain JSON when the text is not base64, as dlt does.
 */
export async function decodeStateBlob(blob: string): Promise<unknown> {
  let compressed: Uint8Array;
  try {
    compressed = fromBase64(blob);
  } catch {
    return JSON.parse(blob);
  }
  const json = await pipe(compressed, new DecompressionStream("deflate"));
  return JSON.parse(new TextDecoder().decode(json));
}
