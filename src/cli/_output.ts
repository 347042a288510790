/**
 * The command line's output: the only place of the library that writes to stdout. Human text by
 * default; with `--json`, exactly one JSON document on stdout. Questions, warnings and errors go
 * to stderr.
 *
 * @module
 */
// A user imports the library by URL, path or JSR: no import map of ours applies there.
// deno-lint-ignore no-import-prefix
import yaml from "npm:js-yaml@4.1.0";
import { isPreciseInstant } from "../state/temporal.ts";

/**
 * The streams the command line talks through (a test may pass its own).
 *
 * @example Capturing what a command prints
 * ```ts
 * import { type CliIo, ExitCode, runCli } from "../../cli.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const errors: string[] = [];
 * const io: CliIo = {
 *   stdout: () => {},
 *   stderr: (text) => errors.push(text),
 *   readLine: () => Promise.resolve("y"), // answers yes to every question
 *   stderrIsTerminal: () => false,
 * };
 * const code = await runCli(["pipeline", "nope", "info", "--pipelines-dir", dir], { io });
 * console.log(code === ExitCode.NotFound, errors.length > 0); // true true
 * ```
 */
export interface CliIo {
  /** Writes to stdout. */
  stdout(text: string): void;
  /** Writes to stderr. */
  stderr(text: string): void;
  /** Reads one line of stdin without its newline; `null` at the end of input. */
  readLine(): Promise<string | null>;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  stderrIsTerminal(): boolean;
}

const encoder = new TextEncoder();

function writeAll(file: { writeSync(bytes: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
}

/** Reads one line from stdin, a chunk at a time, keeping what follows the line for later. */
function stdinLineReader(): () => Promise<string | null> {
  let buffered = new Uint8Array(0);
  let ended = false;
  const decoder = new TextDecoder();
  return async () => {
    while (true) {
      const newline = buffered.indexOf(0x0a);
      if (newline !== -1) {
        const line = decoder.decode(buffered.subarray(0, newline));
        buffered = buffered.slice(newline + 1);
        return line.replace(/\r$/, "");
      }
      if (ended) {
        if (buffered.length === 0) return null;
        const rest = decoder.decode(buffered);
        buffered = new Uint8Array(0);
        return rest;
      }
      const chunk = new Uint8Array(4096);
      const n = await Deno.stdin.read(chunk);
      if (n === null) ended = true;
      else {
        const joined = new Uint8Array(buffered.length + n);
        joined.set(buffered);
        joined.set(chunk.subarray(0, n), buffered.length);
        buffered = joined;
      }
    }
  };
}

/** The process's own stdin, stdout and stderr. */
export function processIo(): CliIo {
  let stdoutClosed = false;
  return {
    stdout: (text) => {
      if (stdoutClosed) return;
      try {
        writeAll(Deno.stdout, text);
      } catch (error) {
        // `cli.ts … | head`: the reader went away; there is nobody left to write for.
        if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
        stdoutClosed = true;
      }
    },
    stderr: (text) => writeAll(Deno.stderr, text),
    readLine: stdinLineReader(),
    stderrIsTerminal: () => Deno.stderr.isTerminal(),
  };
}

/** Writes human text or one JSON document, and asks questions; every text passes `redact`. */
export class Output {
  /** The streams. */
  readonly io: CliIo;
  /** True with `--json`. */
  readonly json: boolean;
  readonly #redact: (text: string) => string;

  /** Output through `io`, in JSON mode when `json`; `redact` masks secrets in every text. */
  constructor(io: CliIo, json: boolean, redact: (text: string) => string = (text) => text) {
    this.io = io;
    this.json = json;
    this.#redact = redact;
  }

  /** Human text on stdout as it is (dropped in JSON mode). */
  text(text: string): void {
    if (!this.json) this.io.stdout(this.#redact(text));
  }

  /** A line of human text on stdout (dropped in JSON mode). */
  line(text = ""): void {
    this.text(text + "\n");
  }

  /** The JSON document (JSON mode only); secrets in its strings are masked. */
  document(value: unknown): void {
    if (!this.json) return;
    const redact = this.#redact;
    const json = JSON.stringify(
      value,
      (_key, item) => typeof item === "string" ? redact(item) : item,
      2,
    );
    this.io.stdout(json + "\n");
  }

  /** A note on stderr (both modes). */
  note(text: string): void {
    this.io.stderr(this.#redact(text) + "\n");
  }

  /** An error or warning line on stderr. */
  error(text: string): void {
    this.note(text);
  }

  /** Aligned columns on stdout, under `headers` unless it is `null`. */
  table(headers: string[] | null, rows: string[][], indent = ""): void {
    const columns = headers?.length ?? Math.max(0, ...rows.map((row) => row.length));
    const widths = Array.from(
      { length: columns },
      (_, i) => Math.max(headers?.[i]?.length ?? 0, ...rows.map((row) => (row[i] ?? "").length)),
    );
    const format = (cells: string[]) =>
      indent + cells.map((cell, i) => i === cells.length - 1 ? cell : cell.padEnd(widths[i]))
        .join("  ").trimEnd();
    if (headers) this.line(format(headers));
    for (const row of rows) this.line(format(row));
  }

  /** Asks `question` on stderr and reads the answer: true only for y/yes. */
  async ask(question: string): Promise<boolean | null> {
    this.io.stderr(`${this.#redact(question)} [y/N] `);
    const answer = await this.io.readLine();
    if (answer === null) {
      this.io.stderr("\n");
      return null;
    }
    return /^\s*y(es)?\s*$/i.test(answer);
  }
}

/** Makes state values printable as YAML: Temporal instants become Dates. */
function forYaml(value: unknown): unknown {
  if (isPreciseInstant(value)) return new Date(value.epochMilliseconds);
  if (Array.isArray(value)) return value.map(forYaml);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forYaml(v)]));
  }
  return value;
}

/** A state value as YAML text: dates as timestamps, strings that look like dates quoted. */
export function toYaml(value: unknown): string {
  return (yaml.dump as (value: unknown, options: object) => string)(forYaml(value), {
    lineWidth: 100,
    noRefs: true,
    sortKeys: false,
  });
}

/** A short human form of a value: dates as ISO, long arrays as counts, long text cut. */
export function shortValue(value: unknown, max = 60): string {
  if (value === undefined) return "(none)";
  if (value instanceof Date) return value.toISOString();
  if (isPreciseInstant(value)) return value.toString();
  if (Array.isArray(value) && value.length > 3) return `[${value.length} items]`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
