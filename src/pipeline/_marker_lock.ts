/**
 * The pipeline lock where the runtime has no non-blocking OS file lock (`FsFile.tryLock` is newer
 * than Deno 2.5.0, what Deno Deploy runs): a marker file created exclusively (`createNew`) that
 * names its holder, kept fresh by a heartbeat while it is held. A marker is stale, and taken over,
 * when its holder is gone: at once where `/proc` tells (Linux, Deno Deploy), else once its
 * heartbeat is older than {@linkcode STALE_AFTER_MS}.
 *
 * @module
 */
import { join } from "node:path";

/** A marker whose heartbeat is older than this belongs to a run that died. */
export const STALE_AFTER_MS = 10_000;
const HEARTBEAT_MS = 2_000;

interface Holder {
  pid: number;
  /** The holder's start time in clock ticks since boot (`/proc/<pid>/stat` field 22). */
  start?: string;
}

/** A held marker lock. */
export interface MarkerLock {
  /** Removes the marker (only if it is still this process's). */
  release(): void;
}

function procStart(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** `true`/`false` when `/proc` says whether process `pid` runs, `undefined` when it cannot tell. */
export function processAlive(pid: number): boolean | undefined {
  return holderAlive({ pid });
}

/** `true`/`false` when `/proc` says whether the holder still runs, `undefined` when it cannot. */
function holderAlive(holder: Holder): boolean | undefined {
  try {
    Deno.statSync("/proc/self/stat");
  } catch {
    return undefined;
  }
  const start = procStart(holder.pid);
  return start !== undefined && (holder.start === undefined || start === holder.start);
}

function readHolder(path: string): { holder?: Holder; ageMs: number } | undefined {
  try {
    const text = Deno.readTextFileSync(path);
    const ageMs = Date.now() - (Deno.statSync(path).mtime?.getTime() ?? 0);
    const [pid, start] = text.trim().split(" ");
    const holder = Number.isInteger(Number(pid)) && pid !== ""
      ? { pid: Number(pid), start }
      : undefined;
    return { holder, ageMs };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Tries once to take the marker lock of `workingDir`. Returns the lock, or the pid of the live
 * holder (`undefined` when it cannot be read).
 */
export function tryMarkerLock(workingDir: string): MarkerLock | { heldBy: number | undefined } {
  const path = join(workingDir, ".lock.pid");
  const me = `${Deno.pid} ${procStart(Deno.pid) ?? ""}`.trim();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const file = Deno.openSync(path, { write: true, createNew: true });
      try {
        file.writeSync(new TextEncoder().encode(`${me}\n`));
      } finally {
        file.close();
      }
      return hold(path, me);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    const seen = readHolder(path);
    if (!seen) continue; // released in between: try again
    const alive = seen.holder ? holderAlive(seen.holder) : undefined;
    // The heartbeat decides only where /proc cannot tell: a live holder busy on the CPU may be
    // late to beat, and must keep its lock.
    const stale = alive === false || (alive === undefined && seen.ageMs > STALE_AFTER_MS);
    if (!stale) return { heldBy: seen.holder?.pid };
    takeOver(path, seen);
  }
  return { heldBy: readHolder(path)?.holder?.pid };
}

/** Removes a stale marker, one contender at a time, and only if it is still the stale one. */
function takeOver(path: string, seen: { holder?: Holder }): void {
  const guard = `${path}.takeover`;
  try {
    Deno.openSync(guard, { write: true, createNew: true }).close();
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    // Another contender is taking over; a guard left by one that died is cleared after a while.
    try {
      const age = Date.now() - (Deno.statSync(guard).mtime?.getTime() ?? 0);
      if (age > STALE_AFTER_MS) Deno.removeSync(guard);
    } catch { /* the other contender finished meanwhile */ }
    return;
  }
  try {
    const now = readHolder(path);
    if (now && now.holder?.pid === seen.holder?.pid && now.holder?.start === seen.holder?.start) {
      Deno.removeSync(path);
    }
  } finally {
    Deno.removeSync(guard);
  }
}

function hold(path: string, me: string): MarkerLock {
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      Deno.utimeSync(path, now, now);
    } catch { /* released or taken over; nothing to keep fresh */ }
  }, HEARTBEAT_MS);
  Deno.unrefTimer(heartbeat);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      try {
        if (Deno.readTextFileSync(path).trim() === me) Deno.removeSync(path);
      } catch { /* already gone */ }
    },
  };
}
