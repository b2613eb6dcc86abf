/**
 * The built service (app/dist/server.js) as a real process on 127.0.0.1 and an
 * OS-chosen port: every route and error, /whoami's header decoding, and the
 * structured log lines, including that no token text ever reaches the output.
 */
import { connect } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { APP_DIR, send, startServer, type LogEntry, type RunningServer } from "./support/appProcess";
import { googleClaims, makeJwt, secretPartsOf } from "./support/tokens";

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(APP_DIR, "package.json"), "utf8")) as { version: string }).version;
const BODY_LIMIT = 64 * 1024;
const TRACE_ID = "105445aa7843bc8bf206b12000100000";

// Every credential the tests send; none may appear in any output.
const strippedToken = makeJwt(googleClaims(), "SIGNATURE_REMOVED_BY_GOOGLE");
const signedToken = makeJwt(googleClaims({ email: "alice@example.com", sub: "1001", aud: ["https://hello.example.com", "https://hello-abc123-de.a.run.app"] }));
const appCredential = "app-level-secret-credential-7f3a9c";
const queryToken = makeJwt(googleClaims({ email: "query@example.com" }));
const pathToken = makeJwt(googleClaims({ email: "path@example.com" }));
const secrets = [...secretPartsOf(strippedToken), ...secretPartsOf(signedToken), appCredential, ...secretPartsOf(queryToken), ...secretPartsOf(pathToken)];

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ K_SERVICE: "hello", K_REVISION: "hello-00001-abc", GOOGLE_CLOUD_PROJECT: "demo-project", REQUEST_LOGS: "on" });
});

afterAll(async () => {
  await server?.process.stop();
});

/** The access-log line for the request that carried `marker` in its User-Agent. */
function accessLogFor(marker: string): Promise<LogEntry> {
  return server.process.waitForLog((e) => (e.httpRequest as { userAgent?: string } | undefined)?.userAgent === marker);
}

describe("start-up", () => {
  test("logs one JSON 'listening' line with the bound port and address", async () => {
    const listening = await server.process.waitForLog((e) => e.message === "listening");
    expect(listening).toMatchObject({ severity: "INFO", port: server.port, address: "127.0.0.1", service: "hello", revision: "hello-00001-abc", traceProject: "demo-project" });
    expect(server.port).toBeGreaterThan(0);
  });
});

describe("GET /health, /health/ and /", () => {
  test.each(["/health", "/health/", "/"])("%s answers 200 JSON with status, service, revision and version", async (path) => {
    const reply = await send(server.url, { path });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(reply.headers["cache-control"]).toBe("no-store");
    expect(reply.json).toEqual({ status: "ok", service: "hello", revision: "hello-00001-abc", version: PACKAGE_VERSION });
  });

  test("HEAD /health/ answers 200 with headers and no body", async () => {
    const reply = await send(server.url, { method: "HEAD", path: "/health/" });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe("");
    expect(Number(reply.headers["content-length"])).toBeGreaterThan(0);
  });

  test("there is no /healthz (paths ending in z are reserved by Cloud Run)", async () => {
    expect((await send(server.url, { path: "/healthz" })).status).toBe(404);
  });
});

