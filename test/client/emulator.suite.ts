/**
 * The library against the emulator: google-auth-library's real metadata-server
 * path (GCE_METADATA_HOST), a service-account key, an authorized_user, impersonation
 * through IAM Credentials, and the Cloud Run front end's rules.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { GoogleAuth } from "google-auth-library";
import { startEmulator, startFrontEnd, googleApisRedirect, SIGNATURE_REMOVED } from "../../emulator";
import type { Emulator, FrontEnd, GoogleApis, MetadataServer, TokenIssuer } from "../../emulator";
import { GoogleTokenSource, StaticTokenSource, invoke, checkService, InvokeError, TokenError, startProxy } from "../../client";
import { expectNoTokenText, letGaxiosUseNativeFetch, payloadOf, startCountingForwarder, startEchoApp, useMetadataServerCredentials } from "./support";

const PROJECT = "client-test";
const RUNNER = `runner@${PROJECT}.iam.gserviceaccount.com`;
const KEY_SA = `key-holder@${PROJECT}.iam.gserviceaccount.com`;
const TARGET_SA = `smoke@${PROJECT}.iam.gserviceaccount.com`;
const STRANGER = `stranger@${PROJECT}.iam.gserviceaccount.com`;
const USER = "alice@example.com";

let emulator: Emulator;
let issuer: TokenIssuer;
let app: Awaited<ReturnType<typeof startEchoApp>>;
let metadata: MetadataServer;
let apis: GoogleApis;
let frontEnd: FrontEnd;
let tmp: string;
const savedEnv = { ...process.env };
/** Every token a test handled directly, checked against every error text. */
const knownTokens: string[] = [];

beforeAll(async () => {
  letGaxiosUseNativeFetch();
  tmp = await mkdtemp(path.join(os.tmpdir(), "pcr-client-"));
  app = await startEchoApp();
  emulator = await startEmulator({
    upstream: app.url,
    email: RUNNER,
    projectId: PROJECT,
    audiences: [],
    invokers: [`serviceAccount:${RUNNER}`, `serviceAccount:${KEY_SA}`, `serviceAccount:${TARGET_SA}`, `user:${USER}`],
  });
  ({ issuer, metadata, googleApis: apis } = emulator);
  frontEnd = emulator.frontEnd!;
  useMetadataServerCredentials(metadata.host, PROJECT, tmp);
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([emulator?.close(), app?.close()]);
  await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  app.received.length = 0;
});

/**
 * A GoogleAuth on a service-account key FILE (as GOOGLE_APPLICATION_CREDENTIALS
 * would name), its hard-coded Google URLs (oauth2.googleapis.com/token) sent to the emulator.
 */
async function keyFileAuth(email: string): Promise<GoogleAuth> {
  const keyFilename = path.join(tmp, `${email}.json`);
  await writeFile(keyFilename, JSON.stringify(apis.createServiceAccountKey(email, PROJECT)), { mode: 0o600 });
  const auth = new GoogleAuth({ keyFilename, scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  const client = await auth.getClient();
  client.transporter.interceptors.request.add(googleApisRedirect(apis.url));
  return auth;
}

async function refusal(promise: Promise<unknown>): Promise<InvokeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvokeError);
  const invokeError = error as InvokeError;
  expectNoTokenText(`${invokeError.message}\n${invokeError.stack}\n${JSON.stringify(invokeError)}`, knownTokens);
  return invokeError;
}

