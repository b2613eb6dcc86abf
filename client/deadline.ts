/**
 * A hard per-attempt deadline for Node's own `fetch`, kept in its dispatcher instead
 * of an AbortSignal.
 *
 * Any signal makes undici's fetch follow it (a controller, listeners and a finalizer
 * per request), which costs a call to a fast local service about 7% more than the call
 * itself; the deadline here costs one timer. It covers the whole exchange, as a signal
 * would: connecting (TLS included), the headers, and the body to its last byte. A
 * request still running at the deadline is aborted, and fetch fails with `TypeError:
 * fetch failed` (or, while the body is read, `TypeError: terminated`) whose `cause`
 * is a `TimeoutError`.
 *
 * A dispatcher is what fetch hands each HTTP request to (undici's Dispatcher API:
 * https://undici.nodejs.org/#/docs/api/Dispatcher). This one passes every request on to
 * the dispatcher fetch would have used (the caller's `init.dispatcher`, else the process's
 * global one, proxies included) and only watches the clock.
 */

/**
 * Where this Node's undici keeps the process's global dispatcher (shared by every copy of
 * undici in the process): undici 8 (Node 26) moved it to `….2`, and keeps under `….1` an
 * adapter for the older handlers, which its own fetch no longer gives.
 */
const GLOBAL_DISPATCHER = Symbol.for(Number(process.versions.undici?.split(".")[0]) >= 8 ? "undici.globalDispatcher.2" : "undici.globalDispatcher.1");

/** What this module needs of an undici Dispatcher. */
interface Dispatcher {
  dispatch(options: object, handler: object): boolean;
}

type Callback = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The callbacks of the handler fetch gives its dispatcher that a deadline needs: the
 * request starts (with a way to abort it), ends, or fails. undici 6 and 7 (Node 20 to
 * 24) name them onConnect (an abort function) / onComplete / onError (error); undici 8
 * onRequestStart (a controller) / onResponseEnd / onResponseError (controller, error).
 */
const HANDLER_SHAPES = [
  { start: "onConnect", end: "onComplete", error: "onError", errorArgs: (error: Error) => [error] },
  { start: "onRequestStart", end: "onResponseEnd", error: "onResponseError", errorArgs: (error: Error) => [undefined, error] },
] as const;

/** The abort of a request, from onConnect's function or onRequestStart's controller. */
function abortOf(startArgument: unknown): (reason: Error) => void {
  if (typeof startArgument === "function") return startArgument as (reason: Error) => void;
  const controller = startArgument as { abort(reason: Error): void };
  return (reason) => controller.abort(reason);
}

/** Node's fetch as it was when this module loaded: only it is known to honour `dispatcher`. */
const nodeFetch: typeof fetch | undefined = globalThis.fetch;

/**
 * The global dispatcher, created if no fetch has run yet (constructing a Request makes
 * undici install it), or undefined where it cannot be seen.
 */
function globalDispatcher(): Dispatcher | undefined {
  const holder = globalThis as { [GLOBAL_DISPATCHER]?: Dispatcher };
  if (!holder[GLOBAL_DISPATCHER] && typeof Request === "function") new Request("http://localhost/");
  return holder[GLOBAL_DISPATCHER];
}

/**
 * Whether a request made with {@link nodeFetch} has reached a DeadlineDispatcher. The
 * fetch found at load may be a polyfill installed earlier (node-fetch, a mock) that
 * ignores `dispatcher`: until one request proves otherwise, invoke() adds a signal.
 */
let dispatcherSeen = false;

/** Whether Node's fetch has been seen to pass a request to a DeadlineDispatcher. */
export function dispatcherProven(): boolean {
  return dispatcherSeen;
}

/**
 * Whether {@link DeadlineDispatcher} can bound a request made with `doFetch`: only
 * Node's own fetch is known to pass every request to `init.dispatcher`. Any other
 * fetch (a caller's, a mock) is bounded with an AbortSignal instead.
 */
export function canBoundInDispatcher(doFetch: typeof fetch): boolean {
  return doFetch === nodeFetch && globalDispatcher() !== undefined;
}

/** The error a request ends with at its deadline. */
export function deadlineError(timeoutMs: number): Error {
  const error = new Error(`no complete response within ${timeoutMs / 1000}s (timeoutMs)`);
  error.name = "TimeoutError";
  return Object.assign(error, { code: "ETIMEDOUT" });
}

/**
 * A dispatcher that ends each request it passes on at `deadline` (ms since the epoch).
 * One per attempt: the redirects an attempt follows share its deadline.
 */
export class DeadlineDispatcher {
  constructor(
    private readonly deadline: number,
    private readonly timeoutMs: number,
    private readonly inner: Dispatcher | undefined,
  ) {}

  dispatch(options: object, handler: object): boolean {
    const inner = this.inner ?? globalDispatcher();
    if (!inner) throw new Error("no undici dispatcher to send the request with");
    dispatcherSeen = true;
    const disarm = watch(handler, Math.max(0, this.deadline - Date.now()), () => deadlineError(this.timeoutMs));
    try {
      return inner.dispatch(options, handler);
    } catch (error) {
      disarm(); // fetch reports the throw; the handler must hear nothing more
      throw error;
    }
  }
}

/**
 * Arms the deadline on `handler`, in place: aborts the request at the deadline, and
 * disarms when the request ends first. If the deadline comes before the request has
 * even started (a connection or TLS handshake that hangs), the handler is failed at
 * once, and the request is aborted when it starts, its later callbacks unheard.
 * Returns a disarm, for a request the inner dispatcher refused by throwing.
 */
function watch(handler: object, remainingMs: number, timeout: () => Error): () => void {
  const callbacks = handler as Record<string, Callback>;
  const shape = shapeOf(callbacks);
  // Never send a request the deadline cannot stop.
  if (!shape) throw new Error("this Node's fetch hands its dispatcher a handler of an unknown shape: cannot bound the request in time");
  const start = callbacks[shape.start];
  const end = callbacks[shape.end];
  const fail = callbacks[shape.error];
  let abort: ((reason: Error) => void) | undefined;
  let ended = false;
  const timer = setTimeout(() => {
    if (ended) return;
    if (abort) return abort(timeout());
    ended = true;
    fail.apply(handler, shape.errorArgs(timeout()));
  }, remainingMs);
  timer.unref(); // a pending request keeps the process alive on its own; its timer must not
  // Two parameters each: all any of these callbacks takes (no rest array per call).
  callbacks[shape.start] = function (first, second) {
    const abortRequest = abortOf(first);
    if (ended) return abortRequest(timeout()); // failed at the deadline already
    abort = abortRequest;
    return start.call(this, first, second);
  };
  callbacks[shape.end] = function (first, second) {
    ended = true;
    clearTimeout(timer);
    return end.call(this, first, second);
  };
  callbacks[shape.error] = function (first, second) {
    if (ended && abort === undefined) return; // failed at the deadline already
    ended = true;
    clearTimeout(timer);
    return fail.call(this, first, second);
  };
  return () => {
    ended = true;
    clearTimeout(timer);
  };
}

/** Which of {@link HANDLER_SHAPES} `callbacks` has, if any. */
function shapeOf(callbacks: Record<string, Callback>): (typeof HANDLER_SHAPES)[number] | undefined {
  for (const shape of HANDLER_SHAPES) {
    if (typeof callbacks[shape.start] === "function" && typeof callbacks[shape.end] === "function" && typeof callbacks[shape.error] === "function") return shape;
  }
  return undefined;
}
