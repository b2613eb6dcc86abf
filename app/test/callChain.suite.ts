/**
 * Service to service, as inside Cloud Run: `web` calls `api` from `GET /call` with an
 * ID token from the metadata server in X-Serverless-Authorization and the app's own
 * credential (APP_TOKEN) in Authorization. Everything is a real HTTP server on
 * 127.0.0.1, in this process: the app's request handler twice (web, api), the
 * emulator's metadata server and Cloud Run front end, and recording servers that
 * play an attacker's target. The route is no proxy: nothing of the request decides
 * where the token goes, and it never leaves for another origin.
 */
import * as http from "node:http";
import { createRequestHandler, type AppContext } from "../src/app";
import { calleeSettings, callCallee, CALLEE_PATH } from "../src/callee";
import { appTokenFromEnv, ConfigError, serverSettings } from "../src/env";
import { metadataIdTokens } from "../src/idTokens";
import { startFrontEnd, startMetadataServer, TokenIssuer, type FrontEnd, type MetadataServer } from "../../emulator";
import { listenLocal } from "../../emulator/http";

const PROJECT = "demo-project";
const WEB_SA = `web-svc@${PROJECT}.iam.gserviceaccount.com`;
const INTRUDER_SA = `nightly-job@${PROJECT}.iam.gserviceaccount.com`;
const API_AUDIENCE = "https://api-abc123-de.a.run.app";
const APP_TOKEN = "app-shared-secret-0d1e2f3a4b5c";

/** Every log line and response body of this file: the secret must be in none of them. */
const logLines: string[] = [];
const bodies: string[] = [];
const closers: (() => Promise<void>)[] = [];

/** One recorded request: where it went and the credentials it carried. */
interface Recorded {
  url: string;
  host: string | undefined;
  authorization: string | undefined;
  xServerless: string | undefined;
}

/** A server that answers every request with `answer` and records it. */
async function recordingServer(answer: (res: http.ServerResponse) => void = (res) => res.writeHead(200, { "content-type": "application/json" }).end("{}")) {
  const received: Recorded[] = [];
  const server = http.createServer((req, res) => {
    received.push({ url: req.url ?? "", host: req.headers.host, authorization: req.headers.authorization, xServerless: req.headers["x-serverless-authorization"] as string | undefined });
    answer(res);
  });
  const { url, close } = await listenLocal(server);
  closers.push(close);
  return { url, received };
}

/** The app's handler on 127.0.0.1, its log lines kept. */
async function appServer(context: Partial<AppContext> & { service: string }): Promise<string> {
  const handler = createRequestHandler({
    revision: null,
    version: "test",
    projectId: () => PROJECT,
    shuttingDown: () => false,
    log: (severity, message, fields) => logLines.push(JSON.stringify({ severity, message, ...fields })),
    ...context,
  });
  const { url, close } = await listenLocal(http.createServer(handler));
  closers.push(close);
  return url;
}

async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, { headers });
  const text = await response.text();
  bodies.push(text);
  return { status: response.status, json: JSON.parse(text) as Record<string, unknown> };
}

let issuer: TokenIssuer;
let webMetadata: MetadataServer;
let apiFrontEnd: FrontEnd;
let apiUrl: string;
let webUrl: string;

/** A caller service (the web app's handler) calling `calleeUrl`, with its own metadata server's identity. */
async function callerApp(options: { calleeUrl: string; audience?: string; metadataHost: string; appToken?: string }): Promise<string> {
  const settings = calleeSettings({ CALLEE_URL: options.calleeUrl, CALLEE_AUDIENCE: options.audience ?? API_AUDIENCE });
  return appServer({ service: "web", callee: { settings: settings!, tokens: metadataIdTokens(options.metadataHost) }, appToken: options.appToken ?? APP_TOKEN });
}

beforeAll(async () => {
  issuer = new TokenIssuer();
  webMetadata = await startMetadataServer({ issuer, email: WEB_SA, projectId: PROJECT });
  closers.push(webMetadata.close);
  apiUrl = await appServer({ service: "api", appToken: APP_TOKEN });
  apiFrontEnd = await startFrontEnd({ upstream: apiUrl, issuer, audiences: [API_AUDIENCE], invokers: [`serviceAccount:${WEB_SA}`], jwksUrl: webMetadata.certsUrl });
  closers.push(apiFrontEnd.close);
  webUrl = await callerApp({ calleeUrl: apiFrontEnd.url, metadataHost: webMetadata.host });
});

afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

