/**
 * Attacks on invoke()'s per-attempt deadline (client/deadline.ts), each against a real
 * local server: ways an exchange could outlive timeoutMs, leave a timer or socket behind,
 * or be misclassified (a caller's abort retried, a timeout not retried). Each test
 * states the guarantee it checks.
 */
import net from "node:net";
import zlib from "node:zlib";
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import type { AddressInfo } from "node:net";
import { invoke } from "../../client/invoke";
import { StaticTokenSource } from "../../client/idTokens";
import { InvokeError, UsageError } from "../../client/errors";
import { DeadlineDispatcher } from "../../client/deadline";
import { TSX_NODE_ARGS } from "../support/tsxProcess";
import { Handle, startRoutedServer, until } from "./support";

const TOKEN = "attack-token-value";
const tokens = new StaticTokenSource({ idToken: TOKEN });
const once = { retry: { maxAttempts: 1 } };
const noSleep = async () => undefined;
type Dispatch = (options: { path: string }, handler: object) => boolean;

const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const globalDispatch: Dispatch = (options, handler) => (globalThis as unknown as Record<symbol, { dispatch: Dispatch }>)[GLOBAL_DISPATCHER].dispatch(options, handler);

/** A raw TCP server, for answers http.Server will not send; its sockets are destroyed on close. */
async function rawServer(onConnection: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const closedSockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => closedSockets.push(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    closedSockets,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const hang: Handle = () => undefined;
/** Writes `chunk` every 20 ms until the connection closes. */
const trickle = (write: (chunk: string) => boolean, closedWhen: net.Socket, chunk: string) => {
  const timer = setInterval(() => write(chunk), 20);
  closedWhen.once("close", () => clearInterval(timer));
};

let server: Awaited<ReturnType<typeof startRoutedServer>>;
let recovered = false;
beforeAll(async () => {
  server = await startRoutedServer({
    "/hang": hang,
    "/trickle-chunked": (req, res) => {
      res.writeHead(200, { "content-type": "text/plain" }); // no length: chunked
      trickle((chunk) => res.write(chunk), req.socket, "x");
    },
    "/gzip-stalled": (_req, res) => {
      const compressed = zlib.gzipSync(randomBytes(100_000)); // incompressible: 200 bytes are a fraction of it
      res.writeHead(200, { "content-encoding": "gzip", "content-length": String(compressed.length) });
      res.write(compressed.subarray(0, 200)); // the rest never comes
    },
    "/head-or-empty": (req, res) => res.writeHead(req.method === "HEAD" ? 200 : 204, { "content-length": req.method === "HEAD" ? "5000" : "0" }).end(),
    "/not-modified": (_req, res) => res.writeHead(304, { etag: '"v1"' }).end(),
    "/early-hints-then-hang": (_req, res) => res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" }),
    "/unread-upload": hang, // never reads the request body, never answers
    "/digest-upload": (req, res) => {
      const hash = createHash("sha256");
      req.on("data", (chunk: Buffer) => hash.update(chunk)).on("end", () => res.end(hash.digest("hex")));
    },
    "/big": (_req, res) => res.end(Buffer.alloc(4 * 1024 * 1024, "b")),
    "/recovers": (_req, res) => (recovered ? res.end("recovered") : undefined),
    "/to-slow-hop": (_req, res) => res.writeHead(307, { location: "/slow-hop" }).end(),
    "/refused-trickle": (req, res) => {
      res.writeHead(403, { "content-type": "text/plain" });
      trickle((chunk) => res.write(chunk), req.socket, "denied ");
    },
    "/redirect-trickle": (req, res) => {
      res.writeHead(307, { location: "/ok", "content-type": "text/html" });
      trickle((chunk) => res.write(chunk), req.socket, "<p>moved</p>");
    },
  });
});
afterAll(() => server.close());

/** Deadline timers (delay ≥ `atLeastMs`) created through the sandbox's setTimeout during `run`. */
async function deadlineTimersDuring(atLeastMs: number, run: () => Promise<void>): Promise<NodeJS.Timeout[]> {
  const created: NodeJS.Timeout[] = [];
  const original = globalThis.setTimeout;
  const spy = jest.spyOn(globalThis, "setTimeout").mockImplementation(((callback: () => void, ms?: number) => {
    const timer = original(callback, ms);
    if ((ms ?? 0) >= atLeastMs) created.push(timer);
    return timer;
  }) as typeof setTimeout);
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return created;
}
/** Whether a timer is still pending (neither fired nor cleared): Node's own flag. */
const pending = (timer: NodeJS.Timeout) => !(timer as unknown as { _destroyed: boolean })._destroyed;

describe("timeoutMs out of the range a timer can hold", () => {
  it.each([Number.NaN, -1, Infinity, 2 ** 31, 2 ** 32 + 5])("refuses timeoutMs %p with a UsageError naming it, sending nothing", async (timeoutMs) => {
    const before = server.requests.length;
    const error = await invoke(`${server.url}/ok`, {}, { tokens, timeoutMs }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain(`timeoutMs: ${timeoutMs} is not`);
    expect(server.requests.length).toBe(before);
  });

  it("accepts the longest timer Node holds (2**31 - 1 ms): the answer comes, no instant timeout", async () => {
    const response = await invoke(`${server.url}/ok`, {}, { tokens, timeoutMs: 2 ** 31 - 1, ...once });
    expect(await response.text()).toBe("ok");
  });
});

describe("servers that stall in every phase", () => {
  it("ends an attempt whose headers arrive one byte at a time, forever", async () => {
    const slow = await rawServer((socket) =>
      socket.once("data", () => {
        socket.write("HTTP/1.1 200 OK\r\nx-slow: ");
        trickle((chunk) => socket.write(chunk), socket, "a");
      }),
    );
    try {
      const error = await invoke(slow.url, {}, { tokens, timeoutMs: 200, ...once }).catch((e) => e);
      expect(error).toBeInstanceOf(InvokeError);
      expect(error.message).toContain("TimeoutError: no complete response within 0.2s");
      await until(() => slow.closedSockets.length === 1);
    } finally {
      await slow.close();
    }
  });

  it("cuts off a chunked body that trickles forever, and closes the connection", async () => {
    // Long enough for the headers on a loaded machine: they must come before the deadline.
    const response = await invoke(`${server.url}/trickle-chunked`, {}, { tokens, timeoutMs: 500, ...once });
    const error = await response.text().catch((e) => e);
    expect(error.cause).toMatchObject({ name: "TimeoutError" });
    await until(() => server.closed.includes("/trickle-chunked"));
  });

  it("cuts off a gzip body whose compressed stream stalls", async () => {
    // Long enough for the headers on a loaded machine: they must come before the deadline.
    const response = await invoke(`${server.url}/gzip-stalled`, {}, { tokens, timeoutMs: 500, ...once });
    const error = await response.arrayBuffer().catch((e) => e);
    expect(error.name).toBe("TypeError"); // undici's realm: not this sandbox's TypeError
    expect(error.cause).toMatchObject({ name: "TimeoutError" });
    await until(() => server.closed.includes("/gzip-stalled"));
  });

  it("ends an attempt after a 103 Early Hints whose final answer never comes", async () => {
    const error = await invoke(`${server.url}/early-hints-then-hang`, {}, { tokens, timeoutMs: 200, ...once }).catch((e) => e);
    expect(error.message).toContain("TimeoutError: no complete response within 0.2s");
  });

  // Node's fetch goes on reading a request body after an abort, to its end and into memory:
  // invoke() stops the stream it was given (client/upload.ts). Bounded at 256 MB, so that a
  // regression fails the test rather than eat the machine.
  it("ends an upload the server never reads, and stops reading the caller's web stream", async () => {
    let pulls = 0;
    let cancelled = false;
    const endless = new ReadableStream({
      pull: (controller) => (++pulls > 4096 ? controller.close() : controller.enqueue(new Uint8Array(64 * 1024))),
      cancel: () => void (cancelled = true),
    });
    const attempts: number[] = [];
    const init = { method: "POST", body: endless, duplex: "half" } as RequestInit;
    const error = await invoke(`${server.url}/unread-upload`, init, { tokens, timeoutMs: 300, onAttempt: (info) => attempts.push(info.attempt) }).catch((e) => e);
    expect(error.message).toContain("TimeoutError: no complete response within 0.3s");
    expect(attempts).toEqual([1]);
    expect(cancelled).toBe(true);
    const pullsAtFailure = pulls;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pulls).toBe(pullsAtFailure);
    expect(pulls).toBeLessThan(4096);
  });

  it.each(["web", "Node"])("sends a %s stream the server reads whole, byte for byte", async (kind) => {
    const chunks = Array.from({ length: 64 }, () => randomBytes(16 * 1024));
    const body = kind === "web" ? (Readable.toWeb(Readable.from(chunks)) as ReadableStream) : Readable.from(chunks);
    const response = await invoke(`${server.url}/digest-upload`, { method: "POST", body, duplex: "half" } as unknown as RequestInit, { tokens, timeoutMs: 5_000 });
    expect(await response.text()).toBe(createHash("sha256").update(Buffer.concat(chunks)).digest("hex"));
  });

  it("stops reading the caller's Node stream too, destroying it", async () => {
    let pulls = 0;
    const endless = new Readable({
      read() {
        this.push(++pulls > 4096 ? null : Buffer.alloc(64 * 1024));
      },
    });
    const init = { method: "POST", body: endless, duplex: "half" } as unknown as RequestInit;
    const error = await invoke(`${server.url}/unread-upload`, init, { tokens, timeoutMs: 300 }).catch((e) => e);
    expect(error.message).toContain("TimeoutError");
    expect(endless.destroyed).toBe(true);
    const pullsAtFailure = pulls;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pulls).toBe(pullsAtFailure);
  });

  it("a 403 whose body never ends: the refusal is explained at the deadline, without the token", async () => {
    const error = await invoke(`${server.url}/refused-trickle`, {}, { tokens, timeoutMs: 200, ...once }).catch((e) => e);
    expect(error).toBeInstanceOf(InvokeError);
    expect(error.status).toBe(403);
    expect(error.message + error.stack).not.toContain(TOKEN);
    await until(() => server.closed.includes("/refused-trickle"));
  });

  it("a redirect whose body never ends: its body is dropped and the hop is followed", async () => {
    const response = await invoke(`${server.url}/redirect-trickle`, {}, { tokens, timeoutMs: 2_000, ...once });
    expect(await response.text()).toBe("ok");
    await until(() => server.closed.includes("/redirect-trickle"));
  });

  it("ends an attempt whose same-origin hop is dispatched after the deadline: the hop never reaches the server", async () => {
    // The caller's dispatcher holds the hop back past the deadline, then sends it.
    const late: Promise<void>[] = [];
    const holdHop: Dispatch = (options, handler) => {
      if (options.path !== "/slow-hop") return globalDispatch(options, handler);
      late.push(new Promise((resolve) => setTimeout(() => resolve(void globalDispatch(options, handler)), 400)));
      return true;
    };
    const error = await invoke(`${server.url}/to-slow-hop`, { dispatcher: { dispatch: holdHop } } as unknown as RequestInit, { tokens, timeoutMs: 200, ...once }).catch((e) => e);
    expect(error.message).toContain("TimeoutError: no complete response within 0.2s");
    await Promise.all(late);
    await new Promise((resolve) => setTimeout(resolve, 50)); // time for a request, were it sent, to arrive
    expect(server.requests).toContain("/to-slow-hop");
    expect(server.requests).not.toContain("/slow-hop");
  });
});

describe("answers without a body leave no deadline timer behind", () => {
  it("HEAD, 204 and 304: each resolves and its timer is cleared at once", async () => {
    const timers = await deadlineTimersDuring(90_000, async () => {
      for (let i = 0; i < 20; i++) {
        expect((await invoke(`${server.url}/head-or-empty`, { method: "HEAD" }, { tokens, timeoutMs: 98_765 })).status).toBe(200);
        expect((await invoke(`${server.url}/head-or-empty`, {}, { tokens, timeoutMs: 98_765 })).status).toBe(204);
        expect((await invoke(`${server.url}/not-modified`, {}, { tokens, timeoutMs: 98_765 })).status).toBe(304);
      }
    });
    expect(timers).toHaveLength(60);
    expect(timers.filter(pending)).toEqual([]);
  });
});

describe("many calls at once", () => {
  const CONCURRENT = 250;
  // Enough calls to overlap in every phase; more would only lengthen test/client, npm test's longest file.
  it("250 concurrent invokes against a server that hangs, then recovers: each times out, then succeeds; no timer left", async () => {
    recovered = false;
    const statuses: (number | undefined)[] = [];
    const timers = await deadlineTimersDuring(300, async () => {
      // The server recovers once every first attempt has timed out (none may slip in after).
      let firstAttemptsTimedOut = 0;
      const onAttempt = (info: { attempt: number; status?: number }) => {
        statuses.push(info.status);
        if (info.attempt === 1 && info.status === undefined) firstAttemptsTimedOut++;
      };
      const sleep = () => until(() => firstAttemptsTimedOut === CONCURRENT).then(() => void (recovered = true));
      const calls = Array.from({ length: CONCURRENT }, () => invoke(`${server.url}/recovers`, {}, { tokens, timeoutMs: 1_500, sleep, onAttempt }).then((response) => response.text()));
      expect(new Set(await Promise.all(calls))).toEqual(new Set(["recovered"]));
    });
    // On a loaded machine a few retries may time out too, before their answer.
    expect(statuses.filter((status) => status === undefined).length).toBeGreaterThanOrEqual(CONCURRENT);
    expect(statuses.filter((status) => status === 200)).toHaveLength(CONCURRENT);
    expect(timers.filter(pending)).toEqual([]);
  });
});

describe("the caller's own signal and dispatcher", () => {
  it("a signal already aborted: AbortError, no request sent, no attempt reported", async () => {
    const attempts: unknown[] = [];
    const before = server.requests.length;
    const error = await invoke(`${server.url}/ok`, { signal: AbortSignal.abort() }, { tokens, onAttempt: (info) => attempts.push(info) }).catch((e) => e);
    expect(error.name).toBe("AbortError");
    expect(attempts).toEqual([]);
    expect(server.requests.length).toBe(before);
  });

  it("the caller's own AbortSignal.timeout is the caller's abort: not retried, even though it is named TimeoutError", async () => {
    const attempts: unknown[] = [];
    const error = await invoke(`${server.url}/hang`, { signal: AbortSignal.timeout(100) }, { tokens, timeoutMs: 30_000, sleep: noSleep, onAttempt: (info) => attempts.push(info) }).catch((e) => e);
    expect(error.name).toBe("TimeoutError");
    expect(error).not.toBeInstanceOf(InvokeError);
    expect(attempts).toEqual([]);
  });

  it("a signal aborted while the body is read fails the read with the caller's reason, not a timeout", async () => {
    const controller = new AbortController();
    const response = await invoke(`${server.url}/trickle-chunked`, { signal: controller.signal }, { tokens, timeoutMs: 30_000 });
    controller.abort();
    const error = await response.text().catch((e) => e);
    expect(error.name).toBe("AbortError");
  });

  it("a dispatcher that never calls its handler: the attempt ends at the deadline and is retried", async () => {
    const swallowed: object[] = [];
    const swallow = { dispatch: (_options: object, handler: object) => (swallowed.push(handler), true) };
    const error = await invoke(`${server.url}/ok`, { dispatcher: swallow } as unknown as RequestInit, { tokens, timeoutMs: 100, retry: { maxAttempts: 2 }, sleep: noSleep }).catch((e) => e);
    expect(error).toBeInstanceOf(InvokeError);
    expect(error.message).toContain("after 2 attempt(s): TimeoutError: no complete response within 0.1s");
    expect(swallowed).toHaveLength(2);
  });

  it("a dispatcher that throws: a network failure, its deadline timer disarmed at once", async () => {
    const throwing = {
      dispatch: () => {
        throw new Error("dispatcher broke");
      },
    };
    const timers = await deadlineTimersDuring(90_000, async () => {
      const error = await invoke(`${server.url}/ok`, { dispatcher: throwing } as unknown as RequestInit, { tokens, timeoutMs: 98_765, ...once }).catch((e) => e);
      expect(error).toBeInstanceOf(InvokeError);
      expect(error.message).toContain("fetch failed");
    });
    expect(timers).toHaveLength(1);
    expect(timers.filter(pending)).toEqual([]);
  });
});

describe("inputs and keep-alive", () => {
  it("a URL object is bounded like a string", async () => {
    const error = await invoke(new URL(`${server.url}/hang`), {}, { tokens, timeoutMs: 200, ...once }).catch((e) => e);
    expect(error.message).toContain("TimeoutError: no complete response within 0.2s");
  });

  it("the connection of an attempt that timed out is closed, not reused: the next call gets its answer", async () => {
    await invoke(`${server.url}/hang`, {}, { tokens, timeoutMs: 100, ...once }).catch(() => undefined);
    await until(() => server.closed.includes("/hang"));
    expect(await (await invoke(`${server.url}/ok`, {}, { tokens, timeoutMs: 2_000, ...once })).text()).toBe("ok");
  });
});

describe("a fetch other than the one the client module found", () => {
  /** Node's fetch without the caller's dispatcher (node-fetch, a mock, some instrumentation). */
  const ignoresDispatcher = (fetchImpl: typeof fetch) =>
    ((input: string, init: RequestInit & { dispatcher?: unknown } = {}) => {
      const { dispatcher: _ignored, ...rest } = init;
      return fetchImpl(input, rest);
    }) as typeof fetch;

  it("globalThis.fetch replaced after the client loaded (ignoring dispatcher): still bounded, by a signal", async () => {
    const nodeFetch = globalThis.fetch;
    globalThis.fetch = ignoresDispatcher(nodeFetch);
    try {
      const error = await invoke(`${server.url}/hang`, {}, { tokens, timeoutMs: 200, ...once }).catch((e) => e);
      expect(error.message).toContain("TimeoutError");
    } finally {
      globalThis.fetch = nodeFetch;
    }
  });

  /** invoke() and deadline.ts loaded afresh, as in a process where they load after `globalThis.fetch` is set. */
  async function freshClient() {
    let modules: [typeof import("../../client/invoke"), typeof import("../../client/deadline")] | undefined;
    await jest.isolateModulesAsync(async () => {
      modules = [await import("../../client/invoke"), await import("../../client/deadline")];
    });
    return { invoke: modules![0].invoke, dispatcherProven: modules![1].dispatcherProven };
  }

  it("globalThis.fetch replaced before the client loaded (ignoring dispatcher): still bounded, call after call", async () => {
    const nodeFetch = globalThis.fetch;
    globalThis.fetch = ignoresDispatcher(nodeFetch);
    try {
      const fresh = await freshClient();
      for (let call = 0; call < 2; call++) {
        const error = await fresh.invoke(`${server.url}/hang`, {}, { tokens, timeoutMs: 200, ...once }).catch((e) => e);
        expect(error.message).toContain("TimeoutError");
      }
      expect(fresh.dispatcherProven()).toBe(false);
    } finally {
      globalThis.fetch = nodeFetch;
    }
  });

  it("Node's own fetch is trusted with the deadline once one request has reached the dispatcher", async () => {
    const fresh = await freshClient();
    expect(fresh.dispatcherProven()).toBe(false);
    expect(await (await fresh.invoke(`${server.url}/ok`, {}, { tokens, timeoutMs: 2_000, ...once })).text()).toBe("ok");
    expect(fresh.dispatcherProven()).toBe(true);
  });
});

describe("a process that never reads the body", () => {
  it("exits by itself after invoke() resolves, at the latest at the attempt's deadline", async () => {
    const script = [
      `const { invoke } = require(${JSON.stringify(path.join(__dirname, "../../client/invoke"))});`,
      `const { StaticTokenSource } = require(${JSON.stringify(path.join(__dirname, "../../client/idTokens"))});`,
      `invoke(process.argv[1], {}, { tokens: new StaticTokenSource({ idToken: "t" }), timeoutMs: 3000 }).then((r) => console.log("status", r.status));`,
    ].join("\n");
    const child = spawn(process.execPath, [...TSX_NODE_ARGS, "-e", script, `${server.url}/big`], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const killer = setTimeout(() => child.kill(), 30_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on("exit", (c, s) => resolve([c, s])));
    clearTimeout(killer);
    expect({ code, signal, output: output.trim() }).toEqual({ code: 0, signal: null, output: "status 200" });
  });
});

describe("DeadlineDispatcher and an inner dispatcher that throws", () => {
  it("disarms the deadline: the handler hears nothing afterwards", async () => {
    const calls: string[] = [];
    const handler = { onConnect: () => calls.push("connect"), onComplete: () => calls.push("complete"), onError: () => calls.push("error") };
    const throwing = {
      dispatch: () => {
        throw new Error("inner broke");
      },
    };
    expect(() => new DeadlineDispatcher(Date.now() + 20, 20, throwing).dispatch({}, handler)).toThrow("inner broke");
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls).toEqual([]);
  });
});
