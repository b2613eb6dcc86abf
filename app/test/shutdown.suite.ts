/**
 * SIGTERM, as Cloud Run sends it before stopping an instance: the built server
 * stops accepting, finishes the request in flight and exits 0, well inside the
 * 10 s after which Cloud Run sends SIGKILL. The waits below are bounded by that
 * contract (a hang fails the test); they do not measure speed.
 */
import { spawn } from "node:child_process";
import { Agent, request, type ClientRequest, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { APP_DIR, assertBuilt, cleanEnv, LoggedProcess, send, startServer, type RunningServer } from "./support/appProcess";

/** Cloud Run's SIGTERM → SIGKILL window. */
const CLOUD_RUN_KILL_AFTER_MS = 10000;

const running: LoggedProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
});

async function start(env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer(env);
  running.push(server.process);
  return server;
}

/**
 * Starts GET /health/ with a 10-byte body and sends only half of it, so the
 * request stays in flight. Resolves once the server has dispatched the request
 * to its handler: with `Expect: 100-continue`, node:http answers "100 Continue"
 * in the same step as it emits the request.
 */
function startInFlightRequest(port: number): Promise<{ req: ClientRequest; response: Promise<IncomingMessage & { body: string }> }> {
  return new Promise((resolveStart, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/health/", method: "GET", agent: false, headers: { "Content-Length": "10", Expect: "100-continue" } });
    const response = new Promise<IncomingMessage & { body: string }>((resolveResponse, rejectResponse) => {
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (c: string) => (body += c));
        res.on("end", () => resolveResponse(Object.assign(res, { body })));
      });
      req.on("error", rejectResponse);
    });
    response.catch(() => undefined); // observed by the caller when it cares
    req.once("continue", () => {
      req.write("12345");
      resolveStart({ req, response });
    });
    req.once("error", reject);
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolveRefused) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolveRefused(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolveRefused(error.code === "ECONNREFUSED"));
  });
}

test("a request in flight at SIGTERM completes, new connections are refused, and the process exits 0", async () => {
  // Request logs on, so the in-flight request's own line shows it was answered before the exit.
  const server = await start({ REQUEST_LOGS: "on" });
  const { req, response } = await startInFlightRequest(server.port);

  server.process.child.kill("SIGTERM");
  const shuttingDown = await server.process.waitForLog((e) => e.message.startsWith("shutting down"));
  expect(shuttingDown).toMatchObject({ severity: "INFO", signal: "SIGTERM", inFlight: 1 });
  expect(await connectionRefused(server.port)).toBe(true);

  req.end("67890");
  const res = await response;
  expect(res.statusCode).toBe(200);
  expect(res.headers.connection).toBe("close");
  expect(JSON.parse(res.body)).toMatchObject({ status: "ok" });

  expect(await server.process.waitForExit(CLOUD_RUN_KILL_AFTER_MS)).toEqual({ code: 0, signal: null });
  expect(server.process.entries.map((e) => e.message)).toEqual(expect.arrayContaining(["GET /health/ 200", "shutdown complete"]));
});

test("an idle keep-alive connection does not hold up shutdown", async () => {
  const server = await start();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await new Promise<IncomingMessage>((resolveRes, reject) => {
      request({ host: "127.0.0.1", port: server.port, path: "/health", agent }, (res) => {
        res.resume();
        res.on("end", () => resolveRes(res));
      })
        .on("error", reject)
        .end();
    });
    expect(first.headers.connection).toBe("keep-alive");
    server.process.child.kill("SIGTERM");
    expect(await server.process.waitForExit(CLOUD_RUN_KILL_AFTER_MS)).toEqual({ code: 0, signal: null });
  } finally {
    agent.destroy();
  }
});

test("a request still unfinished when the grace period ends is cut off and the process exits 1", async () => {
  const server = await start({ SHUTDOWN_GRACE_MS: "200" });
  const { response } = await startInFlightRequest(server.port);
  server.process.child.kill("SIGTERM");
  await expect(response).rejects.toThrow(/socket hang up|ECONNRESET/);
  expect(await server.process.waitForExit(CLOUD_RUN_KILL_AFTER_MS)).toEqual({ code: 1, signal: null });
  expect(server.process.entries).toContainEqual(expect.objectContaining({ severity: "ERROR", message: expect.stringContaining("grace expired"), inFlight: 1 }));
});

test("`npm --prefix app start` runs the server as the image's CMD does, and SIGTERM reaches it through npm", async () => {
  assertBuilt();
  const npm = spawn("npm", ["--prefix", APP_DIR, "start", "--silent"], { env: cleanEnv({ PORT: "0", HOST: "127.0.0.1" }), stdio: ["ignore", "pipe", "pipe"] });
  const proc = new LoggedProcess(npm);
  running.push(proc);
  const listening = await proc.waitForLog((e) => e.message === "listening");
  expect((await send(`http://127.0.0.1:${Number(listening.port)}`, { path: "/health/" })).status).toBe(200);
  npm.kill("SIGTERM");
  expect(await proc.waitForExit(CLOUD_RUN_KILL_AFTER_MS)).toEqual({ code: 0, signal: null });
  expect(proc.entries.map((e) => e.message)).toContain("shutdown complete");
});

test("a bad PORT fails at start-up with a message naming the variable, the value and the fix", async () => {
  assertBuilt();
  const proc = new LoggedProcess(spawn(process.execPath, ["dist/server.js"], { cwd: APP_DIR, env: cleanEnv({ PORT: "eighty" }), stdio: ["ignore", "pipe", "pipe"] }));
  running.push(proc);
  expect(await proc.waitForExit(CLOUD_RUN_KILL_AFTER_MS)).toEqual({ code: 1, signal: null });
  expect(proc.entries).toEqual([expect.objectContaining({ severity: "CRITICAL", message: 'PORT="eighty" is not an integer between 0 and 65535; set PORT to a TCP port (Cloud Run sets it; default 8080)' })]);
});

test("a closed stdout (EPIPE) does not take the server down: it keeps serving and still exits 0 on SIGTERM", async () => {
  const server = await start();
  server.process.child.stdout?.destroy(); // the reader goes away; further log writes fail with EPIPE
  for (let i = 0; i < 3; i++) expect((await send(server.url, { path: "/health/" })).status).toBe(200);
  server.process.child.kill("SIGTERM");
  expect(await server.process.waitForExit(CLOUD_RUN_KILL_AFTER_MS)).toEqual({ code: 0, signal: null });
  expect(server.process.stderr).toBe("");
});
