/**
 * Validation of every user-supplied name that becomes part of a path (pipeline, dataset, table),
 * so that no name can point outside the pipelines dir or the bucket.
 *
 * @module
 */
import { InvalidNameError } from "../errors.ts";

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
/** Dataset names may be longer: the default, `<pipelineName>_dataset`, is 72 for a 64-long name. */
const SAFE_DATASET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,126}$/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** What a name is for; decides the error message and the reserved prefixes. */
export type NameKind = "pipeline" | "dataset" | "table" | "source";

/**
 * Returns `name` if it is a safe path segment: 1-64 characters (a dataset: 1-127) of
 * `A-Z a-z 0-9 _ -`, not starting with `-`, not a Windows device name, and (for tables and
 * datasets) not starting with `_dlt`.
 * Throws {@linkcode InvalidNameError} otherwise.
 */
export function validateName(kind: NameKind, name: unknown): string {
  if (typeof name !== "string") {
    throw new InvalidNameError(kind, String(name), `it is a ${typeof name}, not a string`);
  }
  const dataset = kind === "dataset";
  if (!(dataset ? SAFE_DATASET_NAME : SAFE_NAME).test(name)) {
    throw new InvalidNameError(
      kind,
      name,
      `use 1-${dataset ? 127 : 64} characters of A-Z, a-z, 0-9, _ and -, not starting with -`,
    );
  }
  if (WINDOWS_RESERVED.test(name)) {
    throw new InvalidNameError(
      kind,
      name,
      "it is a reserved device name on Windows",
    );
  }
  if ((kind === "table" || dataset) && name.toLowerCase().startsWith("_dlt")) {
    throw new InvalidNameError(
      kind,
      name,
      "names starting with _dlt are reserved for the library's own tables",
    );
  }
  return name;
}
