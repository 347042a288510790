/** Runs a test fixture script in a child process. */

/** Output of a child run. */
export interface ChildResult {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** Runs `tests/fixtures/<fixture>.ts` with `args` and extra `env`. */
export async function runFixture(
  fixture: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`../fixtures/${fixture}.ts`, import.meta.url).pathname, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
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
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`../fixtures/${fixture}.ts`, import.meta.url).pathname, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}