describe("metadata server (GCE_METADATA_HOST) through google-auth-library", () => {
  const tokens = () => new GoogleTokenSource();

  test("Authorization mode: 200, and the app receives the verified ID token", async () => {
    const response = await invoke(`${frontEnd.url}/health/`, {}, { tokens: tokens(), headerMode: "authorization" });
    expect(response.status).toBe(200);
    const [seen] = app.received;
    expect(seen.path).toBe("/health/");
    expect(seen.xServerless).toBeUndefined();
    expect(payloadOf(seen.authorization)).toMatchObject({ email: RUNNER, aud: frontEnd.url });
  });

  test("auto mode beside the app's own Authorization: X-Serverless-Authorization, signature removed, Authorization untouched", async () => {
    const response = await invoke(`${frontEnd.url}/api`, { headers: { authorization: "Bearer app-session-123" } }, { tokens: tokens() });
    expect(response.status).toBe(200);
    const [seen] = app.received;
    expect(seen.authorization).toBe("Bearer app-session-123");
    expect(seen.xServerless?.split(".")[2]).toBe(SIGNATURE_REMOVED);
    expect(payloadOf(seen.xServerless)).toMatchObject({ email: RUNNER });
  });

  test("x-serverless mode without an app Authorization: 200; the app gets only X-Serverless-Authorization, signature removed", async () => {
    const response = await invoke(`${frontEnd.url}/xs`, {}, { tokens: tokens(), headerMode: "x-serverless" });
    expect(response.status).toBe(200);
    const [seen] = app.received;
    expect(seen.authorization).toBeUndefined();
    expect(seen.xServerless?.split(".")[2]).toBe(SIGNATURE_REMOVED);
    expect(payloadOf(seen.xServerless)).toMatchObject({ email: RUNNER, aud: frontEnd.url });
  });

  test("1,000 invokes fetch one ID token from the metadata server", async () => {
    const counter = await startCountingForwarder(metadata.url);
    process.env.GCE_METADATA_HOST = counter.host;
    try {
      const source = new GoogleTokenSource();
      for (let batch = 0; batch < 20; batch++) {
        const responses = await Promise.all(Array.from({ length: 50 }, () => invoke(`${frontEnd.url}/n`, {}, { tokens: source })));
        await Promise.all(responses.map((r) => r.body?.cancel()));
        expect(responses.every((r) => r.status === 200)).toBe(true);
      }
      expect(app.received).toHaveLength(1000);
      expect(counter.counts.identity).toBe(1);
    } finally {
      process.env.GCE_METADATA_HOST = metadata.host;
      await counter.close();
    }
  });

  test("wrong audience: 401 at once, with the audience in the hint", async () => {
    const error = await refusal(invoke(`${frontEnd.url}/`, {}, { tokens: tokens(), audience: "https://not-this-service.a.run.app", retry: { retryForbidden: true } }));
    expect(error.status).toBe(401);
    expect(error.attempts).toBe(1);
    expect(error.hint).toMatch(/wrong audience: the token's aud is "https:\/\/not-this-service.a.run.app", not this service's URL "http:\/\/127.0.0.1:\d+"/);
  });
});

describe("the front end's refusals, explained", () => {
  test("anonymous: 403 'not authenticated'", async () => {
    const response = await fetch(`${frontEnd.url}/health/`);
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/not authenticated/);
    expect(app.received).toHaveLength(0);
  });

  test("a valid token of a non-invoker: 403 with the member to grant", async () => {
    const token = await issuer.mintIdToken({ email: STRANGER, audience: frontEnd.url });
    knownTokens.push(token);
    const error = await refusal(invoke(`${frontEnd.url}/`, {}, { tokens: new StaticTokenSource({ idToken: token }) }));
    expect(error.status).toBe(403);
    expect(error.hint).toContain(`add serviceAccount:${STRANGER} to the service's invokers`);
  });

  test("an expired token: 401, 'expired'", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.mintIdToken({ email: RUNNER, audience: frontEnd.url, issuedAt: now - 7200, expiresInSeconds: 3600 });
    knownTokens.push(token);
    const error = await refusal(invoke(`${frontEnd.url}/`, {}, { tokens: new StaticTokenSource({ idToken: token }) }));
    expect(error.status).toBe(401);
    expect(error.hint).toMatch(/expired at/);
  });

  test("an access token: 401, 'access token'", async () => {
    const token = issuer.mintAccessToken(RUNNER);
    knownTokens.push(token);
    const error = await refusal(invoke(`${frontEnd.url}/`, {}, { tokens: new StaticTokenSource({ idToken: token }) }));
    expect(error.status).toBe(401);
    expect(error.hint).toMatch(/OAuth access token was sent/);
  });
});

