import { SignJWT, decodeJwt, decodeProtectedHeader } from "jose";
import { TokenIssuer, uniqueIdFor, startEmulator, googleApisRedirect, membersInclude } from "../../emulator";
import { newSigningKeyPair } from "../../emulator/keys";

describe("TokenIssuer", () => {
  const issuer = new TokenIssuer();

  test("mints RS256 ID tokens with Google's claims and its kid", async () => {
    const token = await issuer.mintIdToken({ email: "sa@p.iam.gserviceaccount.com", audience: "https://svc" });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", kid: issuer.keyId, typ: "JWT" });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: "https://accounts.google.com",
      aud: "https://svc",
      email: "sa@p.iam.gserviceaccount.com",
      email_verified: true,
      sub: uniqueIdFor("sa@p.iam.gserviceaccount.com"),
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
    expect(issuer.jwks().keys).toEqual([expect.objectContaining({ kid: issuer.keyId, alg: "RS256", kty: "RSA", use: "sig" })]);
    expect(issuer.jwks().keys[0]).not.toHaveProperty("d");
  });

  test("verifyIdToken checks aud, exp, iat, iss and the signature, with messages free of the token", async () => {
    const email = "a@example.com";
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, Promise<string>, string[], RegExp][] = [
      ["wrong aud", issuer.mintIdToken({ email, audience: "x" }), ["y"], /wrong audience/],
      ["expired", issuer.mintIdToken({ email, audience: "x", issuedAt: now - 4000 }), ["x"], /expired/],
      ["future iat", issuer.mintIdToken({ email, audience: "x", issuedAt: now + 600 }), ["x"], /future|iat/],
      ["other issuer", new TokenIssuer({ issuer: "https://evil.example" }).mintIdToken({ email, audience: "x" }), ["x"], /key|signature|issuer/],
    ];
    for (const [, tokenPromise, audiences, reason] of cases) {
      const token = await tokenPromise;
      const error = await issuer.verifyIdToken(token, { audiences }).then(
        () => new Error("accepted"),
        (e: Error) => e,
      );
      expect(error.message).toMatch(reason);
      expect(error.message).not.toContain(token.split(".")[1]);
    }
    const valid = await issuer.verifyIdToken(await issuer.mintIdToken({ email, audience: "x" }), { audiences: ["x"] });
    expect(valid.email).toBe(email);
  });

  test("a token carrying the issuer's own kid but signed with another key is refused (bad signature)", async () => {
    const victim = new TokenIssuer();
    // Drawn right after the issuer's own: another key, fresh or from jest's pool (test/support/keyPool.ts).
    const { privateKey: otherKey } = newSigningKeyPair();
    const email = "a@example.com";
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ email, email_verified: true })
      .setProtectedHeader({ alg: "RS256", kid: victim.keyId, typ: "JWT" })
      .setIssuer(victim.issuer)
      .setAudience("x")
      .setSubject(uniqueIdFor(email))
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(otherKey);
    await expect(victim.verifyIdToken(forged, { audiences: ["x"] })).rejects.toThrow("ID token rejected: bad signature");
  });

  test("a different issuer string is enforced", async () => {
    const local = new TokenIssuer({ issuer: "https://issuer.local" });
    const token = await local.mintIdToken({ email: "a@example.com", audience: "x" });
    expect((await local.verifyIdToken(token, { audiences: ["x"] })).iss).toBe("https://issuer.local");
  });

  test("access tokens: ya29-prefixed, remembered, unknown ones are undefined", () => {
    const token = issuer.mintAccessToken("a@example.com", { expiresInSeconds: 60 });
    expect(token).toMatch(/^ya29\./);
    expect(issuer.identityForAccessToken(token)).toBe("a@example.com");
    expect(issuer.identityForAccessToken("ya29.never-minted")).toBeUndefined();
    const expired = issuer.mintAccessToken("a@example.com", { expiresInSeconds: 0 });
    expect(issuer.identityForAccessToken(expired)).toBeUndefined();
  });

  test("tokens without the email claim still map back to the account through sub", async () => {
    const token = await issuer.mintIdToken({ email: "b@p.iam.gserviceaccount.com", audience: "x", includeEmail: false });
    const claims = decodeJwt(token);
    expect(claims.email).toBeUndefined();
    expect(issuer.emailForSubject(claims.sub as string)).toBe("b@p.iam.gserviceaccount.com");
  });
});