describe("GET /whoami decodes (never verifies) the identity", () => {
  test("X-Serverless-Authorization with Google's stripped signature, plus an app-level Authorization", async () => {
    const reply = await send(server.url, {
      path: "/whoami",
      headers: { "X-Serverless-Authorization": `Bearer ${strippedToken}`, Authorization: `Bearer ${appCredential}` },
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      identityKnown: true,
      email: "smoke@demo-project.iam.gserviceaccount.com",
      emailVerified: true,
      subject: "112233445566778899000",
      audience: "https://hello-abc123-de.a.run.app",
      issuer: "https://accounts.google.com",
      tokenHeader: "x-serverless-authorization",
      signature: "removed-by-google",
      appAuthorizationPresent: true,
      problem: null,
    });
    expect(reply.text).not.toContain(appCredential);
  });

  test("Authorization alone carries the identity; a list audience is kept as a list", async () => {
    const reply = await send(server.url, { path: "/whoami", headers: { Authorization: `bearer ${signedToken}` } });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      identityKnown: true,
      email: "alice@example.com",
      subject: "1001",
      audience: ["https://hello.example.com", "https://hello-abc123-de.a.run.app"],
      tokenHeader: "authorization",
      signature: "present",
      appAuthorizationPresent: false,
    });
  });

  test("when both headers are present, X-Serverless-Authorization wins even if it is garbage (as on Cloud Run)", async () => {
    const reply = await send(server.url, { path: "/whoami", headers: { "X-Serverless-Authorization": "Bearer garbage", Authorization: `Bearer ${signedToken}` } });
    expect(reply.json).toMatchObject({ identityKnown: false, email: null, tokenHeader: "x-serverless-authorization", appAuthorizationPresent: true });
    expect((reply.json as { problem: string }).problem).toMatch(/X-Serverless-Authorization token is not a JWT/);
  });

  test.each([
    ["no header at all", {}, /neither X-Serverless-Authorization nor Authorization/],
    ["a non-Bearer scheme", { Authorization: `Basic ${Buffer.from("user:pw").toString("base64")}` }, /Authorization is not "Bearer <ID token>"/],
    ["an access token, not a JWT", { Authorization: "Bearer ya29.a0AfH6SMBnotreallyatoken" }, /not a JWT \(expected 3 dot-separated segments, got 2\)/],
    ["segments that are not base64url", { Authorization: "Bearer a+b.c/d.e" }, /not base64url/],
    ["a payload that is not JSON", { Authorization: `Bearer ${Buffer.from("{}").toString("base64url")}.${Buffer.from("not json").toString("base64url")}.sig` }, /payload is not a JSON object/],
    ["an empty Bearer", { Authorization: "Bearer " }, /not "Bearer <ID token>"/],
  ])("%s: identity unknown, still 200 JSON", async (_name, headers, problem) => {
    const reply = await send(server.url, { path: "/whoami", headers });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ identityKnown: false, email: null, subject: null, audience: null, issuer: null, signature: null });
    expect((reply.json as { problem: string }).problem).toMatch(problem);
  });

  test("claims of the wrong type are reported as null, not echoed", async () => {
    const odd = makeJwt({ email: 42, sub: { nested: true }, aud: [1, 2], iss: null, exp: "tomorrow" });
    const reply = await send(server.url, { path: "/whoami", headers: { Authorization: `Bearer ${odd}` } });
    expect(reply.json).toMatchObject({ identityKnown: true, email: null, subject: null, audience: null, issuer: null, expiresAt: null });
  });
});

describe("errors are JSON", () => {
  test("unknown path → 404 naming the path and the routes", async () => {
    const reply = await send(server.url, { path: "/nope?x=1" });
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({ error: "not_found", message: expect.stringContaining("no route for /nope") });
    expect((reply.json as { message: string }).message).toContain("/health/");
  });

  test.each(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])("%s on a known path → 405 with Allow", async (method) => {
    const reply = await send(server.url, { method, path: "/whoami" });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe("GET, HEAD");
    expect(reply.json).toEqual({ error: "method_not_allowed", message: `${method} is not allowed on /whoami; use GET or HEAD` });
  });

  test("a declared Content-Length over the limit → 413 without reading the body", async () => {
    const reply = await send(server.url, { method: "POST", path: "/health", body: Buffer.alloc(BODY_LIMIT + 1, 97) });
    expect(reply.status).toBe(413);
    expect(reply.headers.connection).toBe("close");
    expect(reply.json).toMatchObject({ error: "payload_too_large" });
  });

  test("a chunked body that grows over the limit → 413", async () => {
    const reply = await send(server.url, { method: "POST", path: "/health", headers: { "Transfer-Encoding": "chunked" }, body: Buffer.alloc(BODY_LIMIT * 2, 97) });
    expect(reply.status).toBe(413);
    expect(reply.json).toMatchObject({ error: "payload_too_large" });
  });

  test("a body of exactly the limit is read and the request routed normally", async () => {
    const reply = await send(server.url, { method: "GET", path: "/health/", body: Buffer.alloc(BODY_LIMIT, 97) });
    expect(reply.status).toBe(200);
  });

  test("a request that is not HTTP → 400 JSON", async () => {
    const raw = await rawExchange(server.port, "THIS IS NOT HTTP\r\n\r\n");
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4))).toEqual({ error: "bad_request", message: expect.any(String) });
  });

  test("headers over node's limit → 431 JSON", async () => {
    const raw = await rawExchange(server.port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20000)}\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4))).toMatchObject({ error: "headers_too_large" });
  });
});

