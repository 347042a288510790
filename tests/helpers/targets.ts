/**
 * Where a test's pipeline loads to: a local folder (in either layout) or a bucket of the moto S3
 * server, with what a child process needs to reach it.
 */
import * as dlt from "../../mod.ts";
import { MOTO_CREDENTIALS, type MotoServer } from "./moto.ts";

/** A destination for tests, in this process and in children. */
export interface Target {
  /** For test names. */
  label: string;
  /** The destination's bucket URL. */
  bucketUrl: string;
  /** The layout asked for a new dataset. */
  layout?: dlt.DatasetLayout;
  /** Environment a child process needs (the S3 credentials and endpoint). */
  env: Record<string, string>;
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
