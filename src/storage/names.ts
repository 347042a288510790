/**
 * Validation of every user-supplied name that becomes part of a path (pipeline, dataset, table),
 * so that no name can point outside the pipelines dir or the bucket.
 *
 * @module
 */
import { InvalidNameError } from "../errors.ts";

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** What a name is for; decides the error message and the reserved prefixes. */
export type NameKind = "pipeline" | "dataset" | "table" | "source";

/**
 * Returns `name` if it is a safe path segment: 1-64 characters of `A-Z a-z 0-9 _ -`, not starting
 * with `-`, not a Windows device name, and (for user tables) not starting with `_dlt`.
 * Throws {@linkcode InvalidNameError} otherwise.
 */
export function validateName(kind: NameKind, name: unknown): string {
  if (typeof name !== "string" || !SAFE_NAME.test(name)) {
    throw new InvalidNameError(kind, String(name));
  }
  if (WINDOWS_RESERVED.test(name)) {
    throw new InvalidNameError(
      kind,
      name,
      "it is a reserved device name on Windows",
    );
  }
  if (kind === "table" && name.toLowerCase().startsWith("_dlt")) {
    throw new InvalidNameError(
      kind,
      name,
      "names starting with _dlt are reserved for the library's own tables",
    );
  }
  return name;
}
