/**
 * Cursor values in messages.
 *
 * @module
 */

/** A cursor value as a message shows it: Dates as ISO strings, BigInts with `n`, else JSON. */
export function show(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return `${value}n`;
  return JSON.stringify(value) ?? String(value);
}
