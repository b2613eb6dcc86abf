/**
 * invoke() against a plain local HTTP server that answers a scripted status
 * sequence, and GoogleTokenSource's per-audience cache with a counting minter.
 * (The emulator tests cover the real front end and google-auth-library paths.)
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { GoogleAuth } from "google-auth-library";
import { invoke } from "../../client/invoke";
import { GoogleTokenSource, StaticTokenSource } from "../../client/idTokens";
import { InvokeError, TokenError, UsageError } from "../../client/errors";
import { headersWithIdToken } from "../../client/headers";

interface Seen {
  authorization?: string;
  xServerless?: string;
}

/** A server that answers statuses from a queue (then 200) and records what it saw. */
async function scriptedServer() {
  const queue: number[] = [];
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ authorization: req.headers.authorization, xServerless: req.headers["x-serverless-authorization"] as string | undefined });
    const status = queue.shift() ?? 200;
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(status === 403 ? "Your client does not have permission to get URL /x from this server." : `status ${status}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queue,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const noSleep = async () => undefined;
const tokens = new StaticTokenSource({ idToken: "id-token-value" });
let server: Awaited<ReturnType<typeof scriptedServer>>;

beforeAll(async () => {
  server = await scriptedServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.queue.length = 0;
  server.seen.length = 0;
});

test("auto mode: Authorization when the app sets none, X-Serverless-Authorization when it does", async () => {
  await invoke(`${server.url}/a`, {}, { tokens });
  await invoke(`${server.url}/b`, { headers: { authorization: "Bearer app" } }, { tokens });
  expect(server.seen).toEqual([{ authorization: "Bearer id-token-value" }, { authorization: "Bearer app", xServerless: "Bearer id-token-value" }]);
});

test("429/502/503/504 are retried, then the response is returned", async () => {
  server.queue.push(429, 502, 503);
  const attempts: (number | undefined)[] = [];
  const response = await invoke(`${server.url}/x`, {}, { tokens, sleep: noSleep, onAttempt: (info) => attempts.push(info.status) });
  expect(response.status).toBe(200);
  expect(attempts).toEqual([429, 502, 503, 200]);
});

test("retries stop at maxAttempts and hand back the last response", async () => {
  server.queue.push(503, 503, 503, 503);
  const response = await invoke(`${server.url}/x`, {}, { tokens, sleep: noSleep, retry: { maxAttempts: 2 } });
  expect(response.status).toBe(503);
  expect(server.seen).toHaveLength(2);
});

test("401 fails at once with its likely causes", async () => {
  server.queue.push(401, 200);
  const error = await invoke(`${server.url}/x`, {}, { tokens, sleep: noSleep, retry: { retryForbidden: true } }).catch((e) => e);
  expect(error).toBeInstanceOf(InvokeError);
  expect(error.status).toBe(401);
  expect(error.attempts).toBe(1);
  expect(error.message).toMatch(/not retried[\s\S]*not a JWT/);
  expect(server.seen).toHaveLength(1);
});

test("403 is not retried unless asked", async () => {
  server.queue.push(403, 200);
  const error = await invoke(`${server.url}/x`, {}, { tokens, sleep: noSleep }).catch((e) => e);
  expect(error.status).toBe(403);
  expect(server.seen).toHaveLength(1);
});

test("403 is retried with retryForbidden (the IAM propagation window)", async () => {
  server.queue.push(403, 403);
  const response = await invoke(`${server.url}/x`, {}, { tokens, sleep: noSleep, retry: { retryForbidden: true } });
  expect(response.status).toBe(200);
  expect(server.seen).toHaveLength(3);
});

test('onRefusal "return" hands back an app-level 403', async () => {
  server.queue.push(403);
  const response = await invoke(`${server.url}/x`, {}, { tokens, onRefusal: "return" });
  expect(response.status).toBe(403);
});

test("a network failure is retried, then reported without the token", async () => {
  const closed = await scriptedServer();
  await closed.close();
  const error = await invoke(`${closed.url}/x`, {}, { tokens, sleep: noSleep, retry: { maxAttempts: 2 } }).catch((e) => e);
  expect(error).toBeInstanceOf(InvokeError);
  expect(error.message).toMatch(/could not reach .* after 2 attempt\(s\)/);
  expect(JSON.stringify(error) + error.message + error.stack).not.toContain("id-token-value");
});

test("the per-attempt timeout aborts a hung request", async () => {
  const hung = http.createServer(() => undefined);
  await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`;
  try {
    const error = await invoke(url, {}, { tokens, sleep: noSleep, timeoutMs: 200, retry: { maxAttempts: 1 } }).catch((e) => e);
    expect(error.message).toMatch(/TimeoutError/);
  } finally {
    hung.closeAllConnections();
    await new Promise<void>((resolve) => hung.close(() => resolve()));
  }
});

