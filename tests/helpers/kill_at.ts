/**
 * Fault injection for crash tests, installed by the fixture scripts that run pipelines in child
 * processes: when `DLT_TEST_KILL_AT` names a point of the run protocol (optionally with `@N` for
 * the N-th time it is reached), the process kills itself with SIGKILL there.
 */
import { installFaultHook } from "../../src/pipeline/_faults.ts";

/** Installs the kill hook when `DLT_TEST_KILL_AT` is set; does nothing otherwise. */
export function installKillAtFromEnv(): void {
  const spec = Deno.env.get("DLT_TEST_KILL_AT");
  if (!spec) return;
  const at = spec.lastIndexOf("@");
  const target = at === -1 ? spec : spec.slice(0, at);
  const wanted = at === -1 ? 1 : Number(spec.slice(at + 1));
  let seen = 0;
  installFaultHook((point) => {
    if (point !== target && !point.startsWith(`${target}:`)) return;
    if (++seen === wanted) Deno.kill(Deno.pid, "SIGKILL");
  });
}
