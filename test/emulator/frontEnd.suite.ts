import { TokenIssuer, startFrontEnd, startMetadataServer, SIGNATURE_REMOVED, type FrontEnd } from "../../emulator";
import { jwtParts, startEchoApp } from "./support";

const INVOKER = "caller@proj.iam.gserviceaccount.com";
const STRANGER = "stranger@proj.iam.gserviceaccount.com";
const AUDIENCE = "https://hello-abc123-de.a.run.app";

describe("Cloud Run front end", () => {
  let issuer: TokenIssuer;
  let app: Awaited<ReturnType<typeof startEchoApp>>;
  let frontEnd: FrontEnd;
  let clockMs = Date.now();

  beforeAll(async () => {
    issuer = new TokenIssuer();
    app = await startEchoApp();
    frontEnd = await startFrontEnd({
      upstream: app.url,
      issuer,
      audiences: [AUDIENCE, "https://hello.example.com"],
      invokers: [`serviceAccount:${INVOKER}`, "user:alice@example.com", "domain:corp.example", "group:eng@example.com"],
      groups: { "eng@example.com": ["bob@example.com"] },
      propagationDelayMs: 120_000,
      now: () => clockMs,
    });
  });
  afterAll(async () => {
    await frontEnd?.close();
    await app?.close();
  });

  const idToken = (email: string, audience = AUDIENCE, extra: { issuedAt?: number; expiresInSeconds?: number } = {}): Promise<string> =>
    issuer.mintIdToken({ email, audience, ...extra });
  const call = (headers: Record<string, string>, path = "/hello?x=1", init: RequestInit = {}): Promise<Response> =>
    fetch(`${frontEnd.url}${path}`, { ...init, headers });
  const lastReceived = () => app.received[app.received.length - 1];

  test("no token: 403 with Google's 'not authenticated' page, nothing reaches the app", async () => {
    const before = app.received.length;
    const res = await call({});
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("The request was not authenticated. Either allow unauthenticated invocations or set the proper Authorization header.");
    expect(app.received.length).toBe(before);
  });

  test("invoker with Authorization: 200, the app gets method, path, query, body and the token untouched", async () => {
    const token = await idToken(INVOKER);
    const res = await call({ authorization: `Bearer ${token}`, "content-type": "text/plain" }, "/hello?x=1", { method: "POST", body: "ping" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-app")).toBe("echo");
    expect(res.headers.get("set-cookie")).toBe("a=1, b=2");
    expect(await res.json()).toEqual({ method: "POST", url: "/hello?x=1", body: "ping" });
    expect(lastReceived().headers.authorization).toBe(`Bearer ${token}`);
    expect(lastReceived().headers["x-serverless-authorization"]).toBeUndefined();
  });

  test("invoker with X-Serverless-Authorization beside the app's own Authorization: 200; signature replaced, Authorization untouched", async () => {
    const token = await idToken(INVOKER);
    const res = await call({ authorization: "Bearer app-own-token", "x-serverless-authorization": `Bearer ${token}` });
    expect(res.status).toBe(200);
    const forwarded = String(lastReceived().headers["x-serverless-authorization"]);
    expect(lastReceived().headers.authorization).toBe("Bearer app-own-token");
    const sent = jwtParts(token);
    const seen = jwtParts(forwarded.replace(/^Bearer /, ""));
    expect(seen.signature).toBe(SIGNATURE_REMOVED);
    expect(seen.header).toBe(sent.header);
    expect(seen.payload.email).toBe(INVOKER);
    expect(forwarded).not.toContain(sent.signature);
  });

  test("X-Serverless-Authorization is the only header checked: a bad one fails even beside a valid Authorization", async () => {
    const good = await idToken(INVOKER);
    const wrongAudience = await idToken(INVOKER, "https://other.a.run.app");
    const res = await call({ authorization: `Bearer ${good}`, "x-serverless-authorization": `Bearer ${wrongAudience}` });
    expect(res.status).toBe(401);
  });

  test("custom audience and the origin with a trailing slash are accepted", async () => {
    expect((await call({ authorization: `Bearer ${await idToken(INVOKER, "https://hello.example.com")}` })).status).toBe(200);
    expect((await call({ authorization: `Bearer ${await idToken(INVOKER, `${AUDIENCE}/`)}` })).status).toBe(200);
  });

  test("user:, domain: and group: members are honoured; a user email never matches serviceAccount: and vice versa", async () => {
    for (const email of ["alice@example.com", "carol@corp.example", "bob@example.com"]) {
      expect((await call({ authorization: `Bearer ${await idToken(email)}` })).status).toBe(200);
    }
    expect((await call({ authorization: `Bearer ${await idToken("caller@proj.iam.gserviceaccount.com.evil")}` })).status).toBe(403);
  });

  test("valid token of a non-invoker: 403 'does not have permission to get URL'", async () => {
    const res = await call({ authorization: `Bearer ${await idToken(STRANGER)}` }, "/secret");
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("Your client does not have permission to get URL <code>/secret</code> from this server.");
  });

  test.each([
    ["wrong audience", () => idToken(INVOKER, "https://someone-else.a.run.app"), /wrong audience/],
    ["expired", () => idToken(INVOKER, AUDIENCE, { issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresInSeconds: 3600 }), /expired/],
    ["access token", async () => issuer.mintAccessToken(INVOKER), /access token/],
    ["garbage", async () => "not-a-jwt", /malformed/],
    ["tampered signature", async () => (await idToken(INVOKER)).replace(/\.[^.]+$/, ".AAAA"), /signature/],
    ["another issuer's key", () => new TokenIssuer().mintIdToken({ email: INVOKER, audience: AUDIENCE }), /key|signature/],
  ])("%s: 401 with WWW-Authenticate, in both header modes", async (_name, makeToken, reason) => {
    const token = await makeToken();
    const modes: Record<string, string>[] = [{ authorization: `Bearer ${token}` }, { authorization: "Bearer app", "x-serverless-authorization": `Bearer ${token}` }];
    for (const headers of modes) {
      const res = await call(headers);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      const decision = frontEnd.decisions().pop()!;
      expect(decision.reason).toMatch(reason);
      expect(JSON.stringify(frontEnd.decisions())).not.toContain(token);
    }
  });

  test("a non-Bearer credential is 401", async () => {
    expect((await call({ authorization: "Basic dXNlcjpwYXNz" })).status).toBe(401);
  });

  test("invoker change takes effect only after propagationDelayMs", async () => {
    const token = await idToken(STRANGER);
    frontEnd.setInvokers([...frontEnd.invokers(), `serviceAccount:${STRANGER}`]);
    expect((await call({ authorization: `Bearer ${token}` })).status).toBe(403);
    clockMs += 119_000;
    expect((await call({ authorization: `Bearer ${token}` })).status).toBe(403);
    clockMs += 1_000;
    expect((await call({ authorization: `Bearer ${token}` })).status).toBe(200);
    expect(frontEnd.invokers()).toContain(`serviceAccount:${STRANGER}`);
    // Revoking propagates the same way.
    frontEnd.setInvokers(frontEnd.invokers().filter((m) => m !== `serviceAccount:${STRANGER}`));
    expect((await call({ authorization: `Bearer ${token}` })).status).toBe(200);
    clockMs += 120_000;
    expect((await call({ authorization: `Bearer ${token}` })).status).toBe(403);
  });

  test("app errors pass through with their status", async () => {
    const res = await call({ authorization: `Bearer ${await idToken(INVOKER)}` }, "/status/503");
    expect(res.status).toBe(503);
    expect(res.headers.get("x-app")).toBe("echo");
  });

  test("a 3 MB body goes to the app and back intact; HEAD and DELETE pass through", async () => {
    const token = await idToken(INVOKER);
    const big = "x".repeat(3 * 1024 * 1024);
    const res = await call({ authorization: `Bearer ${token}` }, "/upload", { method: "PUT", body: big });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { body: string }).body.length).toBe(big.length);
    expect((await call({ authorization: `Bearer ${token}` }, "/h", { method: "HEAD" })).status).toBe(200);
    expect((await call({ authorization: `Bearer ${token}` }, "/d", { method: "DELETE" })).status).toBe(200);
    expect(lastReceived().method).toBe("DELETE");
  });

  test("an ID token without the email claim (generateIdToken includeEmail: false) is matched through its sub", async () => {
    const withoutEmail = await issuer.mintIdToken({ email: INVOKER, audience: AUDIENCE, includeEmail: false });
    expect((await call({ authorization: `Bearer ${withoutEmail}` })).status).toBe(200);
    expect(frontEnd.decisions().pop()).toMatchObject({ status: 200, email: INVOKER });
  });

  test("an upstream with a base path keeps it in front of the request path", async () => {
    const prefixed = await startFrontEnd({ upstream: `${app.url}/base/`, issuer, audiences: [], invokers: [`serviceAccount:${INVOKER}`] });
    try {
      const token = await issuer.mintIdToken({ email: INVOKER, audience: prefixed.url });
      expect((await fetch(`${prefixed.url}/p?q=1`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect(lastReceived().url).toBe("/base/p?q=1");
    } finally {
      await prefixed.close();
    }
  });

  test("public members are refused with a message naming the value and the fix", async () => {
    expect(() => frontEnd.setInvokers(["allUsers"])).toThrow(/setInvokers\[0\]: "allUsers" would make it public/);
    await expect(startFrontEnd({ upstream: app.url, issuer, audiences: [], invokers: ["user:a@b.c", "allAuthenticatedUsers"] })).rejects.toThrow(
      /invokers\[1\]: "allAuthenticatedUsers"/,
    );
    await expect(startFrontEnd({ upstream: app.url, issuer, audiences: [], invokers: ["alice@example.com"] })).rejects.toThrow(/write it as user:EMAIL/);
  });
});

describe("Cloud Run front end defaults", () => {
  test("with the real clock, a granted invoker gets through once the delay has passed (bounded polling)", async () => {
    const issuer = new TokenIssuer();
    const app = await startEchoApp();
    const frontEnd = await startFrontEnd({ upstream: app.url, issuer, audiences: [], invokers: [], propagationDelayMs: 100 });
    try {
      const token = await issuer.mintIdToken({ email: "late@example.com", audience: frontEnd.url });
      const status = async () => (await fetch(frontEnd.url, { headers: { authorization: `Bearer ${token}` } })).status;
      expect(await status()).toBe(403);
      frontEnd.setInvokers(["user:late@example.com"]);
      const seen: number[] = [];
      for (let attempt = 0; attempt < 200 && seen[seen.length - 1] !== 200; attempt++) {
        seen.push(await status());
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(seen[seen.length - 1]).toBe(200);
      expect(seen.slice(0, -1).every((code) => code === 403)).toBe(true);
    } finally {
      await frontEnd.close();
      await app.close();
    }
  });


  test("without audiences it accepts its own URL; a dead upstream is 503", async () => {
    const issuer = new TokenIssuer();
    const frontEnd = await startFrontEnd({ upstream: "http://127.0.0.1:9", issuer, audiences: [], invokers: ["user:alice@example.com"] });
    try {
      const own = await issuer.mintIdToken({ email: "alice@example.com", audience: frontEnd.url });
      const res = await fetch(frontEnd.url, { headers: { authorization: `Bearer ${own}` } });
      expect(res.status).toBe(503);
      const other = await issuer.mintIdToken({ email: "alice@example.com", audience: "http://127.0.0.1:1" });
      expect((await fetch(frontEnd.url, { headers: { authorization: `Bearer ${other}` } })).status).toBe(401);
    } finally {
      await frontEnd.close();
    }
  });
});

describe("Cloud Run front end verifying through published keys (jwksUrl)", () => {
  test("the metadata server publishes its issuer's keys; the front end verifies with whatever that URL serves", async () => {
    const issuer = new TokenIssuer();
    const other = new TokenIssuer(); // same iss (accounts.google.com), different key
    const app = await startEchoApp();
    const metadata = await startMetadataServer({ issuer, email: INVOKER, projectId: "proj" });
    const otherMetadata = await startMetadataServer({ issuer: other, email: INVOKER, projectId: "proj" });
    // Public, like Google's certs: no Metadata-Flavor needed.
    const published = await (await fetch(metadata.certsUrl)).json();
    expect(published).toEqual(issuer.jwks());
    const viaOwnKeys = await startFrontEnd({ upstream: app.url, issuer, jwksUrl: metadata.certsUrl, audiences: [AUDIENCE], invokers: [`serviceAccount:${INVOKER}`] });
    // Same issuer object, but the URL publishes another key: proves the signature check uses the fetched keys.
    const viaOtherKeys = await startFrontEnd({ upstream: app.url, issuer, jwksUrl: otherMetadata.certsUrl, audiences: [AUDIENCE], invokers: [`serviceAccount:${INVOKER}`] });
    try {
      const token = await issuer.mintIdToken({ email: INVOKER, audience: AUDIENCE });
      const forged = await other.mintIdToken({ email: INVOKER, audience: AUDIENCE });
      const status = async (frontEnd: FrontEnd, idToken: string) => (await fetch(`${frontEnd.url}/`, { headers: { authorization: `Bearer ${idToken}` } })).status;
      expect(await status(viaOwnKeys, token)).toBe(200);
      expect(await status(viaOwnKeys, forged)).toBe(401);
      expect(viaOwnKeys.decisions().pop()?.reason).toBe("ID token rejected: signed by an unknown key (kid)");
      expect(await status(viaOtherKeys, token)).toBe(401);
    } finally {
      await Promise.all([viaOwnKeys.close(), viaOtherKeys.close(), metadata.close(), otherMetadata.close(), app.close()]);
    }
  });
});