describe("web → api through the emulated front end", () => {
  test("the listed caller gets through: api saw web's ID token in X-Serverless-Authorization and the app credential in Authorization", async () => {
    const reply = await get(webUrl, "/call");
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      callee: apiFrontEnd.url,
      calleeStatus: 200,
      calleeSaw: {
        email: WEB_SA,
        audience: API_AUDIENCE,
        tokenHeader: "x-serverless-authorization",
        signature: "removed-by-google",
        appAuthorizationPresent: true,
        appCredential: "valid",
      },
    });
    expect(apiFrontEnd.decisions().at(-1)).toMatchObject({ path: CALLEE_PATH, status: 200, mode: "x-serverless", email: WEB_SA });
  });

  test("a workload that is not listed gets api's 403; the api app never sees the request", async () => {
    const intruderMetadata = await startMetadataServer({ issuer, email: INTRUDER_SA, projectId: PROJECT });
    closers.push(intruderMetadata.close);
    const intruder = await callerApp({ calleeUrl: apiFrontEnd.url, metadataHost: intruderMetadata.host });
    const seenBefore = apiFrontEnd.decisions().filter((d) => d.status === 200).length;
    const reply = await get(intruder, "/call/");
    expect(reply.status).toBe(502);
    expect(reply.json).toMatchObject({ error: "callee_refused", callee: apiFrontEnd.url, calleeStatus: 403 });
    expect(apiFrontEnd.decisions().at(-1)).toMatchObject({ status: 403, reason: "not an invoker", email: INTRUDER_SA });
    expect(apiFrontEnd.decisions().filter((d) => d.status === 200)).toHaveLength(seenBefore);
  });

  test("another app credential passes IAM but api reports it invalid (never echoing either)", async () => {
    const other = await callerApp({ calleeUrl: apiFrontEnd.url, metadataHost: webMetadata.host, appToken: "not-the-shared-secret" });
    const reply = await get(other, "/call");
    expect(reply.json).toMatchObject({ calleeStatus: 200, calleeSaw: { email: WEB_SA, appAuthorizationPresent: true, appCredential: "invalid" } });
  });

  test("without APP_TOKEN the call carries X-Serverless-Authorization only, and api reports no app credential", async () => {
    const callee = await recordingServer((res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    const settings = calleeSettings({ CALLEE_URL: callee.url, CALLEE_AUDIENCE: API_AUDIENCE })!;
    const bare = await appServer({ service: "web", callee: { settings, tokens: metadataIdTokens(webMetadata.host) } });
    expect((await get(bare, "/call")).status).toBe(200);
    expect(callee.received[0].authorization).toBeUndefined();
    expect(callee.received[0].xServerless).toMatch(/^Bearer eyJ/);
  });
});

