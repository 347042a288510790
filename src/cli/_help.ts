/**
 * The help texts of the command line.
 *
 * @module
 */
import type { CommandSpec, OptionSpec } from "./_args.ts";
import { COMMANDS } from "./_specs.ts";
import { EXIT_CODE_HELP } from "./exit_codes.ts";

const PROGRAM = "deno run -A cli.ts";

function optionUsage(option: OptionSpec): string {
  const names = `${option.short ? `-${option.short}, ` : ""}--${option.name}`;
  if (option.kind === "flag") return names;
  return `${names} <${option.valueName ?? "value"}>${option.kind === "list" ? "…" : ""}`;
}

function columns(rows: [string, string][], indent = "  "): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`);
}

function exitCodeLines(): string[] {
  return columns(EXIT_CODE_HELP.map(([code, text]) => [String(code), text]));
}

/** The general help: commands, configuration, exit codes. */
export function generalHelp(): string {
  return [
    "Inspect and fix dlt pipelines: their state, its history, and their loads.",
    "",
    "Usage:",
    `  ${PROGRAM} pipeline <name> <command> [arguments] [options]`,
    `  ${PROGRAM} pipeline list`,
    `  ${PROGRAM} pipeline <name> <command> --help`,
    "",
    "Commands:",
    ...columns(COMMANDS.map((command) => [command.name, command.summary])),
    "",
    "Commands that change state take the pipeline lock, print what they will do, ask before",
    "doing it (unless --yes) and commit the change as a new state version: nothing is edited",
    "in place, and `history` shows every version.",
    "",
    "Common options:",
    "  --json                 one JSON document on stdout, for scripts",
    "  --pipelines-dir <dir>  the folder of working dirs",
    "  -y, --yes              do it without asking (commands that change state)",
    "  -h, --help             help for a command",
    "",
    "Configuration, first found wins: options; environment variables (DLT_PIPELINES_DIR,",
    "DESTINATION__FILESYSTEM__BUCKET_URL, <PIPELINE_NAME>__DATASET_NAME, …); .dlt/secrets.yaml;",
    ".dlt/config.yaml in the current directory.",
    "",
    "Exit codes:",
    ...exitCodeLines(),
    "",
  ].join("\n");
}

/** The help of one command. */
export function commandHelp(spec: CommandSpec): string {
  const args = spec.positionals.map((p) => {
    const name = `<${p.name}${p.variadic ? "…" : ""}>`;
    return p.required ? name : `[${name}]`;
  });
  const usage = spec.name === "list"
    ? `${PROGRAM} pipeline list [options]`
    : `${PROGRAM} pipeline <name> ${[spec.name, ...args].join(" ")} [options]`;
  const lines = [spec.summary, "", "Usage:", `  ${usage}`, "", ...wrap(spec.description, 96), ""];
  if (spec.positionals.length > 0) {
    lines.push("Arguments:");
    lines.push(...columns(spec.positionals.map((p) => [`<${p.name}>`, p.description])));
    lines.push("");
  }
  lines.push("Options:");
  lines.push(...columns(spec.options.map((option) => [optionUsage(option), option.description])));
  lines.push("", "Examples:");
  lines.push(...spec.examples.map((example) => `  ${PROGRAM} pipeline ${example}`));
  lines.push("", "Exit codes:", ...exitCodeLines(), "");
  return lines.join("\n");
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}
