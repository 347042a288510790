/**
 * Exponential backoff with full jitter (AWS's recommendation): the n-th wait is uniform in
 * `[0, min(maxDelayMs, baseDelayMs * 2^(n-1)))`, so that many clients that failed together do
 * not come back together.
 *
 * @module
 */

/** How often and how patiently a request is retried. */
export interface BackoffPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** The cap of the first wait. */
  baseDelayMs: number;
  /** The cap of any wait. */
  maxDelayMs: number;
}

/** The wait before retry number `retry` (1 for the first retry). */
export function backoffDelay(policy: BackoffPolicy, retry: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.random() * cap;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
