/**
 * Named points of the run protocol (`loads_row`, `table_file:numbers:0`, `local_state`, …) where
 * a fault hook, if one is installed, is called. The library never installs one and reads no
 * environment for it: only tests do, by importing this file directly (it is not reachable from
 * `mod.ts`), for example to kill their own process at a point exactly as a crash would.
 *
 * @module
 */

let hook: ((point: string) => void) | undefined;

/** Marks a point of the run protocol. */
export function faultPoint(point: string): void {
  hook?.(point);
}

/** Installs (or, with `undefined`, removes) the hook that every fault point calls. */
export function installFaultHook(fn: ((point: string) => void) | undefined): void {
  hook = fn;
}