describe("other credentials", () => {
  test("a service-account key mints ID tokens for its own identity", async () => {
    const response = await invoke(`${frontEnd.url}/k`, {}, { tokens: new GoogleTokenSource({ auth: await keyFileAuth(KEY_SA) }) });
    expect(response.status).toBe(200);
    expect(payloadOf(app.received[0].authorization)).toMatchObject({ email: KEY_SA, aud: frontEnd.url });
  });

  test("impersonate: the key holder mints as another service account through IAM Credentials", async () => {
    const source = new GoogleTokenSource({ auth: await keyFileAuth(KEY_SA), impersonate: TARGET_SA, iamCredentialsEndpoint: apis.url });
    expect((await invoke(`${frontEnd.url}/i`, {}, { tokens: source })).status).toBe(200);
    expect(payloadOf(app.received[0].authorization)).toMatchObject({ email: TARGET_SA, aud: frontEnd.url });
  });

  test("impersonation without Token Creator: a TokenError that says which role to grant", async () => {
    apis.setTokenCreators({ [TARGET_SA]: [`serviceAccount:${RUNNER}`] });
    try {
      const source = new GoogleTokenSource({ auth: await keyFileAuth(KEY_SA), impersonate: TARGET_SA, iamCredentialsEndpoint: apis.url });
      const error = await source.getIdToken(frontEnd.url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenError);
      expect((error as TokenError).hint).toMatch(`roles/iam.serviceAccountTokenCreator on ${TARGET_SA}`);
      expectNoTokenText(`${(error as Error).message}${(error as Error).stack}${JSON.stringify(error)}`);
    } finally {
      apis.setTokenCreators(undefined);
    }
  });

  test("authorized_user (gcloud ADC): the user's token is accepted for a user invoker", async () => {
    const auth = new GoogleAuth({ credentials: apis.createAuthorizedUser(USER) });
    (await auth.getClient()).transporter.interceptors.request.add(googleApisRedirect(apis.url));
    expect((await invoke(`${frontEnd.url}/u`, {}, { tokens: new GoogleTokenSource({ auth }) })).status).toBe(200);
    expect(payloadOf(app.received[0].authorization)).toMatchObject({ email: USER });
  });

  test("external_account without a service account to impersonate: a clear error with the fix", async () => {
    const subjectToken = path.join(tmp, "oidc-token");
    await writeFile(subjectToken, "subject-token");
    const auth = new GoogleAuth({
      credentials: {
        type: "external_account",
        audience: "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh",
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        token_url: "https://sts.googleapis.com/v1/token",
        credential_source: { file: subjectToken },
      } as never,
    });
    const error = await new GoogleTokenSource({ auth }).getIdToken(frontEnd.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect((error as Error).message).toMatch(/external_account\) credentials cannot mint Google ID tokens[\s\S]*--service-account=SA_EMAIL/);
  });

  describe("external_account naming a service account (workload identity federation)", () => {
    // The emulator has no STS: a stub exchanges the subject token for a federated access token.
    const FEDERATED = "repo-subject@federated.example.com";
    let sts: http.Server;
    let auth: GoogleAuth;

    beforeAll(async () => {
      sts = http.createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ access_token: issuer.mintAccessToken(FEDERATED), issued_token_type: "urn:ietf:params:oauth:token-type:access_token", token_type: "Bearer", expires_in: 3600 }));
      });
      await new Promise<void>((resolve) => sts.listen(0, "127.0.0.1", resolve));
      const subjectToken = path.join(tmp, "oidc-token-2");
      await writeFile(subjectToken, "subject-token");
      auth = new GoogleAuth({
        credentials: {
          type: "external_account",
          audience: "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh",
          subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
          token_url: `http://127.0.0.1:${(sts.address() as AddressInfo).port}/v1/token`,
          service_account_impersonation_url: `${apis.url}/v1/projects/-/serviceAccounts/${TARGET_SA}:generateAccessToken`,
          credential_source: { file: subjectToken },
        } as never,
        scopes: ["https://www.googleapis.com/auth/cloud-platform"],
      });
    });

    afterAll(async () => {
      apis.setTokenCreators(undefined);
      sts.closeAllConnections();
      await new Promise<void>((resolve) => sts.close(() => resolve()));
    });

    test("ID tokens through Impersonated + fetchIdToken, as the service account", async () => {
      // As bootstrap grants: Workload Identity User for the federated principal, OpenID Token Creator for the SA on itself.
      apis.setTokenCreators({ [TARGET_SA]: [`user:${FEDERATED}`, `serviceAccount:${TARGET_SA}`] });
      const source = new GoogleTokenSource({ auth, iamCredentialsEndpoint: apis.url });
      expect((await invoke(`${frontEnd.url}/wif`, {}, { tokens: source })).status).toBe(200);
      expect(payloadOf(app.received[0].authorization)).toMatchObject({ email: TARGET_SA, aud: frontEnd.url });
    });

    test("without OpenID Token Creator on itself: the error names the role and the command", async () => {
      apis.setTokenCreators({ [TARGET_SA]: [`user:${FEDERATED}`] });
      const error = await new GoogleTokenSource({ auth, iamCredentialsEndpoint: apis.url }).getIdToken(frontEnd.url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenError);
      expect((error as TokenError).hint).toContain(`grant ${TARGET_SA} roles/iam.serviceAccountOpenIdTokenCreator on itself`);
      expectNoTokenText(`${(error as Error).message}${(error as Error).stack}${JSON.stringify(error)}`);
    });
  });
});

