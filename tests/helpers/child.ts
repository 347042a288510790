/** Runs a test fixture script in a child process. */

/** Output of a child run. */
export interface ChildResult {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** How a fixture is run, beyond its arguments and environment. */
export interface FixtureOptions {
  /** Flags for `deno run` besides `-A` (`--unstable-kv` for a KV fixture). */
  denoFlags?: string[];
}

function fixtureCommand(
  fixture: string,
  args: string[],
  env: Record<string, string>,
  options: FixtureOptions,
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(options.denoFlags ?? []),
      new URL(`../fixtures/${fixture}.ts`, import.meta.url).pathname,
      ...args,
    ],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs `tests/fixtures/<fixture>.ts` with `args` and extra `env`. */
export async function runFixture(
  fixture: string,
  args: string[],
  env: Record<string, string> = {},
  options: FixtureOptions = {},
): Promise<ChildResult> {
  const output = await fixtureCommand(fixture, args, env, options).output();
  return {
    code: output.code,
    signal: output.signal,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/** Starts `tests/fixtures/<fixture>.ts` and returns the child process (stdout piped). */
export function spawnFixture(
  fixture: string,
  args: string[],
  env: Record<string, string> = {},
  options: FixtureOptions = {},
): Deno.ChildProcess {
  return fixtureCommand(fixture, args, env, options).spawn();
}
