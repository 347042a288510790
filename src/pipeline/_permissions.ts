/**
 * Turns Deno's permission failures into {@linkcode MissingPermissionError}s that say which flag
 * to grant.
 *
 * @module
 */
import { MissingPermissionError } from "../errors.ts";

/** `error` as a {@linkcode MissingPermissionError} when it is a permission failure, else itself. */
export function explainPermission(error: unknown, permission: string, target: string): unknown {
  if (error instanceof Deno.errors.NotCapable) {
    return new MissingPermissionError(permission, target, { cause: error });
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new MissingPermissionError(`${permission} (file system)`, target, { cause: error });
  }
  return error;
}
