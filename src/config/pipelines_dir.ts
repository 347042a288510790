/**
 * Where pipeline working dirs go when neither the options nor the configuration say.
 *
 * @module
 */
import { join } from "node:path";
import { tmpdir } from "node:os";

/**
 * The pipelines dir when neither the options nor the configuration name one: `~/.dlt/pipelines`,
 * else a temp dir where there is no home (or it cannot be read).
 *
 * @example Where working dirs go by default
 * ```ts
 * import { defaultPipelinesDir } from "./pipelines_dir.ts";
 * console.log(defaultPipelinesDir().length > 0); // true
 * ```
 */
export function defaultPipelinesDir(): string {
  try {
    const fromEnv = Deno.env.get("DLT_PIPELINES_DIR");
    if (fromEnv) return fromEnv;
    const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
    // A home that does not exist or cannot be read (containers, Deno Deploy): a temp dir.
    if (home && Deno.statSync(home).isDirectory) return join(home, ".dlt", "pipelines");
  } catch (error) {
    if (
      !(error instanceof Deno.errors.NotCapable) && !(error instanceof Deno.errors.NotFound) &&
      !(error instanceof Deno.errors.PermissionDenied)
    ) throw error;
  }
  return join(tmpdir(), "dlt-pipelines");
}