describe("the route is not a proxy: the token goes to the configured origin only", () => {
  test("no URL, host or path from the request is used: every attempt reaches api's front end or nothing", async () => {
    const evil = await recordingServer();
    const evilHost = new URL(evil.url).host;
    const attempts: [string, Record<string, string>][] = [
      [`/call?url=${encodeURIComponent(evil.url)}`, {}],
      [`/call?target=${encodeURIComponent(evil.url)}&host=${evilHost}`, {}],
      [`/call/${encodeURIComponent(evil.url)}`, {}],
      ["/call", { Host: evilHost }],
      ["/call", { "X-Forwarded-Host": evilHost, "X-Original-URL": evil.url, Forwarded: `host=${evilHost}` }],
    ];
    const forwardedBefore = apiFrontEnd.decisions().length;
    for (const [path, headers] of attempts) await get(webUrl, path, headers);
    expect(evil.received).toEqual([]);
    // The four attempts on /call went to api (the path with a URL in it is no route: 404).
    const calls = apiFrontEnd.decisions().slice(forwardedBefore);
    expect(calls).toHaveLength(4);
    expect(calls.every((decision) => decision.path === CALLEE_PATH && decision.status === 200)).toBe(true);
  });

  test("the caller's own credentials are not relayed: api gets web's ID token and the app credential, not what the client sent", async () => {
    const callee = await recordingServer();
    const settings = calleeSettings({ CALLEE_URL: callee.url, CALLEE_AUDIENCE: API_AUDIENCE })!;
    const app = await appServer({ service: "web", callee: { settings, tokens: metadataIdTokens(webMetadata.host) }, appToken: APP_TOKEN });
    const clientToken = issuer.mintIdToken({ email: "someone@example.com", audience: "https://web-abc123-de.a.run.app" });
    await get(app, "/call", { Authorization: `Bearer ${clientToken}`, "X-Serverless-Authorization": `Bearer ${await clientToken}` });
    const [received] = callee.received;
    expect(received.url).toBe(CALLEE_PATH);
    expect(received.authorization).toBe(`Bearer ${APP_TOKEN}`);
    const minted = received.xServerless!.replace(/^Bearer /, "");
    expect(minted).not.toBe(await clientToken);
    const claims = JSON.parse(Buffer.from(minted.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
    expect(claims).toMatchObject({ email: WEB_SA, aud: API_AUDIENCE });
  });

  test("a redirect from the callee is not followed: the other origin gets nothing", async () => {
    const evil = await recordingServer();
    const redirecting = await recordingServer((res) => res.writeHead(302, { location: `${evil.url}/steal` }).end());
    const settings = calleeSettings({ CALLEE_URL: redirecting.url, CALLEE_AUDIENCE: API_AUDIENCE })!;
    const app = await appServer({ service: "web", callee: { settings, tokens: metadataIdTokens(webMetadata.host) }, appToken: APP_TOKEN });
    const reply = await get(app, "/call");
    expect(reply.status).toBe(502);
    expect(reply.json).toMatchObject({ error: "callee_redirected", calleeStatus: 302 });
    expect(redirecting.received).toHaveLength(1);
    expect(evil.received).toEqual([]);
  });

  test("one token is minted per audience and reused until it nears expiry", async () => {
    const callee = await recordingServer();
    const settings = calleeSettings({ CALLEE_URL: callee.url, CALLEE_AUDIENCE: API_AUDIENCE })!;
    const app = await appServer({ service: "web", callee: { settings, tokens: metadataIdTokens(webMetadata.host) } });
    await Promise.all([get(app, "/call"), get(app, "/call")]);
    await get(app, "/call");
    expect(new Set(callee.received.map((r) => r.xServerless)).size).toBe(1);
  });
});

describe("failures answer JSON naming what failed, never a token", () => {
  test("no callee configured: 404 no_callee", async () => {
    const plain = await appServer({ service: "api" });
    expect(await get(plain, "/call")).toEqual({ status: 404, json: { error: "no_callee", message: expect.stringContaining("CALLEE_URL") } });
  });

  test("the metadata server is down: 502 no_id_token, nothing sent to the callee", async () => {
    const callee = await recordingServer();
    const down = await recordingServer((res) => res.destroy());
    const settings = calleeSettings({ CALLEE_URL: callee.url })!;
    const app = await appServer({ service: "web", callee: { settings, tokens: metadataIdTokens(new URL(down.url).host) } });
    const reply = await get(app, "/call");
    expect(reply).toMatchObject({ status: 502, json: { error: "no_id_token" } });
    expect(callee.received).toEqual([]);
  });

  test("a server without Metadata-Flavor: Google is not trusted for tokens", async () => {
    const impostor = await recordingServer((res) => res.writeHead(200).end("eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln"));
    const settings = calleeSettings({ CALLEE_URL: apiFrontEnd.url, CALLEE_AUDIENCE: API_AUDIENCE })!;
    const app = await appServer({ service: "web", callee: { settings, tokens: metadataIdTokens(new URL(impostor.url).host) } });
    expect((await get(app, "/call")).json).toMatchObject({ error: "no_id_token", message: expect.stringContaining("Metadata-Flavor") });
  });

  test("the callee is unreachable: 502 callee_unreachable", async () => {
    const gone = await recordingServer();
    const settings = calleeSettings({ CALLEE_URL: gone.url, CALLEE_AUDIENCE: API_AUDIENCE })!;
    await closers.at(-1)!();
    const app = await appServer({ service: "web", callee: { settings, tokens: metadataIdTokens(webMetadata.host) } });
    expect((await get(app, "/call")).json).toMatchObject({ error: "callee_unreachable", message: expect.stringContaining("ECONNREFUSED") });
  });

  test("a callee that does not answer in time is a timeout", async () => {
    const silent = await recordingServer(() => undefined);
    const settings = calleeSettings({ CALLEE_URL: silent.url, CALLEE_AUDIENCE: API_AUDIENCE })!;
    const outcome = await callCallee(settings, { tokens: metadataIdTokens(webMetadata.host), timeoutMs: 50 });
    expect(outcome).toEqual({ kind: "unreachable", reason: "TimeoutError", timedOut: true });
  });
});

describe("CALLEE_URL, CALLEE_AUDIENCE and APP_TOKEN at start-up", () => {
  test.each([
    ["https://api-abc123-de.a.run.app", undefined, { origin: "https://api-abc123-de.a.run.app", audience: "https://api-abc123-de.a.run.app" }],
    ["https://api-abc123-de.a.run.app/", "https://api.example.com", { origin: "https://api-abc123-de.a.run.app", audience: "https://api.example.com" }],
    ["http://127.0.0.1:8123", "https://api-abc123-de.a.run.app", { origin: "http://127.0.0.1:8123", audience: "https://api-abc123-de.a.run.app" }],
  ])("CALLEE_URL=%s CALLEE_AUDIENCE=%s", (url, audience, expected) => {
    expect(calleeSettings({ CALLEE_URL: url, CALLEE_AUDIENCE: audience })).toEqual(expected);
  });

  test.each([
    ["http://api-abc123-de.a.run.app", /is not https/],
    ["https://api-abc123-de.a.run.app/whoami", /has a path, query or fragment/],
    ["https://api-abc123-de.a.run.app/?to=x", /has a path, query or fragment/],
    ["https://api-abc123-de.a.run.app/#x", /has a path, query or fragment/],
    ["ftp://api.example.com", /is not https/],
    ["api-abc123-de.a.run.app", /is not a URL/],
  ])("CALLEE_URL=%s is refused", (url, message) => {
    expect(() => calleeSettings({ CALLEE_URL: url })).toThrow(message);
  });

  test("credentials in CALLEE_URL or CALLEE_AUDIENCE are refused without being quoted", () => {
    expect(() => calleeSettings({ CALLEE_URL: "https://user:hunter2@api.example.com" })).toThrow(/holds user:password/);
    expect(() => calleeSettings({ CALLEE_URL: "https://user:hunter2@api.example.com" })).not.toThrow(/hunter2/);
    expect(() => calleeSettings({ CALLEE_URL: "https://api.example.com", CALLEE_AUDIENCE: "https://u:hunter2@x.example.com" })).toThrow(/^(?!.*hunter2).*not an https URL/);
  });

  test("CALLEE_AUDIENCE without CALLEE_URL is a mistake; neither set is no callee", () => {
    expect(() => calleeSettings({ CALLEE_AUDIENCE: API_AUDIENCE })).toThrow(ConfigError);
    expect(calleeSettings({})).toBeUndefined();
    expect(serverSettings({ PORT: "0" })).toMatchObject({ callee: undefined, appToken: undefined });
  });

  test("APP_TOKEN: surrounding whitespace dropped; a value that cannot be a header is refused without quoting it", () => {
    expect(appTokenFromEnv({ APP_TOKEN: `  ${APP_TOKEN}\n` })).toBe(APP_TOKEN);
    expect(appTokenFromEnv({ APP_TOKEN: "" })).toBeUndefined();
    expect(() => appTokenFromEnv({ APP_TOKEN: "two words-s3cr3t" })).toThrow(/APP_TOKEN is not a usable credential/);
    expect(() => appTokenFromEnv({ APP_TOKEN: "two words-s3cr3t" })).not.toThrow(/s3cr3t/);
  });
});

// Last in the file (jest runs a file's tests in order): every line and body above is in.
test("no log line and no response of any test above holds the app credential or an ID token", () => {
  expect(bodies.length).toBeGreaterThan(10);
  expect(logLines.length).toBeGreaterThan(0);
  for (const text of [...logLines, ...bodies]) expect(text).not.toContain(APP_TOKEN);
  for (const text of [...logLines, ...bodies]) expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
});

describe("the built server (node app/dist/server.js) with a secret and a callee", () => {
  test("APP_TOKEN reaches the callee and nowhere else: not in the start-up line, any log line, or any response, even on failures", async () => {
    const { startServer, send } = await import("./support/appProcess");
    const secret = "s3cr3t-from-secret-manager-9f8e7d";
    // Lets the first two calls in, then refuses (as api's front end would refuse an unlisted caller).
    let calls = 0;
    const callee = await recordingServer((res) => (calls++ < 2 ? res.writeHead(200, { "content-type": "application/json" }).end("{}") : res.writeHead(403).end("denied")));
    const metadata = await startMetadataServer({ issuer, email: WEB_SA, projectId: PROJECT });
    const server = await startServer({ CALLEE_URL: callee.url, CALLEE_AUDIENCE: API_AUDIENCE, GCE_METADATA_HOST: metadata.host, APP_TOKEN: secret, REQUEST_LOGS: "on" });
    const replies: string[] = [];
    try {
      const started = server.process.entries.find((entry) => entry.message === "listening")!;
      expect(started).toMatchObject({ callee: callee.url, appToken: "set" });
      for (const path of ["/call", "/whoami", `/call?token=${secret}`, "/nope"]) replies.push((await send(server.url, { path, headers: { authorization: `Bearer ${secret}` } })).text);
      expect(callee.received.map((r) => r.authorization)).toEqual([`Bearer ${secret}`, `Bearer ${secret}`]);
      // A refusal is logged (WARNING) and answered 502: still no secret.
      replies.push((await send(server.url, { path: "/call/" })).text);
    } finally {
      await server.process.stop();
      await metadata.close();
    }
    expect(replies.length).toBe(5);
    expect(JSON.parse(replies[4])).toMatchObject({ error: "callee_refused", calleeStatus: 403 });
    expect(server.process.entries.some((entry) => entry.message === "call to the callee failed")).toBe(true);
    expect(server.process.entries.length).toBeGreaterThan(3);
    for (const text of [server.process.output, ...replies]) expect(text).not.toContain(secret);
  });
});
