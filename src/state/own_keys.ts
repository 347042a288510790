/**
 * Maps keyed by a user's names (sources, resources, tables, columns, cursor paths) are plain
 * objects, so names that are properties of `Object.prototype` (`constructor`, `toString`,
 * `__proto__`) must be read and written as own properties only: an inherited `toString` is not a
 * source's state, and `map["__proto__"] = value` would replace the map's prototype.
 *
 * @module
 */

/**
 * The own value of `key` in `map`, or `undefined` (never an inherited property).
 *
 * @example Inherited properties are not values
 * ```ts
 * import { ownValue } from "./own_keys.ts";
 * console.log(ownValue({ a: 1 }, "a"), ownValue({}, "toString")); // 1 undefined
 * ```
 */
export function ownValue<T>(
  map: Readonly<Record<string, T>> | undefined,
  key: string,
): T | undefined {
  return map !== undefined && map !== null && Object.hasOwn(map, key) ? map[key] : undefined;
}

/**
 * Sets `key` of `map` to `value` as an own, enumerable property (also for `"__proto__"`) and
 * returns `value`.
 *
 * @example A key named __proto__ is a key like any other
 * ```ts
 * import { setOwn } from "./own_keys.ts";
 * const map: Record<string, number> = {};
 * setOwn(map, "__proto__", 1);
 * console.log(Object.keys(map), Object.getPrototypeOf(map) === Object.prototype); // [ "__proto__" ] true
 * ```
 */
export function setOwn<T>(map: Record<string, T>, key: string, value: T): T {
  if (key === "__proto__") {
    Object.defineProperty(map, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    map[key] = value;
  }
  return value;
}

/**
 * The own object at `key` of `map`, created (empty) when there is none.
 *
 * @example A resource named constructor gets a state of its own
 * ```ts
 * import { ownChild } from "./own_keys.ts";
 * const resources: Record<string, Record<string, unknown>> = {};
 * ownChild(resources, "constructor").n = 1;
 * console.log(resources.constructor, ({} as Record<string, unknown>).n); // { n: 1 } undefined
 * ```
 */
export function ownChild<T extends object = Record<string, unknown>>(
  map: Record<string, T>,
  key: string,
): T {
  return ownValue(map, key) ?? setOwn(map, key, {} as T);
}
