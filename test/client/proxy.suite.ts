/**
 * `startProxy` as an attacker sees it: a local port that adds the caller's ID token.
 * Raw bytes on a socket (fetch and curl normalise what an attacker would not), a
 * real upstream that records what reached it, and a second server ("other") that
 * stands for any host the attacker would like the token sent to.
 */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { startProxy, type RunningProxy } from "../../client/proxy";
import { isOriginForm, ownHostValues } from "../../client/proxyGuard";
import { StaticTokenSource } from "../../client/idTokens";
import { expectNoTokenText } from "./support";

const ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL3Byb3h5LXRlc3QifQ.c2lnbmF0dXJlLW9mLXRoZS1wcm94eS10ZXN0LXRva2Vu";

interface Seen {
  url: string;
  authorization?: string;
}

/** A server that records every request and answers 200 with its name. */
async function recordingServer(name: string, host: string) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? "", authorization: req.headers.authorization });
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends `request` as raw bytes and returns the response's status code (0 if the connection closed without one). */
function rawStatus(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
      const match = /^HTTP\/1\.[01] (\d{3}) /.exec(received);
      if (match) {
        resolve(Number(match[1]));
        socket.destroy();
      }
    });
    socket.on("close", () => resolve(0));
    socket.on("error", (error) => (received ? resolve(0) : reject(error)));
    socket.write(request);
  });
}

let upstream: Awaited<ReturnType<typeof recordingServer>>;
let other: Awaited<ReturnType<typeof recordingServer>>;
let proxy: RunningProxy;
let proxyPort: number;
const lines: string[] = [];

beforeAll(async () => {
  upstream = await recordingServer("upstream", "127.0.0.1");
  // "::" takes IPv4 and IPv6, so an attack spelled with [::1] would reach it too.
  other = await recordingServer("other", "::");
  proxy = await startProxy({ url: `http://127.0.0.1:${upstream.port}`, tokens: new StaticTokenSource({ idToken: ID_TOKEN }), port: 0, log: (line) => lines.push(line) });
  proxyPort = Number(new URL(proxy.url).port);
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([upstream?.close(), other?.close()]);
});

beforeEach(() => {
  upstream.seen.length = 0;
  other.seen.length = 0;
  lines.length = 0;
});

const own = () => `127.0.0.1:${proxyPort}`;
const O = () => other.port;

describe("request targets other than a single-slash path are refused, and nothing is forwarded", () => {
  // [what it is, the request line's target or whole first line]
  const targets: [string, () => string][] = [
    ["scheme-relative path", () => `GET //127.0.0.1:${O()}/x`],
    ["scheme-relative with three slashes", () => `GET ///127.0.0.1:${O()}/x`],
    ["backslash after the slash", () => `GET /\\127.0.0.1:${O()}/x`],
    ["slash-backslash-backslash", () => `GET /\\\\127.0.0.1:${O()}/x`],
    ["absolute-form to another host", () => `GET http://127.0.0.1:${O()}/x`],
    ["absolute-form to the proxy's own address", () => `GET http://${own()}/x`],
    ["absolute-form with userinfo", () => `GET http://user@127.0.0.1:${O()}/x`],
    ["https absolute-form", () => `GET https://127.0.0.1:${O()}/x`],
    ["scheme-relative IPv6 loopback", () => `GET //[::1]:${O()}/x`],
    ["scheme-relative localhost", () => `GET //localhost:${O()}/x`],
    ["scheme-relative short IPv4 (127.1)", () => `GET //127.1:${O()}/x`],
    ["scheme-relative hex IPv4", () => `GET //0x7f000001:${O()}/x`],
    ["scheme-relative decimal IPv4", () => `GET //2130706433:${O()}/x`],
    ["scheme-relative with a trailing-dot host", () => `GET //localhost.:${O()}/x`],
    ["OPTIONS asterisk-form", () => "OPTIONS *"],
    ["POST scheme-relative", () => `POST //127.0.0.1:${O()}/x`],
  ];

  test.each(targets)("%s → 4xx", async (_what, line) => {
    const status = await rawStatus(proxyPort, `${line()} HTTP/1.1\r\nHost: ${own()}\r\nContent-Length: 0\r\n\r\n`);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(other.seen).toEqual([]);
    expect(upstream.seen).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/^refused /)]);
    expectNoTokenText(lines.join("\n"), [ID_TOKEN]);
  });

  test("CONNECT (authority-form) → 405, no tunnel opened", async () => {
    const status = await rawStatus(proxyPort, `CONNECT 127.0.0.1:${O()} HTTP/1.1\r\nHost: 127.0.0.1:${O()}\r\n\r\n`);
    expect(status).toBe(405);
    expect(other.seen).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/^refused CONNECT /)]);
  });
});

