/**
 * Errors of incremental cursors.
 *
 * @module
 */
import { DltError } from "./dlt_error.ts";

/**
 * The base class of the incremental errors: names the resource and the cursor path.
 *
 * @example Catching any incremental failure
 * ```ts
 * import { IncrementalCursorPathMissing, IncrementalError } from "../errors.ts";
 * const error: unknown = new IncrementalCursorPathMissing("issues", "updated_at", {});
 * if (error instanceof IncrementalError) console.log(error.resourceName); // issues
 * ```
 */
export abstract class IncrementalError extends DltError {
  /** The resource whose incremental failed. */
  readonly resourceName: string;
  /** The cursor path of the incremental. */
  readonly cursorPath: string;
  /** Creates the error. */
  constructor(resourceName: string, cursorPath: string, message: string) {
    super(message);
    this.resourceName = resourceName;
    this.cursorPath = cursorPath;
  }
}

/** Shortens a row for an error message. */
function preview(item: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(item) ?? String(item);
  } catch {
    text = String(item);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * A row has no value at the incremental's cursor path.
 *
 * @example The cursor path a row lacks
 * ```ts
 * import { IncrementalCursorPathMissing } from "../errors.ts";
 * console.log(new IncrementalCursorPathMissing("issues", "updated_at", {}).cursorPath); // updated_at
 * ```
 */
export class IncrementalCursorPathMissing extends IncrementalError {
  /** Creates the error for the row `item`. */
  constructor(resourceName: string, cursorPath: string, item: unknown) {
    super(
      resourceName,
      cursorPath,
      `Add "${cursorPath}" to every row of resource "${resourceName}" or set onCursorValueMissing to "include" or "exclude": the path is missing in ${
        preview(item)
      }`,
    );
  }
}

/**
 * A row's value at the cursor path is `null` or `undefined`.
 *
 * @example The resource whose row has a null cursor
 * ```ts
 * import { IncrementalCursorPathHasValueNone } from "../errors.ts";
 * const error = new IncrementalCursorPathHasValueNone("issues", "updated_at", { updated_at: null });
 * console.log(error.resourceName); // issues
 * ```
 */
export class IncrementalCursorPathHasValueNone extends IncrementalError {
  /** Creates the error for the row `item`. */
  constructor(resourceName: string, cursorPath: string, item: unknown) {
    super(
      resourceName,
      cursorPath,
      `Give every row of resource "${resourceName}" a value at "${cursorPath}" or set onCursorValueMissing to "include" or "exclude": it is null in ${
        preview(item)
      }`,
    );
  }
}

/**
 * A cursor value cannot be compared with the current bound (mixed types, zoned and unzoned
 * timestamps).
 *
 * @example The cursor value that does not compare
 * ```ts
 * import { IncrementalCursorInvalidCoercion } from "../errors.ts";
 * const error = new IncrementalCursorInvalidCoercion("r", "id", "a", 1, "mixed types");
 * console.log(error.cursorValue); // a
 * ```
 */
export class IncrementalCursorInvalidCoercion extends IncrementalError {
  /** The row's cursor value. */
  readonly cursorValue: unknown;
  /** The bound it was compared with. */
  readonly bound: unknown;
  /** Creates the error; `details` says why the values do not compare. */
  constructor(
    resourceName: string,
    cursorPath: string,
    cursorValue: unknown,
    bound: unknown,
    details: string,
  ) {
    super(
      resourceName,
      cursorPath,
      `Make the values at "${cursorPath}" of resource "${resourceName}" one comparable type: ${
        preview(cursorValue)
      } cannot be compared with ${preview(bound)} (${details})`,
    );
    this.cursorValue = cursorValue;
    this.bound = bound;
  }
}

/**
 * A row lacks a column of the incremental's primary key (used for boundary deduplication).
 *
 * @example The primary key column a row lacks
 * ```ts
 * import { IncrementalPrimaryKeyMissing } from "../errors.ts";
 * console.log(new IncrementalPrimaryKeyMissing("r", "ts", "id", {}).column); // id
 * ```
 */
export class IncrementalPrimaryKeyMissing extends IncrementalError {
  /** The missing key column. */
  readonly column: string;
  /** Creates the error for the row `item`. */
  constructor(resourceName: string, cursorPath: string, column: string, item: unknown) {
    super(
      resourceName,
      cursorPath,
      `Add primary key column "${column}" to every row of resource "${resourceName}" or set the incremental's primaryKey: it is missing in ${
        preview(item)
      }`,
    );
    this.column = column;
  }
}
