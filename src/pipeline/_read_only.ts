/**
 * A deep read-only view of a state dictionary. Frozen objects would throw a bare `TypeError`
 * and would freeze the working copy itself; the view throws `StateReadOnlyError` naming the key
 * path and leaves the underlying state writable for resources.
 */
import { StateReadOnlyError } from "../errors.ts";

function childPath(path: string, key: string | symbol): string {
  const name = typeof key === "symbol" ? key.toString() : key;
  return path === "" ? name : `${path}.${name}`;
}

/** Returns a view of `target` in which every write, new key, nested write or delete throws. */
export function readOnlyView<T extends object>(target: T, path = ""): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (
        value !== null && typeof value === "object" &&
        (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)
      ) {
        return readOnlyView(value, childPath(path, key));
      }
      return value;
    },
    set(_object, key) {
      throw new StateReadOnlyError(childPath(path, key));
    },
    deleteProperty(_object, key) {
      throw new StateReadOnlyError(childPath(path, key));
    },
    defineProperty(_object, key) {
      throw new StateReadOnlyError(childPath(path, key));
    },
    setPrototypeOf() {
      throw new StateReadOnlyError(path || "(source state)");
    },
  });
}
