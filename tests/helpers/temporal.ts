/**
 * Running code as on Deno 2.5, which has no `Temporal` global: the library looks the global up on
 * every use (src/state/temporal.ts), so hiding it exercises the paths Deno Deploy takes.
 */

/** True where this runtime has `Temporal` (tests of Temporal values are ignored elsewhere). */
export const hasTemporal: boolean = typeof (globalThis as { Temporal?: unknown }).Temporal ===
  "object";

/** Runs `fn` with the `Temporal` global removed, and puts it back afterwards. */
export async function withoutTemporal<R>(fn: () => R | Promise<R>): Promise<R> {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "Temporal");
  if (descriptor !== undefined) Reflect.deleteProperty(globalThis, "Temporal");
  try {
    return await fn();
  } finally {
    if (descriptor !== undefined) Object.defineProperty(globalThis, "Temporal", descriptor);
  }
}
