/**
 * Retry policy for calls to Cloud Run: pure functions, so the rules are tested
 * by table and the loop in invoke.ts stays short.
 */

/** Statuses that mean "try again later" at Google's front end or a scaling service. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Options of the retry loop. */
export interface RetryOptions {
  /**
   * Also retry 403 (the principal is not an invoker yet): IAM changes take ~2
   * minutes, sometimes 7 or more. Only for smoke tests right after a grant.
   * @default false
   */
  retryForbidden?: boolean;
  /** Maximum attempts, first one included. @default 4, or unbounded-but-deadline-bound (10 000) with retryForbidden */
  maxAttempts?: number;
  /** Stop retrying once this much time has passed since the first attempt. @default 30 000 ms, 600 000 ms with retryForbidden */
  deadlineMs?: number;
  /** First backoff ceiling. @default 500 ms */
  baseDelayMs?: number;
  /** Largest backoff ceiling. @default 10 000 ms */
  maxDelayMs?: number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

/** Hard cap so even a long deadline is a bounded loop. */
const ATTEMPT_CAP = 10_000;

export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const retryForbidden = options.retryForbidden ?? false;
  return {
    retryForbidden,
    maxAttempts: Math.min(options.maxAttempts ?? (retryForbidden ? ATTEMPT_CAP : 4), ATTEMPT_CAP),
    deadlineMs: options.deadlineMs ?? (retryForbidden ? 600_000 : 30_000),
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 10_000,
  };
}

/** Whether a response status is worth another attempt. 401 never is: a bad token stays bad. */
export function isRetryableStatus(status: number, retryForbidden: boolean): boolean {
  if (TRANSIENT_STATUSES.has(status)) return true;
  return status === 403 && retryForbidden;
}

/**
 * "Full jitter" exponential backoff: uniform in [0, min(max, base·2^(attempt-1))].
 * Spreads many callers out after a shared outage. `attempt` is the one that just failed (1-based).
 */
export function backoffDelayMs(attempt: number, options: Pick<ResolvedRetryOptions, "baseDelayMs" | "maxDelayMs">, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After in ms (seconds or an HTTP date), if present and sane. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before the next attempt, or undefined to stop: out of attempts, or the
 * wait would cross the deadline (a retry that cannot happen in time is not made).
 */
export function nextDelayMs(
  input: { attempt: number; elapsedMs: number; retryAfter?: number },
  options: ResolvedRetryOptions,
  random: () => number = Math.random,
): number | undefined {
  if (input.attempt >= options.maxAttempts) return undefined;
  const remaining = options.deadlineMs - input.elapsedMs;
  if (remaining <= 0) return undefined;
  const delay = input.retryAfter ?? backoffDelayMs(input.attempt, options, random);
  // Near the deadline, make one last attempt right at it rather than none.
  return Math.min(delay, remaining);
}
