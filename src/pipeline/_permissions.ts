/**
 * Turns Deno's permission failures into {@linkcode MissingPermissionError}s that say which flag
 * to grant.
 *
 * @module
 */
import { DiskFullError, MissingPermissionError } from "../errors.ts";

/**
 * `error` as a {@linkcode MissingPermissionError} when it is a permission failure (naming the
 * permission and path Deno asked for, else `permission` on `target`), a `DiskFullError` for a
 * full disk, else itself.
 */
export function explainPermission(error: unknown, permission: string, target: string): unknown {
  if (error instanceof Deno.errors.NotCapable) {
    // "Requires read access to "/path", run again with the --allow-read flag"
    const asked = /Requires (\w+) access to "([^"]*)"/.exec(error.message);
    return new MissingPermissionError(asked?.[1] ?? permission, asked?.[2] ?? target, {
      cause: error,
    });
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new MissingPermissionError(`${permission} (file system)`, target, { cause: error });
  }
  if ((error as { code?: string })?.code === "ENOSPC") {
    return new DiskFullError(target, { cause: error });
  }
  return error;
}
