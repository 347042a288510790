/**
 * A bucket path as the KV bucket writes it: validated for what a Deno KV key can hold, with the
 * node keys of the file and of the folders above it.
 *
 * @module
 */
import { bucketPathSegments } from "./bucket.ts";
import { keyBytes, type KvKeys, MAX_DEPTH, MAX_KEY_BYTES } from "./_kv_keys.ts";

/** A validated path and the keys a write of it touches. */
export interface Target {
  /** The path. */
  path: string;
  /** The node of the file. */
  key: Deno.KvKey;
  /** The folders above it, outermost first: their paths and nodes. */
  folders: { path: string; key: Deno.KvKey }[];
}

/**
 * The target of `path` under `keys`. Throws `TypeError` for a path a key cannot hold and
 * `RangeError` for one too deep or too long.
 */
export function kvTarget(keys: KvKeys, url: string, path: string): Target {
  const segments = bucketPathSegments(path);
  if (!path.isWellFormed()) {
    throw new TypeError(
      `Use a bucket path of well-formed Unicode: ${
        JSON.stringify(path)
      } has a lone surrogate, which a Deno KV key cannot hold`,
    );
  }
  if (segments.length > MAX_DEPTH) {
    throw new RangeError(
      `Use a path of at most ${MAX_DEPTH} segments in "${url}": "${path}" has ${segments.length}`,
    );
  }
  const name = segments.pop()!;
  const key = keys.node(segments.join("/"), name);
  const size = keyBytes(key);
  if (size > MAX_KEY_BYTES) {
    throw new RangeError(
      `Use a shorter path in "${url}": "${
        path.slice(0, 80)
      }…" takes ${size} bytes as a Deno KV key (the prefix included), and a key holds at most ${MAX_KEY_BYTES}`,
    );
  }
  const folders = segments.map((segment, i) => ({
    path: segments.slice(0, i + 1).join("/"),
    key: keys.node(segments.slice(0, i).join("/"), segment),
  }));
  return { path, key, folders };
}
