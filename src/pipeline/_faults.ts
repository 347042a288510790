/**
 * Fault injection for crash tests: inert unless the environment variable `DLT_TEST_KILL_AT`
 * names a point of the run protocol (e.g. `loads_row`, `table_file:numbers:0`, optionally with
 * `@N` for the N-th time the point is reached). The process then kills itself with SIGKILL at
 * that point, exactly as a crash would stop it.
 */
let target: string | undefined;
let wanted = 1;
try {
  const spec = Deno.env.get("DLT_TEST_KILL_AT");
  if (spec) {
    const at = spec.lastIndexOf("@");
    target = at === -1 ? spec : spec.slice(0, at);
    wanted = at === -1 ? 1 : Number(spec.slice(at + 1));
  }
} catch {
  // No env permission: no fault injection.
}
let seen = 0;

/** Marks a point of the run protocol; kills the process there when a test asked for it. */
export function faultPoint(point: string): void {
  if (target === undefined || (point !== target && !point.startsWith(`${target}:`))) return;
  seen++;
  if (seen === wanted) Deno.kill(Deno.pid, "SIGKILL");
}
