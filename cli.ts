/**
 * The command line of dlt for Deno: inspect and fix pipelines, their state and its history.
 *
 * ```sh
 * deno run -A jsr:@loadstate/dlt/cli pipeline <name> <command> [arguments] [options]
 * deno run -A jsr:@loadstate/dlt/cli pipeline --help
 * ```
 *
 * Commands: `list`, `info`, `state`, `history`, `diff`, `pending` read; `rollback`, `reset`,
 * `set`, `drop`, `sync`, `drop-pending` change state: each takes the pipeline lock, prints what it
 * will do, asks unless `--yes`, and commits the change as a new state version. `--json` prints
 * one JSON document for scripts; the exit codes are {@linkcode ExitCode}.
 *
 * @example Running the command line from a script
 * ```ts
 * import { ExitCode, runCli } from "./cli.ts";
 *
 * const code = await runCli(["pipeline", "--help"]);
 * console.log(code === ExitCode.Ok); // true
 * ```
 *
 * @module
 */
import { runCli } from "./src/cli/main.ts";

export { runCli, type RunCliOptions } from "./src/cli/main.ts";
export { ExitCode, type ExitCodeValue } from "./src/cli/exit_codes.ts";
export type { CliIo } from "./src/cli/_output.ts";
export { diffStates, type StateChange } from "./src/cli/state_diff.ts";
export type { PathPart } from "./src/cli/_state_path.ts";
export {
  type ConfigOrigin,
  ConfigResolver,
  type ConfigResolverOptions,
  type LocatedValue,
} from "./src/config/resolver.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