describe("percent-encoded and userinfo-looking paths stay paths on the upstream origin", () => {
  test.each([
    ["encoded double slash", () => `/%2F%2F127.0.0.1:${O()}/x`],
    ["encoded backslash", () => `/%5C127.0.0.1:${O()}/x`],
    ["an @ in the first segment", () => `/@127.0.0.1:${O()}/x`],
    ["a dot segment", () => `/a/../x?y=1`],
  ])("%s is forwarded, verbatim, to the upstream only", async (_what, path) => {
    const status = await rawStatus(proxyPort, `GET ${path()} HTTP/1.1\r\nHost: ${own()}\r\n\r\n`);
    expect(status).toBe(200);
    expect(other.seen).toEqual([]);
    expect(upstream.seen).toEqual([{ url: path(), authorization: `Bearer ${ID_TOKEN}` }]);
  });
});

describe("Host must be the proxy's own listen address (DNS rebinding)", () => {
  test.each([
    ["another name on the same port", () => `evil.example:${proxyPort}`],
    ["another name, no port", () => "evil.example"],
    ["localhost with a trailing dot", () => `localhost.:${proxyPort}`],
    ["127.0.0.1 with a trailing dot", () => `127.0.0.1.:${proxyPort}`],
    ["the right address, another port", () => `127.0.0.1:${O()}`],
    ["the right address, no port", () => "127.0.0.1"],
    ["IPv6 loopback (the proxy listens on IPv4)", () => `[::1]:${proxyPort}`],
    ["a short IPv4 spelling", () => `127.1:${proxyPort}`],
    ["userinfo in Host", () => `evil@127.0.0.1:${proxyPort}`],
  ])("%s → 4xx, nothing forwarded", async (_what, host) => {
    const status = await rawStatus(proxyPort, `GET /x HTTP/1.1\r\nHost: ${host()}\r\n\r\n`);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(upstream.seen).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/^refused GET /)]);
  });

  test("no Host at all (HTTP/1.0) → 4xx", async () => {
    expect(await rawStatus(proxyPort, "GET /x HTTP/1.0\r\n\r\n")).toBe(421);
    expect(upstream.seen).toEqual([]);
  });

  test("two Host headers, the first one right → 400", async () => {
    expect(await rawStatus(proxyPort, `GET /x HTTP/1.1\r\nHost: ${own()}\r\nHost: evil.example\r\n\r\n`)).toBe(400);
    expect(upstream.seen).toEqual([]);
  });

  test.each([() => own(), () => `localhost:${proxyPort}`, () => `LocalHost:${proxyPort}`])("Host %# (the listen address, or localhost on its port) is forwarded", async (host) => {
    expect(await rawStatus(proxyPort, `GET /ok HTTP/1.1\r\nHost: ${host()}\r\n\r\n`)).toBe(200);
    expect(upstream.seen).toEqual([{ url: "/ok", authorization: `Bearer ${ID_TOKEN}` }]);
  });
});

describe("requests another web site's page makes", () => {
  test("Sec-Fetch-Site: cross-site (an <img>, form or fetch on another site) → 403, nothing forwarded", async () => {
    const status = await rawStatus(proxyPort, `GET /x HTTP/1.1\r\nHost: ${own()}\r\nSec-Fetch-Site: cross-site\r\n\r\n`);
    expect(status).toBe(403);
    expect(upstream.seen).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/^refused GET "\/x".*another site/)]);
  });

  test.each(["none", "same-origin"])("Sec-Fetch-Site: %s (typed in the address bar, or the proxied app's own page) is forwarded", async (site) => {
    expect(await rawStatus(proxyPort, `GET /x HTTP/1.1\r\nHost: ${own()}\r\nSec-Fetch-Site: ${site}\r\n\r\n`)).toBe(200);
    expect(upstream.seen).toHaveLength(1);
  });
});

