/**
 * The base class of every error the library throws on purpose.
 *
 * @module
 */

/**
 * The base class of every error this library throws on purpose.
 *
 * @example Telling library errors from others
 * ```ts
 * import { DltError, InvalidNameError } from "../errors.ts";
 * const error: unknown = new InvalidNameError("pipeline", "../x");
 * console.log(error instanceof DltError); // true
 * ```
 */
export class DltError extends Error {
  /** Creates the error; `options.cause` keeps the underlying error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
