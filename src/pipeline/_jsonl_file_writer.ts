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

  /** Flushes, fsyncs and closes the file. */
  close(): void {
    this.#flush();
    this.#file.syncSync();
    this.#file.close();
  }

  /** Closes the file without flushing (the package is being discarded). */
  abandon(): void {
    this.#file.close();
  }
}