describe("membersInclude", () => {
  test.each([
    [["serviceAccount:sa@p.iam.gserviceaccount.com"], "SA@p.iam.gserviceaccount.com", true],
    [["user:sa@p.iam.gserviceaccount.com"], "sa@p.iam.gserviceaccount.com", false],
    [["serviceAccount:alice@example.com"], "alice@example.com", false],
    [["domain:example.com"], "alice@example.com", true],
    [["domain:example.com"], "alice@example.com.evil", false],
    [["domain:example.com"], "sa@example.com.iam.gserviceaccount.com", false],
    [["group:eng@example.com"], "bob@example.com", true],
    [["group:eng@example.com"], "eve@example.com", false],
  ])("%j includes %s: %s", (members, email, expected) => {
    expect(membersInclude(members, email, { "eng@example.com": ["bob@example.com"] })).toBe(expected);
  });
});

describe("googleApisRedirect", () => {
  test("rewrites Google API hosts only, keeping path and query", async () => {
    const { resolved } = googleApisRedirect("http://127.0.0.1:1234");
    expect((await resolved({ url: "https://oauth2.googleapis.com/token?x=1" })).url).toBe("http://127.0.0.1:1234/token?x=1");
    const asUrl = await resolved({ url: new URL("https://run.googleapis.com/v2/projects/p/locations/r/jobs/j:run") });
    expect(String(asUrl.url)).toBe("http://127.0.0.1:1234/v2/projects/p/locations/r/jobs/j:run");
    expect((await resolved({ url: "https://hello-x.a.run.app/" })).url).toBe("https://hello-x.a.run.app/");
  });
});

describe("startEmulator", () => {
  test("starts every piece on 127.0.0.1 with one issuer, and closes them all", async () => {
    const emulator = await startEmulator({ upstream: "http://127.0.0.1:9", invokers: ["user:alice@example.com"] });
    const urls = [emulator.metadata.url, emulator.googleApis.url, emulator.frontEnd!.url];
    try {
      expect(urls.every((url) => /^http:\/\/127\.0\.0\.1:\d+$/.test(url))).toBe(true);
      expect(emulator.env).toEqual({
        GCE_METADATA_HOST: emulator.metadata.host,
        METADATA_SERVER_DETECTION: "assume-present",
        EMULATOR_GOOGLE_APIS_URL: emulator.googleApis.url,
        PCR_RUN_API: emulator.googleApis.url,
        PCR_IAM_CREDENTIALS_ENDPOINT: emulator.googleApis.url,
        EMULATOR_SERVICE_URL: emulator.frontEnd!.url,
      });
      const jwks = (await (await fetch(`${emulator.googleApis.url}/oauth2/v3/certs`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys[0].kid).toBe(emulator.issuer.keyId);
      expect(emulator.frontEnd!.invokers()).toEqual(["user:alice@example.com"]);
    } finally {
      await emulator.close();
    }
    for (const url of urls) await expect(fetch(url)).rejects.toThrow();
  });

  test("a bad invoker fails the start and leaves no server running", async () => {
    const listening = () => process.getActiveResourcesInfo().filter((kind) => kind === "TCPServerWrap").length;
    const before = listening();
    await expect(startEmulator({ upstream: "http://127.0.0.1:9", invokers: ["allUsers"] })).rejects.toThrow(/"allUsers" would make it public/);
    // Node drops a closed server's handle from its resource list a tick after close() resolves: wait a bounded while.
    for (let tick = 0; tick < 100 && listening() !== before; tick++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(listening()).toBe(before);
  });
});