describe("structured logs", () => {
  test("an access line per request with severity, message, httpRequest and the trace from X-Cloud-Trace-Context", async () => {
    await send(server.url, { path: "/health/", headers: { "User-Agent": "trace-test-1", "X-Cloud-Trace-Context": `${TRACE_ID}/1234567890;o=1` } });
    const line = await accessLogFor("trace-test-1");
    expect(line).toMatchObject({
      severity: "INFO",
      message: "GET /health/ 200",
      httpRequest: { requestMethod: "GET", requestUrl: "/health/", status: 200, protocol: "HTTP/1.1" },
      "logging.googleapis.com/trace": `projects/demo-project/traces/${TRACE_ID}`,
      "logging.googleapis.com/spanId": (1234567890).toString(16).padStart(16, "0"),
      "logging.googleapis.com/trace_sampled": true,
    });
    expect((line.httpRequest as { latency: string }).latency).toMatch(/^\d+\.\d{6}s$/);
    expect(Number((line.httpRequest as { responseSize: string }).responseSize)).toBeGreaterThan(0);
  });

  test("falls back to W3C traceparent", async () => {
    await send(server.url, { path: "/whoami", headers: { "User-Agent": "trace-test-2", traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-00` } });
    expect(await accessLogFor("trace-test-2")).toMatchObject({
      "logging.googleapis.com/trace": `projects/demo-project/traces/${TRACE_ID}`,
      "logging.googleapis.com/spanId": "00f067aa0ba902b7",
      "logging.googleapis.com/trace_sampled": false,
    });
  });

  test("client errors log as WARNING, and a malformed trace header adds no trace field", async () => {
    await send(server.url, { method: "DELETE", path: "/health", headers: { "User-Agent": "trace-test-3", "X-Cloud-Trace-Context": "not-a-trace" } });
    const line = await accessLogFor("trace-test-3");
    expect(line).toMatchObject({ severity: "WARNING", message: "DELETE /health 405", httpRequest: { status: 405 } });
    expect(line).not.toHaveProperty(["logging.googleapis.com/trace"]);
  });

  test("remoteIp is the hop Cloud Run's front end appended (the last X-Forwarded-For entry), never one the client wrote", async () => {
    await send(server.url, { path: "/health/", headers: { "User-Agent": "xff-1", "X-Forwarded-For": "6.6.6.6, 10.0.0.1,203.0.113.7" } });
    await send(server.url, { path: "/health/", headers: { "User-Agent": "xff-2", "X-Forwarded-For": "203.0.113.8" } });
    await send(server.url, { path: "/health/", headers: { "User-Agent": "xff-3" } });
    await send(server.url, { path: "/health/", headers: { "User-Agent": "xff-4", "X-Forwarded-For": "6.6.6.6," } });
    const remoteIp = async (marker: string) => ((await accessLogFor(marker)).httpRequest as { remoteIp?: string }).remoteIp;
    expect(await remoteIp("xff-1")).toBe("203.0.113.7");
    expect(await remoteIp("xff-2")).toBe("203.0.113.8");
    // No header (not behind Cloud Run): the socket's peer. An empty last entry: nothing trustworthy, so the peer too.
    expect(await remoteIp("xff-3")).toBe("127.0.0.1");
    expect(await remoteIp("xff-4")).toBe("127.0.0.1");
  });

  test("a token in the query string or the path is redacted in the log", async () => {
    await send(server.url, { path: `/whoami?access_token=${queryToken}&x=1`, headers: { "User-Agent": "redact-1" } });
    await send(server.url, { path: `/files/${pathToken}`, headers: { "User-Agent": "redact-2" } });
    expect(await accessLogFor("redact-1")).toMatchObject({ httpRequest: { requestUrl: "/whoami?access_token=REDACTED&x=1" } });
    expect(((await accessLogFor("redact-2")).httpRequest as { requestUrl: string }).requestUrl).toBe("/files/[redacted-jwt]");
  });

  test("every stdout line is one JSON object with severity and message, and nothing is written to stderr", () => {
    const stdoutLines = server.process.entries;
    expect(stdoutLines.length).toBeGreaterThan(10);
    for (const entry of stdoutLines) {
      expect(entry).not.toHaveProperty("unparsed");
      expect(["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"]).toContain(entry.severity);
      expect(typeof entry.message).toBe("string");
    }
    expect(server.process.stderr).toBe("");
  });

  test("no token, token segment or Authorization value appears anywhere in the output", async () => {
    // Ensure the token-bearing requests above are all logged before grepping.
    await send(server.url, { path: "/whoami", headers: { "X-Serverless-Authorization": `Bearer ${strippedToken}`, Authorization: `Bearer ${appCredential}`, "User-Agent": "final-token-check" } });
    await accessLogFor("final-token-check");
    for (const secret of secrets) expect(server.process.output).not.toContain(secret);
    expect(server.process.output).not.toMatch(/bearer/i);
  });
});

describe("request logs are off by default (Cloud Run's own request log has the same facts)", () => {
  let quiet: RunningServer;
  beforeAll(async () => {
    quiet = await startServer({ GOOGLE_CLOUD_PROJECT: "demo-project" });
  });
  afterAll(async () => {
    await quiet?.process.stop();
  });

  test("no access line for 200, 404 or 405; a line the app does write (a client that went away) keeps the trace", async () => {
    await send(quiet.url, { path: "/health/", headers: { "User-Agent": "quiet-1" } });
    await send(quiet.url, { path: "/nope", headers: { "User-Agent": "quiet-2" } });
    await send(quiet.url, { method: "DELETE", path: "/health", headers: { "User-Agent": "quiet-3" } });
    // Half a body, then hang up: the app logs that one itself. Lines come out in order,
    // so once it is there, any access line for the requests above would be too.
    const socket = connect(quiet.port, "127.0.0.1");
    socket.write(`POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nX-Cloud-Trace-Context: ${TRACE_ID}/1;o=1\r\n\r\n12345`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50)).then(() => socket.destroy());
    const wentAway = await quiet.process.waitForLog((e) => e.message === "client went away before the response was sent");
    expect(wentAway).toMatchObject({ severity: "WARNING", "logging.googleapis.com/trace": `projects/demo-project/traces/${TRACE_ID}`, httpRequest: { requestMethod: "POST", requestUrl: "/health" } });
    expect(quiet.process.entries.filter((e) => e.httpRequest !== undefined)).toEqual([wentAway]);
    expect(quiet.process.entries.map((e) => e.message)).toEqual(["listening", "client went away before the response was sent"]);
  });
});

/** Writes raw bytes on a new connection and returns everything the server sent back before closing. */
function rawExchange(port: number, data: string): Promise<string> {
  return new Promise((resolveRaw, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("end", () => resolveRaw(received));
    socket.on("error", (error) => (received ? resolveRaw(received) : reject(error)));
    socket.write(data);
  });
}