describe("the guard's tables", () => {
  test.each([
    ["/", true],
    ["/a/b?c=d", true],
    ["/%2F%2Fhost", true],
    ["//host/x", false],
    ["/\\host/x", false],
    ["http://host/x", false],
    ["*", false],
    ["", false],
    ["host:443", false],
  ])("isOriginForm(%j) is %s", (target, expected) => {
    expect(isOriginForm(target)).toBe(expected);
  });

  test("own Host values: the listen address and localhost, with the port; bare names only on port 80", () => {
    expect([...ownHostValues("127.0.0.1", 8080)]).toEqual(["127.0.0.1:8080", "localhost:8080"]);
    expect([...ownHostValues("::1", 8080)]).toEqual(["[::1]:8080", "localhost:8080"]);
    expect([...ownHostValues("localhost", 80)]).toEqual(["localhost:80", "localhost", "127.0.0.1:80", "127.0.0.1", "[::1]:80", "[::1]"]);
  });

  test("a proxy on ::1 answers Host [::1]:PORT", async () => {
    const v6 = await startProxy({ url: `http://127.0.0.1:${upstream.port}`, tokens: new StaticTokenSource({ idToken: ID_TOKEN }), port: 0, host: "::1" });
    try {
      expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await fetch(`${v6.url}/v6`)).status).toBe(200);
      expect(upstream.seen).toEqual([{ url: "/v6", authorization: `Bearer ${ID_TOKEN}` }]);
    } finally {
      await v6.close();
    }
  });
});

describe("startProxy's own inputs", () => {
  test.each(["0.0.0.0", "::", "192.0.2.10"])("host %s (reachable from other machines) is refused", async (host) => {
    await expect(startProxy({ url: "http://127.0.0.1:9", tokens: new StaticTokenSource({ idToken: ID_TOKEN }), port: 0, host })).rejects.toThrow(/host: ".*" is not a loopback address/);
  });
});

describe("upstream failures", () => {
  test("an upstream that refuses connections → 502 for each request, and the proxy keeps serving", async () => {
    const closed = await recordingServer("closed", "127.0.0.1");
    await closed.close();
    const log: string[] = [];
    const dead = await startProxy({ url: `http://127.0.0.1:${closed.port}`, tokens: new StaticTokenSource({ idToken: ID_TOKEN }), port: 0, log: (line) => log.push(line) });
    try {
      const withBody = await fetch(`${dead.url}/a`, { method: "POST", body: "hello" });
      expect([withBody.status, await withBody.text()]).toEqual([502, expect.stringMatching(/ECONNREFUSED/)]);
      const again = await fetch(`${dead.url}/b`);
      expect(again.status).toBe(502);
      expect(log).toEqual([expect.stringMatching(/^POST \/a → proxy error: .*ECONNREFUSED/), expect.stringMatching(/^GET \/b → proxy error: .*ECONNREFUSED/)]);
    } finally {
      await dead.close();
    }
  });
});

describe("the forwarded request is bounded", () => {
  test("an upstream that never answers → 504 after requestTimeoutMs, logged without the token", async () => {
    const hung = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    const log: string[] = [];
    const bounded = await startProxy({
      url: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`,
      tokens: new StaticTokenSource({ idToken: ID_TOKEN }),
      port: 0,
      requestTimeoutMs: 200,
      log: (line) => log.push(line),
    });
    try {
      const response = await fetch(`${bounded.url}/slow`);
      expect(response.status).toBe(504);
      expect(await response.text()).toMatch(/no answer from the service within 0\.2s/);
      expect(log).toEqual([expect.stringMatching(/^GET \/slow → proxy error: no answer from the service within 0\.2s/)]);
      expectNoTokenText(log.join("\n"), [ID_TOKEN]);
    } finally {
      await bounded.close();
      hung.closeAllConnections();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  });
});
