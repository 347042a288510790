/**
 * Where pipeline working dirs go when neither the options nor the configuration say.
 *
 * @module
 */
import { join } from "node:path";
import { tmpdir } from "node:os";
import { MissingPermissionError } from "../errors.ts";

/**
 * The pipelines dir when neither the options nor the configuration name one: `DLT_PIPELINES_DIR`,
 * else `~/.dlt/pipelines` (created), else a temp dir where there is no home or it cannot be
 * written (Deno Deploy). Without environment access it is a `MissingPermissionError` that says
 * to pass `pipelinesDir`.
 *
 * @example Where working dirs go by default
 * ```ts
 * import { defaultPipelinesDir } from "./pipelines_dir.ts";
 * console.log(defaultPipelinesDir().length > 0); // true
 * ```
 */
export function defaultPipelinesDir(): string {
  let home: string | undefined;
  let tempDir: string;
  try {
    const fromEnv = Deno.env.get("DLT_PIPELINES_DIR");
    if (fromEnv) return fromEnv;
    home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
    tempDir = tmpdir();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
    throw new MissingPermissionError("env", "DLT_PIPELINES_DIR,HOME,TMPDIR", {
      cause: error,
      instead: "or pass pipelinesDir to dlt.pipeline()",
    });
  }
  // A home that does not exist or cannot be written (containers, Deno Deploy): a temp dir.
  if (home) {
    const dir = join(home, ".dlt", "pipelines");
    try {
      Deno.mkdirSync(dir, { recursive: true });
      return dir;
    } catch (error) {
      if (
        !(error instanceof Deno.errors.NotCapable) && !(error instanceof Deno.errors.NotFound) &&
        !(error instanceof Deno.errors.PermissionDenied) &&
        (error as { code?: string }).code !== "EROFS"
      ) throw error;
    }
  }
  return join(tempDir, "dlt-pipelines");
}
