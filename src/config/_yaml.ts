/**
 * Reading `.dlt/*.yaml`: parse with js-yaml, report errors by file, line and key without ever
 * quoting the file's text (it may be `secrets.yaml`), and find the line of each key.
 *
 * js-yaml is loaded only when there is YAML to read: on import when the working directory has a
 * `.dlt` folder (so that the synchronous `dlt.pipeline()` can read it), otherwise by
 * {@linkcode loadYamlSupport}. A cron run without `.dlt/*.yaml` never loads it.
 *
 * @module
 */
import { join } from "node:path";
import { ConfigurationError } from "../errors.ts";

let yaml: { load: (text: string, options?: { filename?: string }) => unknown } | undefined;

/** Loads the YAML parser (once). Needed before reading `.dlt/*.yaml` of another folder. */
export async function loadYamlSupport(): Promise<void> {
  // A literal specifier, so that the module graph (deno publish, Deno Deploy builds) knows it.
  // deno-lint-ignore no-import-prefix
  yaml ??= (await import("npm:js-yaml@4.1.0")).default;
}

/** True when `dir` has a `.dlt` folder (false when it cannot be looked at). */
export function hasDltFolder(dir: string | undefined): boolean {
  if (dir === undefined) return false;
  try {
    return Deno.statSync(join(dir, ".dlt")).isDirectory;
  } catch {
    return false;
  }
}

function processCwd(): string | undefined {
  try {
    return Deno.cwd();
  } catch {
    return undefined;
  }
}

if (hasDltFolder(processCwd())) await loadYamlSupport();

interface YamlMark {
  line: number;
  column: number;
}

interface YamlException extends Error {
  reason?: string;
  mark?: YamlMark;
}

/** A parsed YAML file: its top-level mapping and the line (1-based) of each dotted key path. */
export interface YamlFile {
  /** The file path. */
  path: string;
  /** The root mapping (an empty object for an empty file). */
  root: Record<string, unknown>;
  /** Dotted key path → 1-based line where the key is written (block style only). */
  lines: Map<string, number>;
}

const KEY_LINE =
  /^(\s*)(?:-\s+)?("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[\]}:,-][^#:]*?|-[^\s#:][^#:]*?)\s*:(?:\s|$)/;

function unquote(key: string): string {
  if (key.startsWith('"')) {
    try {
      return JSON.parse(key);
    } catch {
      return key.slice(1, -1);
    }
  }
  if (key.startsWith("'")) return key.slice(1, -1).replaceAll("''", "'");
  return key;
}

/**
 * Walks the block-style keys of `text` up to line `untilLine` (0-based, inclusive) and calls
 * `visit(path, line)` for each key line. A heuristic: flow mappings and multi-line scalars are
 * not followed, which only costs a line number in a message.
 */
function walkKeys(
  text: string,
  visit: (path: string[], line: number) => void,
  untilLine = Infinity,
) {
  const stack: { indent: number; key: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && i <= untilLine; i++) {
    const line = lines[i];
    if (/^\s*(#|$)/.test(line) || /^(---|\.\.\.)\s*$/.test(line)) continue;
    const match = KEY_LINE.exec(line);
    const indent = line.length - line.trimStart().length;
    while (stack.length > 0 && stack.at(-1)!.indent >= indent) stack.pop();
    if (!match) continue;
    stack.push({ indent, key: unquote(match[2].trim()) });
    visit(stack.map((entry) => entry.key), i);
  }
}

/** The dotted key path in effect at 0-based `line` of `text`, or `undefined`. */
function keyPathAt(text: string, line: number): string | undefined {
  let found: string | undefined;
  walkKeys(text, (path) => {
    found = path.join(".");
  }, line);
  return found;
}

/**
 * Parses `text` read from `path`. Throws {@linkcode ConfigurationError} naming the file, the line
 * and the key for malformed YAML or a root that is not a mapping; the message never quotes the
 * file's content.
 */
export function parseYamlFile(text: string, path: string): YamlFile {
  if (!yaml) {
    throw new ConfigurationError(
      `Open the resolver with "await ConfigResolver.open({ cwd })" before reading "${path}": its folder was not the working directory when the library was imported, so the YAML parser is not loaded yet`,
    );
  }
  let root: unknown;
  try {
    root = yaml.load(text, { filename: path });
  } catch (error) {
    const yamlError = error as YamlException;
    const mark = yamlError.mark;
    const reason = yamlError.reason ?? "not valid YAML";
    if (!mark) {
      throw new ConfigurationError(`Fix the YAML in "${path}": ${reason}`);
    }
    const key = keyPathAt(text, mark.line);
    throw new ConfigurationError(
      `Fix line ${mark.line + 1} (column ${mark.column + 1}) of "${path}"${
        key ? ` near key "${key}"` : ""
      }: ${reason}`,
      { cause: new SyntaxError(reason) },
    );
  }
  if (root === undefined || root === null) root = {};
  if (typeof root !== "object" || Array.isArray(root) || root instanceof Date) {
    throw new ConfigurationError(
      `Write "${path}" as a mapping of keys (line 1): its top level is ${
        Array.isArray(root) ? "a list" : `a ${typeof root}`
      }`,
    );
  }
  const lines = new Map<string, number>();
  walkKeys(text, (keyPath, line) => {
    const dotted = keyPath.join(".");
    if (!lines.has(dotted)) lines.set(dotted, line + 1);
  });
  return { path, root: root as Record<string, unknown>, lines };
}
