/**
 * The pipeline lock: an exclusive OS file lock on `<workingDir>/.lock`, held for a whole run.
 * The OS frees it when the process dies, so a killed run never leaves a stale lock. The holder
 * writes its pid into the file so that the error can name it.
 *
 * @module
 */
import { join } from "node:path";
import { PipelineLockedError } from "../errors.ts";

/**
 * How to wait for the lock: not at all (fail fast), until free, or up to `timeoutMs`.
 *
 * @example Waiting up to five seconds for another run
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "items",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const wait: dlt.LockWait = { timeoutMs: 5_000 };
 * const info = await p.run([{ id: 1 }], { tableName: "items", wait });
 * console.log(info.rowCounts); // { items: 1 }
 * ```
 */
export type LockWait = boolean | { timeoutMs: number };

/** A held pipeline lock; release it with `release()` or `using`. */
export class PipelineLock implements Disposable {
  readonly #file: Deno.FsFile;
  #released = false;

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Takes the lock of `workingDir` for `pipelineName`. Throws {@linkcode PipelineLockedError} when
   * another run holds it and `wait` is false, or when `wait.timeoutMs` passes.
   */
  static async acquire(
    workingDir: string,
    pipelineName: string,
    wait: LockWait = false,
  ): Promise<PipelineLock> {
    await Deno.mkdir(workingDir, { recursive: true });
    const path = join(workingDir, ".lock");
    const file = await Deno.open(path, { read: true, write: true, create: true });
    try {
      const deadline = wait === true
        ? Infinity
        : wait === false
        ? 0
        : Date.now() + Math.max(0, wait.timeoutMs);
      let delay = 10;
      while (!(await file.tryLock(true))) {
        if (Date.now() >= deadline) {
          throw new PipelineLockedError(pipelineName, await readPid(path));
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 200);
      }
      await file.truncate(0);
      await file.seek(0, Deno.SeekMode.Start);
      await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    } catch (error) {
      file.close();
      throw error;
    }
    return new PipelineLock(file);
  }

  /** Frees the lock. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    try {
      this.#file.unlockSync();
    } finally {
      this.#file.close();
    }
  }

  /** Same as {@linkcode PipelineLock.release}. */
  [Symbol.dispose](): void {
    this.release();
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await Deno.readTextFile(path), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