describe("IAM propagation window (checkService)", () => {
  test("an invoker granted after a delay passes inside the window", async () => {
    // The front end's clock is ours: the grant takes effect when the test says
    // "10 minutes later", after the smoke check has seen a few 403s. No timing races.
    let skewMs = 0;
    const delayed = await startFrontEnd({ upstream: app.url, issuer, audiences: [], invokers: [`user:${USER}`], propagationDelayMs: 600_000, now: () => Date.now() + skewMs });
    try {
      delayed.setInvokers([`user:${USER}`, `serviceAccount:${RUNNER}`]);
      const seen: (number | undefined)[] = [];
      const report = await checkService(
        { name: "delayed", url: delayed.url, audience: delayed.url, path: "/health/", ingress: "all" },
        {
          tokens: new GoogleTokenSource(),
          propagationTimeoutMs: 60_000,
          baseDelayMs: 50,
          maxDelayMs: 200,
          headerMode: "authorization",
          onProgress: (event) => {
            if (event.check !== "authorization-header") return;
            seen.push(event.status);
            if (seen.length === 3) skewMs = 600_000;
          },
        },
      );
      expect(seen).toEqual([403, 403, 403, 200]);
      expect(report.passed).toBe(true);
      expect(report.caller).toBe(RUNNER);
      expect(report.checks.find((c) => c.check === "authorization-header")).toMatchObject({ passed: true, status: 200, attempts: 4 });
    } finally {
      await delayed.close();
    }
  });

  test("never granted: fails at the bound with what to grant", async () => {
    const locked = await startFrontEnd({ upstream: app.url, issuer, audiences: [], invokers: [`user:${USER}`] });
    try {
      const report = await checkService(
        { name: "locked", url: locked.url, audience: locked.url, path: "/health/", ingress: "all" },
        { tokens: new GoogleTokenSource(), propagationTimeoutMs: 500, baseDelayMs: 50, maxDelayMs: 100 },
      );
      expect(report.passed).toBe(false);
      expect(report.checks.map((c) => [c.check, c.passed])).toEqual([
        ["anonymous-is-refused", true],
        ["authorization-header", false],
        ["x-serverless-authorization-header", false],
      ]);
      const failed = report.checks[1];
      expect(failed.status).toBe(403);
      expect(failed.attempts).toBeGreaterThan(1);
      expect(failed.message).toMatch(/403 from .* after \d+ attempt\(s\)/);
      expect(failed.hint).toContain(`add serviceAccount:${RUNNER} to the service's invokers (roles/run.invoker)`);
      // It kept trying for the whole window before giving up (a lower bound, not a timing race);
      // that it stopped at all is the test finishing.
      expect(failed.elapsedMs).toBeGreaterThanOrEqual(500);
      expectNoTokenText(JSON.stringify(report), knownTokens);
    } finally {
      await locked.close();
    }
  });

  test("401 fails fast even inside the propagation window", async () => {
    const report = await checkService(
      { name: "wrong-aud", url: frontEnd.url, audience: "https://elsewhere.a.run.app", path: "/", ingress: "all" },
      { tokens: new GoogleTokenSource(), propagationTimeoutMs: 600_000, headerMode: "x-serverless" },
    );
    expect(report.passed).toBe(false);
    expect(report.checks[1]).toMatchObject({ check: "x-serverless-authorization-header", passed: false, status: 401, attempts: 1 });
    expect(report.checks[1].hint).toMatch(/wrong audience/);
  });
});

