/**
 * `invoke()`: fetch a private Cloud Run URL with a Google ID token in the right
 * header, with timeouts, bounded retries, and refusals explained.
 */
import { InvokeError, UsageError } from "./errors";
import { sleepFor, withTimeout } from "./timeout";
import { HeaderMode, headersWithIdToken } from "./headers";
import { GoogleTokenSource, IdTokenSource } from "./idTokens";
import { explainForbidden, explainUnauthorized, claimsOf } from "./diagnose";
import { RetryOptions, isRetryableStatus, nextDelayMs, resolveRetryOptions, retryAfterMs } from "./retry";
import { redact } from "./redact";
import { followRedirects, isRedirectStatus } from "./redirect";
import { DeadlineDispatcher, canBoundInDispatcher, dispatcherProven } from "./deadline";
import { stoppableUpload } from "./upload";

/** One attempt's outcome, for progress displays. Never contains the token. */
export interface AttemptInfo {
  attempt: number;
  /** HTTP status, or undefined for a network error / timeout. */
  status?: number;
  elapsedMs: number;
  /** Wait before the next attempt; undefined when this was the last. */
  nextDelayMs?: number;
  /** Redacted network error message, when there was no response. */
  error?: string;
}

/** Options of {@link invoke}. */
export interface InvokeOptions {
  /** Token source. @default a process-wide GoogleTokenSource (Application Default Credentials) */
  tokens?: IdTokenSource;
  /** Token audience. @default the URL's origin, e.g. "https://hello-abc-de.a.run.app" */
  audience?: string;
  /** Which header carries the ID token. @default "auto" */
  headerMode?: HeaderMode;
  /**
   * Timeout of each attempt: the token, the request, and the response to the last byte of its
   * body (a body still arriving at the deadline is cut off). 0 to 2 147 483 647 (Node's
   * longest timer); anything else is a UsageError. @default 30 000 ms
   */
  timeoutMs?: number;
  /** Retry policy: 429/502/503/504 always, 403 only with retryForbidden, 401 never. */
  retry?: RetryOptions;
  /**
   * What to do with 401/403 once retries are over. `throw` (default) raises an
   * InvokeError that explains the likely causes; `return` hands back the response,
   * for apps that use 401/403 themselves.
   */
  onRefusal?: "throw" | "return";
  /** Called after every attempt (live progress). */
  onAttempt?: (info: AttemptInfo) => void;
  /** fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Sleep implementation (tests). @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

let defaultSource: GoogleTokenSource | undefined;

/** The process-wide ADC token source, built on first use. */
export function defaultTokenSource(): GoogleTokenSource {
  defaultSource ??= new GoogleTokenSource();
  return defaultSource;
}

/** The default audience: the URL's origin, as Cloud Run expects for *.run.app. */
export function defaultAudience(url: string | URL): string {
  return new URL(url).origin;
}

/**
 * Calls a private Cloud Run service. Resolves with the Response (2xx, or any
 * status the policy does not treat as a refusal); rejects with an InvokeError
 * on 401/403 (unless onRefusal is "return") and on network failure after retries.
 *
 * Retries re-send `init.body`, so pass a string, Buffer, or URLSearchParams;
 * a stream body disables retries, and is stopped (cancelled) if the call fails.
 *
 * Redirects are followed only within the URL's origin, the one the ID token is for;
 * a redirect elsewhere is returned unfollowed (see redirect.ts). Each attempt, hops
 * included, is bounded by timeoutMs.
 *
 * @example
 * const res = await invoke("https://hello-abc-de.a.run.app/health/");
 * @example
 * // The app uses Authorization for its own token: the ID token goes to X-Serverless-Authorization.
 * await invoke(url, { headers: { authorization: `Bearer ${appToken}` } });
 */
export function invoke(url: string | URL, init: RequestInit = {}, options: InvokeOptions = {}): Promise<Response> {
  if (init.body == null || !isStream(init.body)) return attempts(url, init, options, false);
  const upload = stoppableUpload(init.body as ReadableStream<Uint8Array> | NodeJS.ReadableStream);
  return attempts(url, { ...init, body: upload.body as RequestInit["body"] }, options, true).catch((error: unknown) => {
    upload.stop(error); // fetch would otherwise go on reading the caller's stream (upload.ts)
    throw error;
  });
}

/** {@link invoke}'s attempts, retries and outcome. A stream body is sent once. */
async function attempts(url: string | URL, init: RequestInit, options: InvokeOptions, bodyIsStream: boolean): Promise<Response> {
  const { href, target } = parsedTarget(url);
  const audience = options.audience ?? target.origin;
  const tokens = options.tokens ?? defaultTokenSource();
  const policy = bodyIsStream || options.retry ? resolveRetryOptions(bodyIsStream ? { ...options.retry, maxAttempts: 1 } : options.retry) : DEFAULT_POLICY;
  const timeoutMs = checkedTimeoutMs(options.timeoutMs ?? 30_000);
  const mode = options.headerMode ?? "auto";
  const doFetch = options.fetch ?? globalThis.fetch;
  // The retry deadline counts from the first token in hand: a slow first mint
  // (credential discovery can take seconds) must not eat the IAM propagation window.
  let started: number | undefined;

  // Bounded: nextDelayMs() ends the loop at maxAttempts (capped at 10 000) or the deadline.
  for (let attempt = 1; ; attempt++) {
    const deadline = Date.now() + timeoutMs;
    let token: string | undefined;
    let response: Response | undefined;
    let failure: string | undefined;
    try {
      // A token already in hand is read synchronously: no promise, no timer.
      token = tokens.cachedIdToken?.(audience) ?? (await withTimeout(tokens.getIdToken(audience), timeoutMs));
      started ??= Date.now();
      // redirect: "manual", so that only same-origin redirects are followed (the token was minted for this origin).
      const request: RequestInit = { ...init, headers: headersWithIdToken(init.headers, token, mode), redirect: "manual" };
      boundInTime(request, init, deadline, timeoutMs, doFetch);
      response = await doFetch(href, request);
      if (init.redirect !== "manual" && isRedirectStatus(response.status)) {
        response = await followRedirects(doFetch, response, { target, request, mode: init.redirect, bodyIsStream, attempt });
      }
    } catch (error) {
      if (!isNetworkFailure(error) || init.signal?.aborted) throw error;
      response = undefined; // a redirect whose next hop failed is not an answer
      failure = redact(describeNetworkError(error));
    }

    const status = response?.status;
    // The common case, a final answer nobody watches: nothing more to decide.
    if (status !== undefined && status !== 401 && status !== 403 && !options.onAttempt && !isRetryableStatus(status, policy.retryForbidden)) return response!;
    const elapsedMs = Date.now() - (started ?? Date.now());
    const retryable = status === undefined || isRetryableStatus(status, policy.retryForbidden);
    const delay = retryable
      ? nextDelayMs({ attempt, elapsedMs, retryAfter: response ? retryAfterMs(response.headers.get("retry-after")) : undefined }, policy)
      : undefined;
    options.onAttempt?.({ attempt, status, elapsedMs, nextDelayMs: delay, error: failure });

    if (delay === undefined) return finish({ response, failure, token, audience, target, attempt, elapsedMs, onRefusal: options.onRefusal });
    await response?.body?.cancel().catch(() => undefined); // free the socket before waiting
    await (options.sleep ?? sleepFor)(delay);
  }
}

/**
 * Bounds `request` at `deadline`: in the dispatcher for Node's own fetch (cheaper than a
 * signal, see deadline.ts), with an AbortSignal for any other fetch. The caller's own
 * `signal` and `dispatcher` keep working either way.
 */
function boundInTime(request: RequestInit, init: RequestInit, deadline: number, timeoutMs: number, doFetch: typeof fetch): void {
  let signalMarginMs = 0;
  if (canBoundInDispatcher(doFetch)) {
    request.dispatcher = new DeadlineDispatcher(deadline, timeoutMs, init.dispatcher) as unknown as RequestInit["dispatcher"];
    if (dispatcherProven()) return;
    // Until this fetch has been seen to use the dispatcher (a polyfill may not), a signal too,
    // a little later: where the dispatcher works, its deadline and error come first.
    signalMarginMs = UNPROVEN_SIGNAL_MARGIN_MS;
  }
  const timeout = AbortSignal.timeout(Math.min(Math.max(0, deadline - Date.now()) + signalMarginMs, LONGEST_TIMER_MS));
  request.signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
}

/** How long after the deadline the signal of a fetch not yet seen to use the dispatcher fires. */
const UNPROVEN_SIGNAL_MARGIN_MS = 50;

/** Node's longest timer: a longer one fires after 1 ms (TimeoutOverflowWarning). */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** `timeoutMs` if a timer can hold it; else a UsageError (NaN, negative, or so long it would fire at once). */
function checkedTimeoutMs(timeoutMs: number): number {
  if (typeof timeoutMs === "number" && timeoutMs >= 0 && timeoutMs <= LONGEST_TIMER_MS) return timeoutMs;
  throw new UsageError(`timeoutMs: ${String(timeoutMs)} is not a number of milliseconds a timer can hold`, `pass a number of milliseconds from 0 to ${LONGEST_TIMER_MS} (about 24.8 days, Node's longest timer), e.g. timeoutMs: 30_000`);
}

/** The retry policy when none is given, resolved once. */
const DEFAULT_POLICY = resolveRetryOptions();

/** Parsed targets of recent string URLs: a service called in a loop is parsed once. */
const parsedTargets = new Map<string, URL>();
const PARSED_TARGETS_KEPT = 64;

/** The URL as fetch should get it (the string as given) and parsed, for its origin and redirects. */
function parsedTarget(url: string | URL): { href: string; target: URL } {
  if (typeof url !== "string") {
    // Duck-typed (a URL may come from another realm). A Request would lose its init here, and its URL's origin is the token's audience.
    if (typeof url?.href !== "string" || typeof url.origin !== "string") {
      throw new UsageError(`url: ${describeValue(url)} is not a string or a URL`, "pass the service's URL as a string or URL, and the request's method, headers and body as init, e.g. invoke(request.url, { method: request.method })");
    }
    return { href: url.href, target: url };
  }
  let target = parsedTargets.get(url);
  if (!target) {
    target = absoluteUrl(url);
    if (parsedTargets.size >= PARSED_TARGETS_KEPT) parsedTargets.clear();
    parsedTargets.set(url, target);
  }
  return { href: url, target };
}

/** `url` parsed, or a UsageError that shows it (redacted) and the form it needs. */
function absoluteUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new UsageError(`url: ${JSON.stringify(redact(url))} is not an absolute URL`, "pass the service's whole URL, e.g. https://hello-abc123-de.a.run.app/health/");
  }
}

