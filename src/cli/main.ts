/**
 * The command line: `cli.ts pipeline <name> <command>`. Parses the arguments, opens the
 * pipeline, runs the command, and maps errors to the exit codes of {@linkcode ExitCode}.
 *
 * @module
 */
import { ConfigResolver } from "../config/mod.ts";
import { PipelineLockedError } from "../errors.ts";
import { parseCommandArgs } from "./_args.ts";
import type { CommandContext } from "./_context.ts";
import { commandHelp, generalHelp } from "./_help.ts";
import { listCommand } from "./_list.ts";
import { infoCommand, stateCommand } from "./_info_state.ts";
import { diffCommand, historyCommand } from "./_history_diff.ts";
import { rollbackCommand } from "./_rollback.ts";
import { resetCommand, setCommand } from "./_reset_set.ts";
import { dropCommand } from "./_drop.ts";
import { dropPendingCommand, pendingCommand, syncCommand } from "./_sync_pending.ts";
import { openPipeline } from "./_open.ts";
import { type CliIo, Output, processIo } from "./_output.ts";
import { commandSpec } from "./_specs.ts";
import { ExitCode, exitCodeOf, type ExitCodeValue, UsageError } from "./exit_codes.ts";

/**
 * Options of {@linkcode runCli}.
 *
 * @example Running a command against a pipelines dir of your own
 * ```ts
 * import { ConfigResolver } from "../config/resolver.ts";
 * import { runCli, type RunCliOptions } from "../../cli.ts";
 *
 * const dir = await Deno.makeTempDir();
 * let out = "";
 * const options: RunCliOptions = {
 *   io: {
 *     stdout: (text) => (out += text),
 *     stderr: () => {},
 *     readLine: () => Promise.resolve(null),
 *     stderrIsTerminal: () => false,
 *   },
 *   resolver: new ConfigResolver({
 *     cwd: dir,
 *     env: (name) => (name === "DLT_PIPELINES_DIR" ? `${dir}/pipelines` : undefined),
 *   }),
 * };
 * const code = await runCli(["pipeline", "list", "--json"], options);
 * console.log(code, JSON.parse(out).pipelines); // 0 []
 * ```
 */
export interface RunCliOptions {
  /** The streams. @default the process's stdin, stdout and stderr */
  io?: CliIo;
  /** The configuration. @default a resolver of the current directory and environment */
  resolver?: ConfigResolver;
}

const HANDLERS: Record<string, (ctx: CommandContext) => Promise<void>> = {
  list: listCommand,
  info: infoCommand,
  state: stateCommand,
  history: historyCommand,
  diff: diffCommand,
  pending: pendingCommand,
  rollback: rollbackCommand,
  reset: resetCommand,
  set: setCommand,
  drop: dropCommand,
  sync: syncCommand,
  "drop-pending": dropPendingCommand,
};

const HELP_WORDS = new Set(["-h", "--help", "help"]);

/**
 * Runs the command line with `args` (the words after `cli.ts`) and returns the exit code.
 *
 * @example Showing the help
 * ```ts
 * import { runCli } from "./main.ts";
 *
 * let text = "";
 * const code = await runCli(["--help"], {
 *   io: {
 *     stdout: (t) => (text += t),
 *     stderr: () => {},
 *     readLine: () => Promise.resolve(null),
 *     stderrIsTerminal: () => false,
 *   },
 * });
 * console.log(code, text.includes("rollback")); // 0 true
 * ```
 */
export async function runCli(
  args: readonly string[],
  options: RunCliOptions = {},
): Promise<ExitCodeValue> {
  const io = options.io ?? processIo();
  const json = args.includes("--json");
  let resolver: ConfigResolver | undefined;
  const redact = (text: string) => resolver ? resolver.redact(text) : text;
  const out = new Output(io, json, redact);
  let name = "";
  try {
    resolver = options.resolver ?? await ConfigResolver.open();
    if (args.length === 0) {
      io.stderr(generalHelp());
      return ExitCode.Usage;
    }
    if (HELP_WORDS.has(args[0])) {
      io.stdout(generalHelp());
      return ExitCode.Ok;
    }
    if (args[0] !== "pipeline") {
      throw new UsageError(
        `Write "pipeline" first: cli.ts pipeline <name> <command>; got "${args[0]}"`,
      );
    }
    const rest = args.slice(1);
    if (rest.length === 0 || HELP_WORDS.has(rest[0])) {
      io.stdout(generalHelp());
      return ExitCode.Ok;
    }
    let command: string;
    let commandArgs: readonly string[];
    if (rest[0] === "list" || rest[0] === "--list") {
      command = "list";
      commandArgs = rest.slice(1);
    } else if (rest[0].startsWith("-")) {
      throw new UsageError(`Name the pipeline before the options: got "${rest[0]}"`);
    } else {
      name = rest[0];
      const word = rest[1];
      if (word === undefined || word.startsWith("-")) {
        command = "info";
        commandArgs = rest.slice(1);
      } else {
        command = word === "help" ? "info" : word;
        commandArgs = word === "help" ? ["--help"] : rest.slice(2);
      }
    }
    const spec = commandSpec(command);
    if (!spec) {
      throw new UsageError(
        `Choose a command: "${command}" is not one (run cli.ts pipeline --help for the list)`,
      );
    }
    const parsed = parseCommandArgs(spec, commandArgs);
    if (parsed.options.help) {
      io.stdout(commandHelp(spec));
      return ExitCode.Ok;
    }
    const configured = resolver;
    const ctx: CommandContext = {
      command,
      name,
      args: parsed,
      out,
      resolver: configured,
      open: () =>
        openPipeline(name, {
          pipelinesDir: parsed.options["pipelines-dir"] as string | undefined,
          bucketUrl: parsed.options["bucket-url"] as string | undefined,
          datasetName: parsed.options["dataset-name"] as string | undefined,
          resolver: configured,
          progress: !json && io.stderrIsTerminal() && spec.changesState ? "bar" : false,
          warn: (message) => out.error(`warning: ${message}`),
        }),
    };
    await HANDLERS[command](ctx);
    return ExitCode.Ok;
  } catch (error) {
    const code = exitCodeOf(error);
    const raw = error instanceof PipelineLockedError
      ? `Cannot change pipeline "${name}": a run of it holds the lock${
        error.pid ? ` (pid ${error.pid})` : ""
      }; wait for it to finish, or pass --wait <seconds>`
      : error instanceof Error
      ? error.message
      : String(error);
    const message = redact(raw);
    out.error(`error: ${message}`);
    if (error instanceof UsageError) {
      out.error(`Run: cli.ts pipeline ${error.command ? `<name> ${error.command} ` : ""}--help`);
    } else if (code === ExitCode.Error && error instanceof Error && error.stack) {
      out.error(error.stack);
    }
    if (json) {
      out.document({
        error: {
          name: error instanceof Error ? error.name : "Error",
          message,
          exitCode: code,
        },
      });
    }
    return code;
  }
}
