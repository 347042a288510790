/**
 * Reading JSONL files: forward as a stream of parsed rows, and backward from the end (so that
 * restoring the newest state costs the same for ten rows or a million). A torn last line (a crash
 * mid-append) is skipped, never fatal.
 *
 * @module
 */
import type { Bucket } from "../storage/bucket.ts";

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into parsed JSON rows. A line that does not parse is skipped when it is
 * the last line of the stream without a newline (torn by a crash) or when `skipInvalid` is set;
 * otherwise the stream errors with a `SyntaxError` naming the line number.
 */
export class JsonlParseStream<T = Record<string, unknown>> extends TransformStream<Uint8Array, T> {
  /** Creates the stream; `options.skipInvalid` skips every line that does not parse. */
  constructor(options: { skipInvalid?: boolean; source?: string } = {}) {
    const decoder = new TextDecoder();
    let carry = "";
    let lineNumber = 0;
    const parseLine = (line: string, controller: TransformStreamDefaultController<T>) => {
      lineNumber++;
      if (line.length === 0) return;
      try {
        controller.enqueue(JSON.parse(line) as T);
      } catch {
        if (options.skipInvalid) return;
        throw new SyntaxError(
          `Repair or remove line ${lineNumber} of ${
            options.source ?? "the JSONL stream"
          }: it is not valid JSON`,
        );
      }
    };
    super({
      transform(chunk, controller) {
        const text = carry + decoder.decode(chunk, { stream: true });
        let start = 0;
        let end = text.indexOf("\n", start);
        while (end !== -1) {
          parseLine(text.slice(start, end), controller);
          start = end + 1;
          end = text.indexOf("\n", start);
        }
        carry = text.slice(start);
      },
      flush(controller) {
        const rest = carry + decoder.decode();
        if (rest.length === 0) return;
        // No trailing newline: a torn append. Keep it only if it is whole JSON.
        try {
          controller.enqueue(JSON.parse(rest) as T);
        } catch { /* torn line */ }
      },
    });
  }
}

/**
 * Yields the complete lines of a bucket file from the last to the first, reading `chunkSize`
 * bytes at a time from the end. A last line without a newline is torn and skipped.
 */
export async function* readLinesBackward(
  bucket: Bucket,
  path: string,
  chunkSize = 64 * 1024,
): AsyncGenerator<string> {
  const size = await bucket.size(path);
  if (!size) return;
  const decoder = new TextDecoder();
  let end = size;
  // The start of a line whose beginning lies in chunks not read yet; always ends with "\n".
  let tail: Uint8Array = new Uint8Array(0);
  let tornTail = true;
  while (end > 0) {
    const start = Math.max(0, end - chunkSize);
    const chunk = await bucket.readRange(path, start, end);
    end = start;
    let buffer: Uint8Array = concat(chunk, tail);
    if (tornTail) {
      if (buffer[buffer.length - 1] !== NEWLINE) {
        const cut = buffer.lastIndexOf(NEWLINE);
        if (cut === -1) {
          tail = buffer; // still inside the torn line
          continue;
        }
        buffer = buffer.subarray(0, cut + 1);
      }
      tornTail = false;
    }
    let lineEnd = buffer.length - 1; // index of a newline
    tail = new Uint8Array(0);
    while (lineEnd >= 0) {
      const previous = lineEnd === 0 ? -1 : buffer.lastIndexOf(NEWLINE, lineEnd - 1);
      if (previous === -1 && end > 0) {
        tail = buffer.slice(0, lineEnd + 1);
        break;
      }
      if (lineEnd > previous + 1) yield decoder.decode(buffer.subarray(previous + 1, lineEnd));
      lineEnd = previous;
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Like {@linkcode readLinesBackward}, but parses each line; lines that are not JSON objects are skipped. */
export async function* readRowsBackward<T = Record<string, unknown>>(
  bucket: Bucket,
  path: string,
): AsyncGenerator<T> {
  for await (const line of readLinesBackward(bucket, path)) {
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      continue;
    }
    if (row !== null && typeof row === "object" && !Array.isArray(row)) yield row as T;
  }
}

/**
 * Streams the rows of a bucket file from first to last; a missing file yields nothing. A file
 * whose name ends in `.gz` (Python dlt compresses its table files) is gunzipped on the way.
 */
export async function* readRowsForward<T = Record<string, unknown>>(
  bucket: Bucket,
  path: string,
  options: { skipInvalid?: boolean } = {},
): AsyncGenerator<T> {
  let stream = await bucket.readStream(path);
  if (!stream) return;
  if (path.endsWith(".gz")) {
    const gunzip = new DecompressionStream("gzip") as unknown as TransformStream<
      Uint8Array,
      Uint8Array
    >;
    stream = stream.pipeThrough(gunzip);
  }
  yield* stream.pipeThrough(
    new JsonlParseStream<T>({ skipInvalid: options.skipInvalid, source: `${bucket.url}/${path}` }),
  );
}
