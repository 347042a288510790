/**
 * Where a test's pipeline loads to: a local folder (in either layout), a bucket of the moto S3
 * server or a Deno KV database file, with what a child process needs to reach it.
 */
import * as dlt from "../../mod.ts";
import { kvDestination } from "../../kv.ts";
import { MOTO_CREDENTIALS, type MotoServer } from "./moto.ts";
import type { TempKv } from "./kv.ts";

/** A destination for tests, in this process and in children. */
export interface Target {
  /** For test names. */
  label: string;
  /** The destination's bucket URL. */
  bucketUrl: string;
  /** The layout asked for a new dataset. */
  layout?: dlt.DatasetLayout;
  /** Environment a child process needs (the S3 credentials and endpoint, the KV file). */
  env: Record<string, string>;
  /** Flags a child process needs besides `-A` (`--unstable-kv`). */
  denoFlags?: string[];
  /** A destination object for this process. */
  destination(): dlt.FilesystemDestination;
}

/** A local folder. */
export function localTarget(bucketDir: string, layout?: dlt.DatasetLayout): Target {
  return {
    label: layout === "dlt" ? "local folder, dlt layout" : "local folder",
    bucketUrl: bucketDir,
    layout,
    env: {},
    destination: () => dlt.destinations.filesystem({ bucketUrl: bucketDir, layout }),
  };
}

/** A fresh bucket of `moto` (under a prefix, as users often have one). */
export async function s3Target(moto: MotoServer): Promise<Target> {
  const bucketUrl = `s3://${await moto.createBucket()}/lake`;
  return {
    label: "S3 (moto)",
    bucketUrl,
    env: {
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: moto.endpointUrl,
      AWS_REGION: "us-east-1",
    },
    destination: () =>
      dlt.destinations.filesystem({
        bucketUrl,
        credentials: {
          awsAccessKeyId: MOTO_CREDENTIALS.accessKeyId,
          awsSecretAccessKey: MOTO_CREDENTIALS.secretAccessKey,
          endpointUrl: moto.endpointUrl,
          regionName: "us-east-1",
        },
      }),
  };
}

/**
 * A Deno KV database file (`tests/fixtures/run_pipeline.ts` opens `DLT_TEST_KV_PATH` for a
 * `kv://` bucket URL). Every `destination()` is a bucket object of its own, as on another
 * instance of a Deploy app.
 */
export function kvTarget(temp: TempKv): Target {
  return {
    label: "Deno KV (local file)",
    bucketUrl: "kv://dlt",
    env: { DLT_TEST_KV_PATH: temp.path },
    denoFlags: ["--unstable-kv"],
    destination: () => kvDestination(temp.kv),
  };
}
