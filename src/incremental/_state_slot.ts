/**
 * The state slot of one incremental: `resources.<resource>.incremental.<cursorPath>` =
 * `{ initial_value, last_value, unique_hashes, start_value }`, created as dlt creates it.
 *
 * @module
 */
import { temporalApi } from "../state/temporal.ts";
import { ownValue, setOwn } from "../state/own_keys.ts";

/** The slot object, kept in the resource state (or a throwaway one during a backfill). */
export type Slot = Record<string, unknown>;

/** Python's `None` is `null` in the state slot and `undefined` in read-outs. */
export function fromState(value: unknown): unknown {
  return value === null ? undefined : value;
}

/**
 * The slot form of a cursor value: `undefined` is stored as `null`, and a
 * `Temporal.ZonedDateTime` as its `Temporal.Instant`. State refuses zoned values (their zone
 * does not survive typed JSON); a cursor only needs the moment, which compares the same.
 */
export function toState(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "object" && value !== null) {
    const temporal = temporalApi();
    if (temporal !== undefined && value instanceof temporal.ZonedDateTime) return value.toInstant();
  }
  return value;
}

/**
 * Returns the slot of `cursorPath` in `resourceState`, creating it (and `incremental`) as dlt
 * does when missing or empty. A backfill works on a fresh throwaway slot and never touches the
 * resource state.
 */
export function openSlot(
  resourceState: Record<string, unknown>,
  cursorPath: string,
  initialValue: unknown,
  backfill: boolean,
): Slot {
  const initial = toState(initialValue);
  const fresh = () => ({
    initial_value: initial,
    last_value: initial,
    unique_hashes: [],
    start_value: initial,
  });
  if (backfill) return fresh();
  let all = resourceState.incremental as Record<string, unknown> | undefined;
  if (all === null || typeof all !== "object" || Array.isArray(all)) {
    all = resourceState.incremental = {};
  }
  // A cursor path named like a property of Object.prototype ("constructor") is a key like any other.
  let slot = ownValue(all, cursorPath) as Slot | undefined;
  if (slot === null || typeof slot !== "object" || Array.isArray(slot)) {
    slot = setOwn(all, cursorPath, {}) as Slot;
  }
  if (Object.keys(slot).length === 0) Object.assign(slot, fresh());
  return slot;
}
