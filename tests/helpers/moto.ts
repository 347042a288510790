/**
 * moto's S3 server as the object store of the tests: a real S3 implementation (conditional
 * writes, multipart uploads, listing) on 127.0.0.1, from the pinned `moto[server]` that
 * `tests/setup/moto.sh` installs into `.venv/moto`.
 *
 * Each test file that calls {@linkcode useMoto} starts a server of its own in `beforeAll` and
 * stops it (by its pid) in `afterAll`: files run in parallel under `deno test --parallel`, and a
 * server per file needs no coordination between them. The server binds a free port itself, and
 * also ends when its stdin closes, so it cannot outlive a test process that was killed.
 */
import { join } from "node:path";

/** Credentials moto accepts (it checks no signature). */
export const MOTO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing-secret" };

const ROOT = new URL("../../", import.meta.url).pathname;
const PYTHON = join(ROOT, ".venv/moto/bin/python");
const MOTO_SERVER = join(ROOT, ".venv/moto/bin/moto_server");
const SCRIPT = new URL("./moto_server.py", import.meta.url).pathname;

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`. */
  endpointUrl: string;
  /** The server process's pid. */
  pid: number;
  /** Creates a bucket (a fresh name unless given) and returns its name. */
  createBucket(name?: string): Promise<string>;
  /** The multipart uploads of `bucket` that were neither completed nor aborted. */
  pendingUploads(bucket: string): Promise<{ key: string; uploadId: string; parts: number }[]>;
  /** Stops the server by its pid and waits for it to exit. */
  stop(): Promise<void>;
}

async function venvMissing(): Promise<boolean> {
  try {
    await Deno.stat(MOTO_SERVER);
    return false;
  } catch {
    return true;
  }
}

/** Starts a moto server and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  if (await venvMissing()) {
    throw new Error(
      `Run "bash tests/setup/moto.sh" (deno task test runs it) to install moto[server] into .venv/moto: ${MOTO_SERVER} does not exist, so the S3 tests cannot run`,
    );
  }
  const log = await Deno.makeTempFile({ prefix: "moto_", suffix: ".log" });
  const child = new Deno.Command(PYTHON, {
    args: [SCRIPT, log],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stopChild = async () => {
    await stdin.close().catch(() => {});
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await lines.cancel().catch(() => {});
    await child.status;
  };
  let port: number;
  try {
    let text = "";
    const deadline = setTimeout(() => lines.cancel(), 60_000);
    try {
      while (!text.includes("\n")) {
        const { done, value } = await lines.read();
        if (done) break;
        text += value;
      }
    } finally {
      clearTimeout(deadline);
    }
    port = Number(text.trim());
    if (!Number.isInteger(port) || port <= 0) {
      throw new Error(
        `moto did not start (printed ${JSON.stringify(text)}); its log:\n${await Deno.readTextFile(
          log,
        )}`,
      );
    }
  } catch (error) {
    await stopChild();
    await Deno.remove(log).catch(() => {});
    throw error;
  }
  const endpointUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpointUrl);
  } catch (error) {
    await stopChild();
    await Deno.remove(log).catch(() => {});
    throw error;
  }
  return {
    endpointUrl,
    pid: child.pid,
    async createBucket(name = `b-${crypto.randomUUID().slice(0, 12)}`) {
      const response = await fetch(`${endpointUrl}/${name}`, { method: "PUT" });
      await response.body?.cancel();
      if (!response.ok) {
        throw new Error(`moto refused to create bucket ${name}: ${response.status}`);
      }
      return name;
    },
    async pendingUploads(bucket: string) {
      const xml = await motoXml(`${endpointUrl}/${bucket}?uploads`);
      const uploads = [];
      for (const [upload] of xml.matchAll(/<Upload>[\s\S]*?<\/Upload>/g)) {
        const key = /<Key>([^<]*)<\/Key>/.exec(upload)?.[1] ?? "";
        const uploadId = /<UploadId>([^<]*)<\/UploadId>/.exec(upload)?.[1] ?? "";
        const parts = await motoXml(
          `${endpointUrl}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}?uploadId=${
            encodeURIComponent(uploadId)
          }`,
        );
        uploads.push({ key, uploadId, parts: parts.match(/<Part>/g)?.length ?? 0 });
      }
      return uploads;
    },
    async stop() {
      await stopChild();
      await Deno.remove(log).catch(() => {});
    },
  };
}

async function motoXml(url: string): Promise<string> {
  const response = await fetch(url);
  const xml = await response.text();
  if (!response.ok) throw new Error(`moto answered ${url} with ${response.status}: ${xml}`);
  return xml;
}

async function waitUntilAnswering(endpointUrl: string): Promise<void> {
  const started = Date.now();
  while (true) {
    try {
      const response = await fetch(`${endpointUrl}/moto-api/`);
      await response.body?.cancel();
      if (response.ok) return;
    } catch (error) {
      if (Date.now() - started > 30_000) {
        throw new Error(`moto at ${endpointUrl} did not answer within 30 s`, { cause: error });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts one moto server for the calling test file (in `Deno.test.beforeAll`) and stops it in
 * `afterAll`; returns a getter of the server, for use inside the tests.
 */
export function useMoto(): () => MotoServer {
  let server: MotoServer | undefined;
  Deno.test.beforeAll(async () => {
    server = await startMoto();
  });
  Deno.test.afterAll(async () => {
    await server?.stop();
    server = undefined;
  });
  return () => {
    if (server === undefined) throw new Error("The moto server has not started (see beforeAll)");
    return server;
  };
}