describe("GoogleTokenSource cache", () => {
  /** A fake GoogleAuth whose client mints unsigned JWTs and counts mints per audience. */
  function countingAuth(expiresInSeconds = 3600) {
    const mints: string[] = [];
    const client = {
      async fetchIdToken(audience: string) {
        mints.push(audience);
        await new Promise((resolve) => setTimeout(resolve, 10)); // a real mint takes a round trip
        const claims = { aud: audience, exp: Math.floor(Date.now() / 1000) + expiresInSeconds, n: mints.length };
        return `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
      },
    };
    const auth = { getClient: async () => client } as unknown as GoogleAuth;
    return { auth, mints };
  }

  test("1,000 concurrent calls for one audience share one mint; another audience gets its own", async () => {
    const { auth, mints } = countingAuth();
    const source = new GoogleTokenSource({ auth });
    const results = await Promise.all(Array.from({ length: 1000 }, () => source.getIdToken("https://a.run.app")));
    expect(new Set(results).size).toBe(1);
    await source.getIdToken("https://a.run.app");
    await source.getIdToken("https://b.run.app");
    expect(mints).toEqual(["https://a.run.app", "https://b.run.app"]);
  });

  test("a token within 5 minutes of expiry is refreshed", async () => {
    const { auth, mints } = countingAuth(120);
    const source = new GoogleTokenSource({ auth });
    const first = await source.getIdToken("https://a.run.app");
    const second = await source.getIdToken("https://a.run.app");
    expect(second).not.toBe(first);
    expect(mints).toHaveLength(2);
  });

  test("cachedIdToken: nothing before the first mint, the token after it, nothing within 5 minutes of expiry; it never mints", async () => {
    const fresh = countingAuth(3600);
    const source = new GoogleTokenSource({ auth: fresh.auth });
    expect(source.cachedIdToken("https://a.run.app")).toBeUndefined();
    const token = await source.getIdToken("https://a.run.app");
    expect(source.cachedIdToken("https://a.run.app")).toBe(token);
    expect(source.cachedIdToken("https://b.run.app")).toBeUndefined();
    expect(fresh.mints).toEqual(["https://a.run.app"]);

    const expiring = countingAuth(120);
    const soon = new GoogleTokenSource({ auth: expiring.auth });
    await soon.getIdToken("https://a.run.app");
    expect(soon.cachedIdToken("https://a.run.app")).toBeUndefined();
  });

  test("a credential that cannot mint ID tokens gets a clear error", async () => {
    const auth = { getClient: async () => ({ getAccessToken: async () => ({ token: "ya29.x" }) }) } as unknown as GoogleAuth;
    await expect(new GoogleTokenSource({ auth }).getIdToken("https://a.run.app")).rejects.toThrow(TokenError);
  });

  test("impersonate must be a service account email", () => {
    expect(() => new GoogleTokenSource({ impersonate: "alice@example.com" })).toThrow(/impersonate: "alice@example.com" is not a service account email/);
  });

  test("an empty audience is refused with the fix", async () => {
    const { auth } = countingAuth();
    await expect(new GoogleTokenSource({ auth }).getIdToken("")).rejects.toThrow(/audience: "" is empty[\s\S]*service URL/);
  });
});

test("a token source that hangs is bounded by the same per-attempt timeout", async () => {
  const hanging = { getIdToken: () => new Promise<string>(() => undefined) };
  await expect(invoke(`${server.url}/x`, {}, { tokens: hanging, timeoutMs: 100 })).rejects.toThrow(/timed out after 0.1s getting an ID token/);
  expect(server.seen).toHaveLength(0);
});

describe("the warm path", () => {
  test("a token in hand (cachedIdToken) is used without calling getIdToken", async () => {
    let minted = 0;
    const source = {
      cachedIdToken: () => "cached-token",
      getIdToken: async () => {
        minted++;
        return "minted-token";
      },
    };
    await invoke(`${server.url}/w`, {}, { tokens: source });
    expect(minted).toBe(0);
    expect(server.seen).toEqual([{ authorization: "Bearer cached-token" }]);
  });

  test("no token in hand: getIdToken is asked, bounded by the timeout", async () => {
    const source = { cachedIdToken: () => undefined, getIdToken: async () => "minted-token" };
    await invoke(`${server.url}/w`, {}, { tokens: source });
    expect(server.seen).toEqual([{ authorization: "Bearer minted-token" }]);
  });

  test("calls without headers of their own share one frozen header object per token and mode", () => {
    const first = headersWithIdToken(undefined, "t-1", "auto");
    expect(first).toEqual({ authorization: "Bearer t-1" });
    expect(Object.isFrozen(first)).toBe(true);
    expect(headersWithIdToken(undefined, "t-1", "auto")).toBe(first);
    expect(headersWithIdToken(undefined, "t-1", "x-serverless")).toEqual({ "x-serverless-authorization": "Bearer t-1" });
    expect(headersWithIdToken(undefined, "t-2", "auto")).toEqual({ authorization: "Bearer t-2" });
  });

  test("calls with headers of their own get a new Headers with the token added", () => {
    const headers = headersWithIdToken({ authorization: "Bearer app" }, "t-1", "auto") as Headers;
    expect([...headers]).toEqual([
      ["authorization", "Bearer app"],
      ["x-serverless-authorization", "Bearer t-1"],
    ]);
    expect(headersWithIdToken({ authorization: "Bearer app" }, "t-1", "auto")).not.toBe(headers);
  });
});

describe("a url invoke() cannot call", () => {
  it.each([
    ["a relative path", "/health/", /url: "\/health\/" is not an absolute URL/],
    ["a Request (JavaScript callers)", new Request("http://127.0.0.1:1/x", { headers: { authorization: "Bearer own-secret" } }), /url: a Request is not a string or a URL/],
    ["undefined", undefined, /url: undefined is not a string or a URL/],
  ])("%s: a UsageError with the fix, no token asked for, nothing sent", async (_label, url, message) => {
    const asked: string[] = [];
    const counting = { getIdToken: async (audience: string) => (asked.push(audience), "id-token-value") };
    const error = await invoke(url as string, {}, { tokens: counting }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(message);
    expect(error.message + error.hint).not.toContain("own-secret");
    expect(asked).toEqual([]);
    expect(server.seen).toEqual([]);
  });
});
