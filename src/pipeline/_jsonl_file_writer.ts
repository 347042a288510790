/**
 * A JSONL file writer for the extract hot path: lines are encoded into one large buffer and
 * written with one synchronous call per megabyte, never one write per row.
 */
const BUFFER_SIZE = 1 << 20;

/** Writes lines to one file through a 1 MiB buffer. */
export class JsonlFileWriter {
  readonly #file: Deno.FsFile;
  readonly #buffer = new Uint8Array(BUFFER_SIZE);
  readonly #encoder = new TextEncoder();
  #used = 0;
  /** Bytes written so far (buffered included). */
  bytes = 0;
  /** Lines written so far. */
  lines = 0;

  /** Creates (truncates) `path`. */
  constructor(path: string) {
    this.#file = Deno.openSync(path, { write: true, create: true, truncate: true });
  }

  /** Adds one line (`text` must not contain a newline). */
  writeLine(text: string): void {
    // A UTF-16 unit encodes to at most 3 bytes.
    if (this.#used + text.length * 3 + 1 > BUFFER_SIZE) {
      this.#flush();
      if (text.length * 3 + 1 > BUFFER_SIZE) {
        this.#writeAll(this.#encoder.encode(text + "\n"));
        this.lines++;
        return;
      }
    }
    const { written } = this.#encoder.encodeInto(text, this.#buffer.subarray(this.#used));
    this.#used += written;
    this.#buffer[this.#used++] = 0x0a;
    this.bytes += written + 1;
    this.lines++;
  }

  /**
   * Adds one row: the JSON of an object (`json`, ending in `}`) with more members appended
   * without building the joined string: `json` minus its `}`, a comma, the `members` bytes
   * (`"key":"value",…,"key":"` — they end inside a string), then `id`, `"}` and a newline.
   * `id` must be ASCII.
   */
  writeRow(json: string, members: Uint8Array, id: string): void {
    const need = json.length * 3 + members.length + id.length + 4;
    if (this.#used + need > BUFFER_SIZE) {
      this.#flush();
      if (need > BUFFER_SIZE) {
        const head = json.length === 2 ? "{" : `${json.slice(0, -1)},`;
        this.writeLine(`${head}${new TextDecoder().decode(members)}${id}"}`);
        return;
      }
    }
    const buffer = this.#buffer;
    const start = this.#used;
    const { written } = this.#encoder.encodeInto(json, buffer.subarray(start));
    let used = start + written - 1; // drop the closing brace
    if (written > 2) buffer[used++] = 0x2c; // a comma, unless the object was empty
    buffer.set(members, used);
    used += members.length;
    for (let i = 0; i < id.length; i++) buffer[used++] = id.charCodeAt(i);
    buffer[used++] = 0x22; // "
    buffer[used++] = 0x7d; // }
    buffer[used++] = 0x0a;
    this.bytes += used - start;
    this.#used = used;
    this.lines++;
  }

  #writeAll(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) offset += this.#file.writeSync(bytes.subarray(offset));
    this.bytes += bytes.length;
  }

  #flush(): void {
    if (this.#used === 0) return;
    let offset = 0;
    while (offset < this.#used) {
      offset += this.#file.writeSync(this.#buffer.subarray(offset, this.#used));
    }
    this.#used = 0;
  }

  #closed = false;

  /** Flushes, fsyncs and closes the file (closed even when the flush fails, e.g. a full disk). */
  close(): void {
    if (this.#closed) return;
    try {
      this.#flush();
      this.#file.syncSync();
    } finally {
      this.#closed = true;
      this.#file.close();
    }
  }

  /** Closes the file without flushing (the package is being discarded); once only. */
  abandon(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }
}
