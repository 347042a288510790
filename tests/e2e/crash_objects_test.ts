/**
 * The crash matrix on object storage (moto's S3 server): `tests/helpers/crash_matrix.ts` with a
 * fresh bucket for each test. The same matrix runs on Deno KV in `tests/kv/crash_kv_test.ts`.
 */
import { useMoto } from "../helpers/moto.ts";
import { s3Target } from "../helpers/targets.ts";
import { registerCrashMatrix } from "../helpers/crash_matrix.ts";

const moto = useMoto();

registerCrashMatrix({
  label: "S3",
  target: async () => ({ target: await s3Target(moto()) }),
  test: Deno.test,
});
