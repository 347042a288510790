/**
 * Checks of the options users pass, at the moment they pass them: a wrong type is a
 * `ConfigurationError` naming the option and what it takes, never an error from deep inside.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";

/** How a value looks in a message: its JSON when short, else its type. */
export function shown(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined && json.length <= 60) return json;
  } catch { /* a cycle */ }
  return Array.isArray(value)
    ? "an array"
    : `a${typeof value === "object" ? "n" : ""} ${typeof value}`;
}

/** Throws unless every key of `options` is one of `known`. */
export function checkKnownKeys(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ConfigurationError(
        `Remove the unknown ${where} option "${key}": known options are ${known.join(", ")}`,
      );
    }
  }
}

/** Throws unless `value` is `undefined` or a non-empty string. */
export function checkString(value: unknown, option: string): void {
  if (value !== undefined && (typeof value !== "string" || value.length === 0)) {
    throw new ConfigurationError(`Set ${option} to a non-empty string: got ${shown(value)}`);
  }
}

/** Throws unless `value` is `undefined` or a boolean. */
export function checkBoolean(value: unknown, option: string): void {
  if (value !== undefined && typeof value !== "boolean") {
    throw new ConfigurationError(`Set ${option} to true or false: got ${shown(value)}`);
  }
}

/** Throws unless `value` is `undefined` or a number above 0 (or at least 0 with `zero`). */
export function checkPositive(value: unknown, option: string, zero = false): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!zero && value === 0)) {
    throw new ConfigurationError(
      `Set ${option} to a ${zero ? "" : "positive "}number${zero ? " (0 or more)" : ""}: got ${
        shown(value)
      }`,
    );
  }
}

/** Throws unless `value` is `undefined` or a plain object. */
export function checkObject(value: unknown, option: string, what: string): void {
  if (
    value !== undefined && (value === null || typeof value !== "object" || Array.isArray(value))
  ) {
    throw new ConfigurationError(`Set ${option} to ${what}: got ${shown(value)}`);
  }
}
