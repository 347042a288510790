/**
 * Crash-safe file replacement: write a temp file in the same folder, fsync it, rename it over
 * the target, fsync the folder. A reader sees the old file or the new one, never a part.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/** Flushes a folder's entries (renames, creations) to disk. */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    using handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch (error) {
    // Some platforms cannot open folders for fsync; the rename is still atomic there.
    if (
      !(error instanceof Deno.errors.PermissionDenied) &&
      !(error instanceof Deno.errors.IsADirectory)
    ) {
      throw error;
    }
  }
}

/** Replaces `path` with `data` atomically and durably, creating its folder when needed. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | ReadableStream<Uint8Array>,
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    const file = await Deno.open(temp, { write: true, createNew: true });
    try {
      if (data instanceof Uint8Array) {
        let written = 0;
        while (written < data.length) written += await file.write(data.subarray(written));
      } else {
        for await (const chunk of data) {
          let written = 0;
          while (written < chunk.length) written += await file.write(chunk.subarray(written));
        }
      }
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  await fsyncDir(dir);
}

/** Synchronous twin of {@linkcode writeFileAtomic}, for small files written from synchronous code. */
export function writeFileAtomicSync(path: string, data: Uint8Array): void {
  const dir = dirname(path);
  Deno.mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    const file = Deno.openSync(temp, { write: true, createNew: true });
    try {
      let written = 0;
      while (written < data.length) written += file.writeSync(data.subarray(written));
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.renameSync(temp, path);
  } catch (error) {
    try {
      Deno.removeSync(temp);
    } catch { /* already gone */ }
    throw error;
  }
  using handle = Deno.openSync(dir, { read: true });
  handle.syncSync();
}
