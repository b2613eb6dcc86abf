/**
 * Redirects and tokens: an ID token (invoke) or access token (runJob) is only ever
 * sent to the origin it was meant for. A "service" that redirects, and an "elsewhere"
 * server on another origin that records whatever reaches it.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { invoke } from "../../client/invoke";
import { runJob } from "../../client/runJob";
import { StaticTokenSource } from "../../client/idTokens";
import { InvokeError, JobError } from "../../client/errors";

const ID_TOKEN = "id-token-for-the-service";
const ACCESS_TOKEN = "access-token-for-the-api";
const tokens = new StaticTokenSource({ idToken: ID_TOKEN, accessToken: ACCESS_TOKEN });
const noSleep = async () => undefined;

interface Seen {
  method: string;
  url: string;
  body: string;
  authorization?: string;
  xServerless?: string;
  contentType?: string;
}

/** The path at which the recording server drops the connection without an answer. */
const DROPPED = "/dropped";

/** Answers per path from `routes` (status, Location), 200 otherwise, and records each request with its body. */
async function recordingServer(host = "127.0.0.1") {
  const seen: Seen[] = [];
  const routes = new Map<string, { status: number; location: () => string }>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        body,
        authorization: req.headers.authorization,
        xServerless: req.headers["x-serverless-authorization"] as string | undefined,
        contentType: req.headers["content-type"],
      });
      const route = routes.get(req.url ?? "");
      if (req.url === DROPPED) {
        req.socket.destroy();
      } else if (route) {
        res.writeHead(route.status, { location: route.location() });
        res.end();
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ name: "projects/p/locations/r/operations/op-1", done: false }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    routes,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let service: Awaited<ReturnType<typeof recordingServer>>;
let elsewhere: Awaited<ReturnType<typeof recordingServer>>;

beforeAll(async () => {
  service = await recordingServer();
  elsewhere = await recordingServer();
});
afterAll(async () => {
  await Promise.all([service.close(), elsewhere.close()]);
});
beforeEach(() => {
  service.seen.length = 0;
  service.routes.clear();
  elsewhere.seen.length = 0;
});

describe("invoke(): a redirect to another origin is handed back, never followed with the token", () => {
  test.each([301, 302, 303, 307, 308])("%d to another port → the 3xx is returned; the other origin gets nothing", async (status) => {
    service.routes.set("/go", { status, location: () => `${elsewhere.url}/landing` });
    const response = await invoke(`${service.url}/go`, {}, { tokens });
    expect(response.status).toBe(status);
    expect(response.headers.get("location")).toBe(`${elsewhere.url}/landing`);
    expect(elsewhere.seen).toEqual([]);
  });

  test("the caller's own Authorization beside the ID token in X-Serverless-Authorization: neither goes to the other origin", async () => {
    service.routes.set("/go", { status: 302, location: () => `${elsewhere.url}/landing` });
    const response = await invoke(`${service.url}/go`, { headers: { authorization: "Bearer app-own" } }, { tokens });
    expect(response.status).toBe(302);
    expect(service.seen).toEqual([expect.objectContaining({ authorization: "Bearer app-own", xServerless: `Bearer ${ID_TOKEN}` })]);
    expect(elsewhere.seen).toEqual([]);
  });

  test("the same server under another name (localhost vs 127.0.0.1) is another origin: not followed", async () => {
    service.routes.set("/go", { status: 302, location: () => `http://localhost:${service.port}/landing` });
    const response = await invoke(`${service.url}/go`, {}, { tokens });
    expect(response.status).toBe(302);
    expect(service.seen.map((s) => s.url)).toEqual(["/go"]);
  });

  test("a scheme-relative Location (//host/x) is another origin too", async () => {
    service.routes.set("/go", { status: 302, location: () => `//127.0.0.1:${elsewhere.port}/landing` });
    expect((await invoke(`${service.url}/go`, {}, { tokens })).status).toBe(302);
    expect(elsewhere.seen).toEqual([]);
  });
});

