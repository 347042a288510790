/**
 * Command line parsing against a command's spec: `--name value`, `--name=value`, `-y`, list
 * options that take every following word up to the next option, and `--` to end options.
 *
 * @module
 */
import { UsageError } from "./exit_codes.ts";

/** An option of a command. */
export interface OptionSpec {
  /** The long name, without `--`. */
  name: string;
  /** A one-letter alias, without `-`. */
  short?: string;
  /** `flag`: no value; `value`: one value; `list`: one or more values (repeatable). */
  kind: "flag" | "value" | "list";
  /** The value's placeholder in help. */
  valueName?: string;
  /** One line of help. */
  description: string;
}

/** A positional argument of a command. */
export interface PositionalSpec {
  /** The name, for help and for the parsed result. */
  name: string;
  /** Whether it must be given. */
  required?: boolean;
  /** Whether it takes every remaining word (last positional only). */
  variadic?: boolean;
  /** One line of help. */
  description: string;
}

/** A command: its arguments and its help. */
export interface CommandSpec {
  /** The command word. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** A paragraph for `--help`. */
  description: string;
  /** Positional arguments, in order. */
  positionals: PositionalSpec[];
  /** Options. */
  options: OptionSpec[];
  /** Example command lines (after `cli.ts pipeline`). */
  examples: string[];
  /** True when the command commits state (takes the lock, asks first). */
  changesState: boolean;
}

/** The parsed arguments of a command. */
export interface ParsedArgs {
  /** Positional values by name (lists for variadic ones). */
  positionals: Record<string, string | string[] | undefined>;
  /** Option values by long name. */
  options: Record<string, boolean | string | string[] | undefined>;
}

/** Parses `argv` (the words after the command) against `spec`; throws {@linkcode UsageError}. */
export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options: ParsedArgs["options"] = {};
  const words: string[] = [];
  const byName = new Map(spec.options.map((option) => [option.name, option]));
  const byShort = new Map(
    spec.options.filter((option) => option.short).map((option) => [option.short!, option]),
  );
  let i = 0;
  const takeValue = (option: OptionSpec, inline: string | undefined, flag: string): string => {
    if (inline !== undefined) return inline;
    const next = argv[i + 1];
    if (next === undefined || (next.startsWith("-") && next.length > 1 && !/^-\d/.test(next))) {
      throw new UsageError(
        `Give ${flag} a value: ${flag} <${option.valueName ?? "value"}>`,
        spec.name,
      );
    }
    i++;
    return next;
  };
  for (; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      words.push(...argv.slice(i + 1));
      break;
    }
    let option: OptionSpec | undefined;
    let inline: string | undefined;
    let flag = word;
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
      inline = eq === -1 ? undefined : word.slice(eq + 1);
      flag = `--${name}`;
      option = byName.get(name);
    } else if (word.startsWith("-") && word.length === 2 && !/\d/.test(word[1])) {
      option = byShort.get(word[1]);
    } else {
      words.push(word);
      continue;
    }
    if (!option) {
      const known = spec.options.map((o) => `--${o.name}`).join(", ");
      throw new UsageError(
        `Remove the unknown option ${flag}: "${spec.name}" takes ${known}`,
        spec.name,
      );
    }
    if (option.kind === "flag") {
      if (inline !== undefined) {
        throw new UsageError(`Write ${flag} without a value`, spec.name);
      }
      options[option.name] = true;
    } else if (option.kind === "value") {
      options[option.name] = takeValue(option, inline, flag);
    } else {
      const values = (options[option.name] as string[] | undefined) ?? [];
      values.push(takeValue(option, inline, flag));
      // Greedy, as dlt's `--state-paths a b c`: following words up to the next option.
      while (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith("-")) {
        values.push(argv[++i]);
      }
      options[option.name] = values;
    }
  }
  if (options.help) return { positionals: {}, options };
  const positionals: ParsedArgs["positionals"] = {};
  let w = 0;
  for (const positional of spec.positionals) {
    if (positional.variadic) {
      positionals[positional.name] = words.slice(w);
      w = words.length;
      if (positional.required && (positionals[positional.name] as string[]).length === 0) {
        throw new UsageError(`Give at least one <${positional.name}>`, spec.name);
      }
      continue;
    }
    const value = words[w];
    if (value === undefined) {
      if (positional.required) {
        throw new UsageError(`Give the <${positional.name}> argument`, spec.name);
      }
      continue;
    }
    positionals[positional.name] = value;
    w++;
  }
  if (w < words.length) {
    throw new UsageError(
      `Remove the extra argument${words.length - w > 1 ? "s" : ""} ${
        words.slice(w).map((word) => JSON.stringify(word)).join(" ")
      }: "${spec.name}" takes ${
        spec.positionals.length === 0
          ? "none"
          : spec.positionals.map((p) => `<${p.name}${p.variadic ? "…" : ""}>`).join(" ")
      }`,
      spec.name,
    );
  }
  return { positionals, options };
}
