/** Shared setup for config tests: a temp dir with a `.dlt/` folder holding the given files. */
import { join } from "node:path";

/** A temp dir whose `.dlt/` holds `files`; removed on dispose. */
export async function withDotDlt(
  files: Record<string, string>,
): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "dlt_config_" });
  if (Object.keys(files).length > 0) await Deno.mkdir(join(path, ".dlt"));
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(path, ".dlt", name), text);
  }
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}