describe("invoke(): same-origin redirects are followed, with fetch's method rules", () => {
  test.each([301, 302, 303, 307, 308])("GET through a %d to a relative Location: followed, the token sent to the same origin again", async (status) => {
    service.routes.set("/old", { status, location: () => "/new?x=1" });
    const response = await invoke(`${service.url}/old`, {}, { tokens });
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${service.url}/new?x=1`);
    expect(service.seen.map((s) => [s.method, s.url, s.authorization])).toEqual([
      ["GET", "/old", `Bearer ${ID_TOKEN}`],
      ["GET", "/new?x=1", `Bearer ${ID_TOKEN}`],
    ]);
  });

  test.each([
    [301, "GET", ""],
    [302, "GET", ""],
    [303, "GET", ""],
    [307, "POST", '{"a":1}'],
    [308, "POST", '{"a":1}'],
  ])("POST through a %d → %s with body %j", async (status, method, body) => {
    service.routes.set("/form", { status, location: () => `${service.url}/done` });
    const response = await invoke(`${service.url}/form`, { method: "POST", body: '{"a":1}', headers: { "content-type": "application/json" } }, { tokens });
    expect(response.status).toBe(200);
    const followed = service.seen[1];
    expect([followed.method, followed.url, followed.body]).toEqual([method, "/done", body]);
    // A request turned into a GET drops its body's headers, as fetch does.
    expect(followed.contentType).toBe(method === "GET" ? undefined : "application/json");
  });

  test("HEAD through a 303 stays HEAD", async () => {
    service.routes.set("/h", { status: 303, location: () => "/there" });
    await invoke(`${service.url}/h`, { method: "HEAD" }, { tokens });
    expect(service.seen.map((s) => s.method)).toEqual(["HEAD", "HEAD"]);
  });

  test("a hop that fails is a network failure, retried and reported: never the redirect, whose body is gone", async () => {
    service.routes.set("/go", { status: 307, location: () => DROPPED });
    const attempts: (number | undefined)[] = [];
    const error = await invoke(`${service.url}/go`, {}, { tokens, sleep: noSleep, retry: { maxAttempts: 2 }, onAttempt: (info) => attempts.push(info.status) }).catch((e) => e);
    expect(error).toBeInstanceOf(InvokeError);
    expect(error.message).toMatch(/could not reach .*\/go after 2 attempt\(s\): TypeError: fetch failed/);
    expect(attempts).toEqual([undefined, undefined]);
    expect(service.seen.map((request) => request.url)).toEqual(["/go", DROPPED, "/go", DROPPED]);
  });

  test("a redirect loop stops after 10 hops with an InvokeError naming the URL", async () => {
    service.routes.set("/loop", { status: 302, location: () => "/loop" });
    const error = await invoke(`${service.url}/loop`, {}, { tokens, sleep: noSleep }).catch((e) => e);
    expect(error).toBeInstanceOf(InvokeError);
    expect(error.message).toMatch(/more than 10 redirects from http:\/\/127\.0\.0\.1:\d+\/loop/);
    expect(service.seen).toHaveLength(11);
  });

  test("a stream body cannot be re-sent: a 307 is handed back", async () => {
    service.routes.set("/stream", { status: 307, location: () => "/elsewhere-on-same-origin" });
    const body = Readable.toWeb(Readable.from(["chunk"])) as ReadableStream;
    const response = await invoke(`${service.url}/stream`, { method: "POST", body, duplex: "half" } as RequestInit, { tokens });
    expect(response.status).toBe(307);
    expect(service.seen.map((s) => s.url)).toEqual(["/stream"]);
  });

  test('redirect: "manual" hands back even a same-origin redirect; "error" throws', async () => {
    service.routes.set("/old", { status: 302, location: () => "/new" });
    expect((await invoke(`${service.url}/old`, { redirect: "manual" }, { tokens })).status).toBe(302);
    await expect(invoke(`${service.url}/old`, { redirect: "error" }, { tokens })).rejects.toThrow(/redirect/);
    expect(service.seen.map((s) => s.url)).toEqual(["/old", "/old"]);
  });
});

describe("runJob(): the access token goes to the Admin API's origin only", () => {
  test("a 302 from the API to another origin is not followed; the error says so", async () => {
    service.routes.set("/v2/projects/p/locations/r/jobs/j:run", { status: 302, location: () => `${elsewhere.url}/v2/steal` });
    const error = await runJob({ project: "p", region: "r", name: "j" }, { tokens, apiBase: service.url, sleep: noSleep }).catch((e) => e);
    expect(error).toBeInstanceOf(JobError);
    expect(error.message).toMatch(/HTTP 302[\s\S]*redirect/);
    expect(elsewhere.seen).toEqual([]);
  });

  test("a same-origin redirect is not followed either (the API does not redirect)", async () => {
    service.routes.set("/v2/projects/p/locations/r/jobs/j:run", { status: 307, location: () => "/v2/other" });
    await expect(runJob({ project: "p", region: "r", name: "j" }, { tokens, apiBase: service.url, sleep: noSleep })).rejects.toThrow(JobError);
    expect(service.seen.map((s) => s.url)).toEqual(["/v2/projects/p/locations/r/jobs/j:run"]);
  });
});
