/**
 * Shared setup for the command line tests: a temp world holding a real pipeline (made by
 * `fixtures/run_issues.ts` in a child process) and a way to run `cli.ts` in a child process.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../cli.ts", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./fixtures/run_issues.ts", import.meta.url));

/** What a child process printed, and how it ended. */
export interface ChildOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** What a fixture run printed: the cursor it started from, and its LoadInfo. */
export interface FixtureRun {
  since: string;
  info: { stateVersion: number; loadIds: string[]; rowCounts: Record<string, number> };
}

/** Options of {@linkcode CliWorld.cli}. */
export interface CliCallOptions {
  /** Text for stdin; without it stdin is closed at once. */
  stdin?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Pass `--pipelines-dir` (default true; false relies on the environment or .dlt files). */
  pipelinesDirFlag?: boolean;
}

/** A temp dir with `pipelines/` and `bucket/`, removed by `[Symbol.asyncDispose]`. */
export class CliWorld implements AsyncDisposable {
  readonly root: string;
  readonly pipelinesDir: string;
  readonly bucketDir: string;
  readonly dataset = "github_data";

  private constructor(root: string) {
    this.root = root;
    this.pipelinesDir = join(root, "pipelines");
    this.bucketDir = join(root, "bucket");
  }

  static async create(): Promise<CliWorld> {
    return new CliWorld(await Deno.makeTempDir({ prefix: "dlt_cli_" }));
  }

  /** Runs the fixture pipeline with issues 1..upTo; returns its cursor at start and LoadInfo. */
  run(upTo: number, env: Record<string, string> = {}): Promise<FixtureRun> {
    return this.#runFixture({ upTo }, env);
  }

  /** Runs the fixture with its second source "gitlab" too (see `fixtures/run_issues.ts`). */
  runWithGitlab(upTo: number): Promise<FixtureRun> {
    return this.#runFixture({ upTo, gitlab: true }, {});
  }

  async #runFixture(
    spec: { upTo: number; gitlab?: boolean },
    env: Record<string, string>,
  ): Promise<FixtureRun> {
    const result = await child(FIXTURE, [JSON.stringify({ root: this.root, ...spec })], {
      cwd: this.root,
      env,
    });
    if (result.code !== 0) {
      throw new Error(`fixture failed (${result.code}): ${result.stdout}\n${result.stderr}`);
    }
    return JSON.parse(result.stdout);
  }

  /**
   * Starts the fixture so that it holds the lock for `ms`; resolves once it does. Dispose the
   * result to kill the run (if still running) and wait for it.
   */
  async holdLock(
    ms: number,
  ): Promise<{ pid: number; finished: Promise<Deno.CommandStatus> } & AsyncDisposable> {
    const process = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", FIXTURE, JSON.stringify({ root: this.root, upTo: 3, holdMs: ms })],
      cwd: this.root,
      stdout: "piped",
      stderr: "null",
      env: { NO_COLOR: "1" },
    }).spawn();
    const reader = process.stdout.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("holding")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`fixture ended before holding the lock: ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    const drained = (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })();
    const finished = process.status.then(async (status) => {
      await drained;
      return status;
    });
    return {
      pid: process.pid,
      finished,
      async [Symbol.asyncDispose]() {
        try {
          process.kill("SIGKILL");
        } catch { /* already ended */ }
        await finished;
      },
    };
  }

  /** Runs the fixture as it is, returning whatever happened (for crash runs). */
  runRaw(upTo: number, env: Record<string, string> = {}): Promise<ChildOutput> {
    return child(FIXTURE, [JSON.stringify({ root: this.root, upTo })], { cwd: this.root, env });
  }

  /** Runs `cli.ts pipeline …args` in a child process. */
  cli(args: string[], options: CliCallOptions = {}): Promise<ChildOutput> {
    const dirFlag = options.pipelinesDirFlag === false
      ? []
      : ["--pipelines-dir", this.pipelinesDir];
    return child(CLI, ["pipeline", ...args, ...dirFlag], {
      cwd: this.root,
      env: options.env,
      stdin: options.stdin,
    });
  }

  /** Runs the CLI with `--json` and parses stdout. */
  async cliJson<T = Record<string, unknown>>(
    args: string[],
    options: CliCallOptions = {},
  ): Promise<T> {
    const result = await this.cli([...args, "--json"], options);
    if (result.code !== 0) {
      throw new Error(`cli ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
    }
    return JSON.parse(result.stdout);
  }

  /** The rows of a table file set as stored (every JSONL file of the table, committed or not). */
  async tableRows(table: string): Promise<Record<string, unknown>[]> {
    const { Dataset, DatasetStore, LocalBucket } = await importReaders();
    const dataset = new Dataset(new DatasetStore(new LocalBucket(this.bucketDir), this.dataset));
    try {
      return await dataset.table(table).toArray();
    } catch (error) {
      if ((error as Error).name === "TableNotFoundError") return [];
      throw error;
    }
  }

  /** The local state document of the pipeline. */
  async localState(): Promise<Record<string, unknown>> {
    return JSON.parse(await Deno.readTextFile(join(this.pipelinesDir, "gh", "state.json")));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.root, { recursive: true });
  }
}

async function importReaders() {
  const { Dataset } = await import("../../src/destinations/dataset.ts");
  const { DatasetStore } = await import("../../src/destinations/dataset_store.ts");
  const { LocalBucket } = await import("../../src/storage/local_bucket.ts");
  return { Dataset, DatasetStore, LocalBucket };
}

/** Runs a script with `deno run -A` and collects its output. */
async function child(
  script: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; stdin?: string },
): Promise<ChildOutput> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = process.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await process.output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/** ISO timestamp of day `i` of January 2024, as the fixture's issues carry. */
export function day(i: number): string {
  return new Date(Date.UTC(2024, 0, i)).toISOString();
}
