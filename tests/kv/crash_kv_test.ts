/**
 * The crash matrix on Deno KV (a local database file shared by the test and its children, as a
 * Deploy app's database is by its instances): `tests/helpers/crash_matrix.ts`.
 */
import { kvTest, TempKv } from "../helpers/kv.ts";
import { kvTarget } from "../helpers/targets.ts";
import { registerCrashMatrix } from "../helpers/crash_matrix.ts";

registerCrashMatrix({
  label: "Deno KV",
  target: async () => {
    const temp = await TempKv.create();
    return { target: kvTarget(temp), dispose: () => temp[Symbol.asyncDispose]() };
  },
  test: kvTest,
});
