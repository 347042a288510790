/**
 * The pipeline lock: an exclusive OS file lock on `<workingDir>/.lock`, held for a whole run.
 * The OS frees it when the process dies, so a killed run never leaves a stale lock. The holder
 * writes its pid into the file so that the error can name it.
 *
 * @module
 */
import { join } from "node:path";
import { MissingPermissionError, PipelineLockedError, PipelineStepFailed } from "../errors.ts";
import type { PipelineEnv } from "./_env.ts";
import type { LockWait } from "./options.ts";

export type { LockWait } from "./options.ts";
import { explainPermission } from "./_permissions.ts";
import { type MarkerLock, processAlive, tryMarkerLock } from "./_marker_lock.ts";

/** The OS lock is used where the runtime can try it without blocking (Deno 2.6 and later). */
const HAS_TRY_LOCK = typeof (Deno.FsFile.prototype as { tryLock?: unknown }).tryLock ===
  "function";

/** A held pipeline lock; release it with `release()` or `using`. */
export class PipelineLock implements Disposable {
  readonly #file: Deno.FsFile | undefined;
  readonly #marker: MarkerLock | undefined;
  #released = false;

  private constructor(file: Deno.FsFile | undefined, marker?: MarkerLock) {
    this.#file = file;
    this.#marker = marker;
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
    const deadline = wait === true
      ? Infinity
      : wait === false
      ? 0
      : Date.now() + Math.max(0, wait.timeoutMs);
    if (!HAS_TRY_LOCK) {
      for (let delay = 10;; delay = Math.min(delay * 2, 200)) {
        const attempt = tryMarkerLock(workingDir);
        if (!("heldBy" in attempt)) return new PipelineLock(undefined, attempt);
        if (Date.now() >= deadline) throw new PipelineLockedError(pipelineName, attempt.heldBy);
        await sleep(delay);
      }
    }
    const path = join(workingDir, ".lock");
    const file = await Deno.open(path, { read: true, write: true, create: true });
    try {
      let delay = 10;
      // deno-lint-ignore no-explicit-any
      while (!(await (file as any).tryLock(true))) {
        if (Date.now() >= deadline) {
          throw new PipelineLockedError(pipelineName, await holderPid(path));
        }
        await sleep(delay);
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
    this.#marker?.release();
    if (!this.#file) return;
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The pid of the lock's holder. The holder writes it just after taking the lock, so a run that
 * starts at the same moment may read an empty file or the pid of a run that died before: read
 * again for a moment until the pid is of a live process (where `/proc` can tell).
 */
async function holderPid(path: string): Promise<number | undefined> {
  let pid: number | undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    pid = await readPid(path);
    if (pid !== undefined && processAlive(pid) !== false) return pid;
    await sleep(10);
  }
  return pid !== undefined && processAlive(pid) === false ? undefined : pid;
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await Deno.readTextFile(path), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Step 1 and 7 of the run protocol: takes the pipeline lock, runs `fn`, releases the lock. A
 * failure to take it is a {@linkcode PipelineLockedError}, a `MissingPermissionError`, or a
 * failure of step `"sync"`.
 */
export async function withPipelineLock<T>(
  env: PipelineEnv,
  wait: LockWait | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  let lock: PipelineLock;
  try {
    lock = await PipelineLock.acquire(env.workingDir, env.pipelineName, wait ?? false);
  } catch (error) {
    if (error instanceof PipelineLockedError) throw error;
    const cause = explainPermission(error, "write", env.pipelinesDir);
    if (cause instanceof MissingPermissionError) throw cause;
    throw new PipelineStepFailed("sync", undefined, cause);
  }
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
