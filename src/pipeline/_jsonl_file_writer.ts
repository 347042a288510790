/**
 * A JSONL file writer for the extract hot path. Lines are collected as strings and encoded a
 * megabyte at a time, with one `encodeInto` and one synchronous write per chunk: never one
 * encode nor one write per row (an `encodeInto` call per row costs more than the row's bytes).
 */

/** Characters collected before they are encoded and written. */
const CHUNK_CHARS = 1 << 18;

/**
 * The bytes of one chunk on their way to a file. A flush encodes and writes synchronously, so
 * every writer can share this one buffer, however many tables a package has.
 */
const buffer = new Uint8Array(1 << 20);
const encoder = new TextEncoder();

/** Writes lines to one file, a chunk of about 256 Ki characters at a time. */
export class JsonlFileWriter {
  readonly #file: Deno.FsFile;
  /** The strings of the lines not written yet: `#parts[0 … #count - 1]`. */
  #parts: string[] = new Array(1024);
  #count = 0;
  #chars = 0;
  #written = 0;
  /** Lines written so far (buffered included). */
  lines = 0;

  /** Creates (truncates) `path`. */
  constructor(path: string) {
    this.#file = Deno.openSync(path, { write: true, create: true, truncate: true });
  }

  /**
   * Bytes written so far. Exact once the writer is closed; before that, lines still buffered
   * are counted as one byte a character (enough to decide when to start a new file).
   */
  get bytes(): number {
    return this.#written + this.#chars;
  }

  /** Adds one line (`text` must not contain a newline). */
  writeLine(text: string): void {
    const parts = this.#parts;
    parts[this.#count++] = text;
    parts[this.#count++] = "\n";
    this.#chars += text.length + 1;
    this.lines++;
    if (this.#chars > CHUNK_CHARS) this.#flush();
  }

  /**
   * Adds one row: `head` is the JSON of an object without its closing `}`, `members` more
   * members (`,"key":"value",…,"key":"` — starting with a comma unless the object is empty, and
   * ending inside a string), `end` the rest of that string, `"}` and a newline. Nothing is
   * parsed or escaped here.
   */
  writeRow(head: string, members: string, end: string): void {
    const parts = this.#parts;
    let count = this.#count;
    parts[count++] = head;
    parts[count++] = members;
    parts[count++] = end;
    this.#count = count;
    this.#chars += head.length + members.length + end.length;
    this.lines++;
    if (this.#chars > CHUNK_CHARS) this.#flush();
  }

  #flush(): void {
    if (this.#count === 0) return;
    const parts = this.#parts;
    parts.length = this.#count;
    const text = parts.join("");
    this.#parts = new Array(Math.max(1024, this.#count));
    this.#count = 0;
    this.#chars = 0;
    let rest = text;
    while (true) {
      // Stops short of the end when the buffer is full (non-ASCII text, a huge line).
      const { read, written } = encoder.encodeInto(rest, buffer);
      let offset = 0;
      while (offset < written) offset += this.#file.writeSync(buffer.subarray(offset, written));
      this.#written += written;
      if (read === rest.length) return;
      rest = rest.slice(read);
    }
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
    this.#parts = [];
    this.#count = 0;
    this.#chars = 0;
    this.#file.close();
  }
}