/** What a bad `url` argument was, for its error: the type, never its contents (a Request could carry a token). */
function describeValue(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value === null ? "null" : typeof value);
  return `a ${value.constructor?.name ?? "object"}`;
}

interface Outcome {
  response?: Response;
  failure?: string;
  token?: string;
  audience: string;
  target: URL;
  attempt: number;
  elapsedMs: number;
  onRefusal?: "throw" | "return";
}

/** Returns the response, or throws the explained refusal / network failure. */
async function finish(outcome: Outcome): Promise<Response> {
  const { response, target, attempt } = outcome;
  const where = `${target.origin}${target.pathname}`;
  if (!response) {
    throw new InvokeError(`could not reach ${where} after ${attempt} attempt(s): ${outcome.failure}`, "check the URL, your network, and that the service is deployed", undefined, where, attempt);
  }
  if ((response.status !== 401 && response.status !== 403) || outcome.onRefusal === "return") return response;
  const body = redact((await response.text().catch(() => "")).slice(0, 300));
  const seconds = (outcome.elapsedMs / 1000).toFixed(1);
  if (response.status === 401) {
    throw new InvokeError(`401 from ${where}: the ID token was rejected (not retried)`, explainUnauthorized(outcome.token, target.origin), 401, where, attempt);
  }
  const email = outcome.token ? claimsOf(outcome.token)?.email : undefined;
  throw new InvokeError(
    `403 from ${where} after ${attempt} attempt(s) in ${seconds}s${body ? `: ${oneLine(body)}` : ""}`,
    explainForbidden(body, email, where),
    403,
    where,
    attempt,
  );
}

function oneLine(text: string): string {
  return text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

/** Timeouts and connection errors are retried; programming errors are not. */
function isNetworkFailure(error: unknown): boolean {
  // Duck-typed: fetch's errors may come from another realm (vm contexts, jest).
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return name === "TimeoutError" || (name === "TypeError" && message === "fetch failed");
}

function isStream(body: unknown): boolean {
  return typeof body === "object" && body !== null && (typeof (body as ReadableStream).getReader === "function" || typeof (body as NodeJS.ReadableStream).pipe === "function");
}

/** "TimeoutError: …" or "fetch failed (ECONNREFUSED)": enough to act on, nothing secret. */
function describeNetworkError(error: unknown): string {
  const { name, message, cause } = error as { name: string; message: string; cause?: { name?: string; message?: string; code?: string } };
  if (cause?.name === "TimeoutError") return `TimeoutError: ${cause.message}`; // the attempt's deadline (deadline.ts)
  return `${name}: ${message}${cause?.code ? ` (${cause.code})` : ""}`;
}

