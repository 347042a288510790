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

/**
 * Reads `child`'s stdout until it has printed `marker`, sends it `signal`, and reads the rest.
 * Returns everything it printed and when the signal was sent (`performance.now()`); throws when
 * the child ends before printing the marker.
 */
export async function signalAfter(
  child: Deno.ChildProcess,
  marker: string,
  signal: Deno.Signal,
): Promise<{ out: string; sentAt: number }> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) {
      throw new Error(`the child ended before it printed ${JSON.stringify(marker)}:\n${out}`);
    }
    out += value;
  }
  const sentAt = performance.now();
  child.kill(signal);
  while (true) {
    const { value, done } = await reader.read();
    if (done) return { out, sentAt };
    out += value;
  }
}

/**
 * Starts `attempts` children one after the other (`start(attempt)`), each SIGKILLed after a
 * random `minMs` … `minMs + spanMs`; a child that ended first must have succeeded. Returns how
 * many were killed mid-way.
 */
export async function killAtRandomTimes(
  attempts: number,
  start: (attempt: number) => Deno.ChildProcess,
  minMs: number,
  spanMs: number,
): Promise<number> {
  let kills = 0;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const child = start(attempt);
    await new Promise((resolve) => setTimeout(resolve, minMs + Math.random() * spanMs));
    try {
      child.kill("SIGKILL");
    } catch { /* already done */ }
    const result = await child.output();
    if (result.signal === "SIGKILL") kills++;
    else if (result.code !== 0) {
      throw new Error(`run ${attempt} failed:\n${new TextDecoder().decode(result.stdout)}`);
    }
  }
  return kills;
}
