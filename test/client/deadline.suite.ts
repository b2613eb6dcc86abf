/**
 * invoke()'s per-attempt deadline, kept in fetch's dispatcher (client/deadline.ts):
 * against real local servers that hang at each phase of an exchange, the attempt ends at
 * its deadline and the server sees its connection closed; and the dispatcher's own
 * rules, against handlers of both shapes undici gives (undici 8's cannot run on this Node).
 */
import net from "node:net";
import type { AddressInfo } from "node:net";
import { invoke } from "../../client/invoke";
import { StaticTokenSource } from "../../client/idTokens";
import { InvokeError } from "../../client/errors";
import { DeadlineDispatcher, canBoundInDispatcher } from "../../client/deadline";
import { Handle, startRoutedServer, until } from "./support";

const TOKEN = "deadline-token-value";
const tokens = new StaticTokenSource({ idToken: TOKEN });
const once = { retry: { maxAttempts: 1 } };
const hang: Handle = () => undefined;
const partialBody: Handle = (_req, res) => {
  res.writeHead(200, { "content-type": "text/plain", "content-length": "1000" });
  res.write("the first bytes");
};

describe("against servers that hang", () => {
  let server: Awaited<ReturnType<typeof startRoutedServer>>;
  let firstAttempt = true;
  beforeAll(async () => {
    server = await startRoutedServer({
      "/hang": hang,
      "/partial": partialBody,
      "/redirect": (_req, res) => res.writeHead(307, { location: "/hang" }).end(),
      "/hang-once": (req, res) => {
        if (!firstAttempt) return void res.end("second attempt");
        firstAttempt = false;
        hang(req, res);
      },
    });
  });
  afterAll(() => server.close());

  it("uses the dispatcher for Node's own fetch, and a signal for any other", () => {
    expect(canBoundInDispatcher(fetch)).toBe(true);
    expect(canBoundInDispatcher((input, init) => fetch(input, init))).toBe(false);
  });

  it("ends an attempt whose headers never come, closes the connection, and says why without the token", async () => {
    const error = await invoke(`${server.url}/hang`, {}, { tokens, timeoutMs: 200, ...once }).catch((e) => e);
    expect(error).toBeInstanceOf(InvokeError);
    expect(error.message).toContain("TimeoutError: no complete response within 0.2s (timeoutMs)");
    expect(error.message + error.stack).not.toContain(TOKEN);
    await until(() => server.closed.includes("/hang"));
  });

  it("cuts off a body still arriving at the deadline", async () => {
    // Long enough for the headers on a loaded machine: they must come before the deadline.
    const response = await invoke(`${server.url}/partial`, {}, { tokens, timeoutMs: 500, ...once });
    expect(response.status).toBe(200);
    const error = await response.text().catch((e) => e);
    expect(error.name).toBe("TypeError"); // undici's realm: not this sandbox's TypeError
    expect(error.cause).toMatchObject({ name: "TimeoutError", message: "no complete response within 0.5s (timeoutMs)" });
    await until(() => server.closed.includes("/partial"));
  });

  it("ends a connection whose TLS handshake never answers at the deadline, not at undici's 10 s connect timeout", async () => {
    const silent = net.createServer(() => undefined); // accepts TCP, never says a word
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const sockets: net.Socket[] = [];
    silent.on("connection", (socket) => sockets.push(socket));
    try {
      const error = await invoke(`https://127.0.0.1:${(silent.address() as AddressInfo).port}/`, {}, { tokens, timeoutMs: 200, ...once }).catch((e) => e);
      expect(error.message).toContain("TimeoutError: no complete response within 0.2s");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("bounds an attempt's redirects by the same deadline, and reports the hop's failure, not the redirect", async () => {
    const error = await invoke(`${server.url}/redirect`, {}, { tokens, timeoutMs: 200, ...once }).catch((e) => e);
    expect(error).toBeInstanceOf(InvokeError);
    expect(error.message).toContain("TimeoutError: no complete response within 0.2s");
  });

  it("retries an attempt that timed out, with a deadline of its own", async () => {
    const attempts: (number | undefined)[] = [];
    // Long enough for the second attempt's answer on a loaded machine.
    const response = await invoke(`${server.url}/hang-once`, {}, { tokens, timeoutMs: 500, sleep: async () => undefined, onAttempt: (info) => attempts.push(info.status) });
    expect(await response.text()).toBe("second attempt");
    expect(attempts).toEqual([undefined, 200]);
  });

  it("still lets the caller's signal abort, without a retry", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await invoke(`${server.url}/hang`, { signal: controller.signal }, { tokens, timeoutMs: 30_000 }).catch((e) => e);
    expect(error.name).toBe("AbortError");
  });

  it("sends through the caller's own dispatcher, bounded all the same", async () => {
    const sent: string[] = [];
    const globalDispatcher = (globalThis as Record<symbol, { dispatch(options: { path: string }, handler: object): boolean }>)[Symbol.for("undici.globalDispatcher.1")];
    const counting = { dispatch: (options: { path: string }, handler: object) => (sent.push(options.path), globalDispatcher.dispatch(options, handler)) };
    const init = { dispatcher: counting } as unknown as RequestInit;
    const error = await invoke(`${server.url}/hang`, init, { tokens, timeoutMs: 200, ...once }).catch((e) => e);
    expect(sent).toEqual(["/hang"]);
    expect(error.message).toContain("TimeoutError");
  });

  it("bounds any other fetch with a signal", async () => {
    let seen: RequestInit | undefined;
    const ownFetch = (async (input: string, init: RequestInit) => ((seen = init), fetch(input, init))) as typeof fetch;
    const error = await invoke(`${server.url}/hang`, {}, { tokens, timeoutMs: 200, fetch: ownFetch, ...once }).catch((e) => e);
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
    expect((seen as { dispatcher?: unknown }).dispatcher).toBeUndefined();
    expect(error.message).toMatch(/TimeoutError/);
  });
});

describe("DeadlineDispatcher's rules", () => {
  /** A dispatcher that records what it was handed, and never answers by itself. */
  function recordingDispatcher() {
    const handlers: Record<string, (...args: unknown[]) => unknown>[] = [];
    return { handlers, dispatch: (_options: object, handler: object) => (handlers.push(handler as Record<string, (...args: unknown[]) => unknown>), true) };
  }
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A handler of undici 6/7's shape, recording its calls. */
  function connectHandler() {
    const calls: string[] = [];
    return { calls, onConnect: () => calls.push("connect"), onComplete: () => calls.push("complete"), onError: (error: Error) => calls.push(`error ${error.name}`) };
  }
  /** A handler of undici 8's shape, recording its calls. */
  function controllerHandler() {
    const calls: string[] = [];
    return {
      calls,
      onRequestStart: () => calls.push("start"),
      onResponseEnd: () => calls.push("end"),
      onResponseError: (_controller: unknown, error: Error) => calls.push(`error ${error.name}`),
    };
  }

  it("aborts a started request at the deadline (undici 6/7: the abort function)", async () => {
    const inner = recordingDispatcher();
    const handler = connectHandler();
    new DeadlineDispatcher(Date.now() + 20, 20, inner).dispatch({}, handler);
    const reasons: Error[] = [];
    inner.handlers[0].onConnect((reason: Error) => reasons.push(reason));
    await wait(60);
    expect(reasons.map((reason) => reason.name)).toEqual(["TimeoutError"]);
    expect(handler.calls).toEqual(["connect"]);
  });

  it("aborts a started request at the deadline (undici 8: the controller)", async () => {
    const inner = recordingDispatcher();
    const handler = controllerHandler();
    new DeadlineDispatcher(Date.now() + 20, 20, inner).dispatch({}, handler);
    const reasons: Error[] = [];
    inner.handlers[0].onRequestStart({ abort: (reason: Error) => reasons.push(reason) });
    await wait(60);
    expect(reasons.map((reason) => reason.name)).toEqual(["TimeoutError"]);
    expect(handler.calls).toEqual(["start"]);
  });

  it.each([
    ["undici 6/7", connectHandler, "onConnect", "onComplete"],
    ["undici 8", controllerHandler, "onRequestStart", "onResponseEnd"],
  ] as const)("leaves a request that ended in time alone (%s)", async (_label, makeHandler, start, end) => {
    const inner = recordingDispatcher();
    const handler = makeHandler();
    new DeadlineDispatcher(Date.now() + 20, 20, inner).dispatch({}, handler);
    const reasons: Error[] = [];
    const abort = (reason: Error) => reasons.push(reason);
    inner.handlers[0][start](start === "onConnect" ? abort : { abort });
    inner.handlers[0][end]();
    await wait(60);
    expect(reasons).toEqual([]);
  });

  it.each([
    ["undici 6/7", connectHandler, "onConnect", "onError", [new Error("aborted")]],
    ["undici 8", controllerHandler, "onRequestStart", "onResponseError", [{}, new Error("aborted")]],
  ] as const)("fails a request not started by the deadline at once, then aborts it when it starts, unheard (%s)", async (_label, makeHandler, start, error, errorArgs) => {
    const inner = recordingDispatcher();
    const handler = makeHandler();
    new DeadlineDispatcher(Date.now() + 20, 20, inner).dispatch({}, handler);
    await wait(60);
    expect(handler.calls).toEqual(["error TimeoutError"]);
    const reasons: Error[] = [];
    const abort = (reason: Error) => reasons.push(reason);
    inner.handlers[0][start](start === "onConnect" ? abort : { abort });
    inner.handlers[0][error](...errorArgs);
    expect(reasons.map((reason) => reason.name)).toEqual(["TimeoutError"]);
    expect(handler.calls).toEqual(["error TimeoutError"]); // neither the start nor the later error reached fetch
  });

  it("refuses a handler of an unknown shape rather than send a request it cannot stop", () => {
    const inner = recordingDispatcher();
    expect(() => new DeadlineDispatcher(Date.now() + 1000, 1000, inner).dispatch({}, { onHeaders: () => undefined })).toThrow(/unknown shape/);
    expect(inner.handlers).toEqual([]);
  });
});