describe("startProxy", () => {
  test("logs a refusal with what to do: 403 → invoker grant, 401 → audience; never the token", async () => {
    const stranger = await issuer.mintIdToken({ email: STRANGER, audience: frontEnd.url });
    const wrongAudience = await issuer.mintIdToken({ email: RUNNER, audience: "https://elsewhere.a.run.app" });
    knownTokens.push(stranger, wrongAudience);
    const lines: string[] = [];
    for (const idToken of [stranger, wrongAudience]) {
      const proxy = await startProxy({ url: frontEnd.url, tokens: new StaticTokenSource({ idToken }), port: 0, log: (line) => lines.push(line) });
      try {
        await (await fetch(`${proxy.url}/r`)).body?.cancel();
      } finally {
        await proxy.close();
      }
    }
    expect(lines).toEqual([expect.stringMatching(/^GET \/r → 403 \(probably not an invoker: grant roles\/run\.invoker/), expect.stringMatching(/^GET \/r → 401 \(Cloud Run rejected the ID token: check --audience/)]);
    expectNoTokenText(lines.join("\n"), knownTokens);
  });

  test("a token source that hangs: 502 with the reason after tokenTimeoutMs, nothing reaches the app", async () => {
    const hung = { getIdToken: () => new Promise<string>(() => undefined) };
    const proxy = await startProxy({ url: frontEnd.url, tokens: hung, port: 0, tokenTimeoutMs: 200 });
    try {
      const response = await fetch(`${proxy.url}/h`);
      expect(response.status).toBe(502);
      expect(await response.text()).toMatch(/timed out after 0.2s getting an ID token/);
      expect(app.received).toHaveLength(0);
    } finally {
      await proxy.close();
    }
  });

  test("forwards with a fresh ID token; the caller's own Authorization stays for the app", async () => {
    const proxy = await startProxy({ url: frontEnd.url, tokens: new GoogleTokenSource(), port: 0 });
    try {
      const plain = await fetch(`${proxy.url}/p?x=1`, { method: "POST", body: "hello" });
      expect(plain.status).toBe(200);
      expect(await plain.json()).toEqual({ ok: true, path: "/p?x=1" });
      const withOwn = await fetch(`${proxy.url}/q`, { headers: { authorization: "Bearer mine" } });
      expect(withOwn.status).toBe(200);
      expect(app.received.map((r) => [r.path, payloadOf(r.xServerless ?? r.authorization).email, r.authorization?.startsWith("Bearer mine")])).toEqual([
        ["/p?x=1", RUNNER, false],
        ["/q", RUNNER, true],
      ]);
    } finally {
      await proxy.close();
    }
  });
});
