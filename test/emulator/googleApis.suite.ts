import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GoogleAuth, Impersonated, JWT, OAuth2Client, type AuthClient } from "google-auth-library";
import {
  TokenIssuer,
  googleApisRedirect,
  startFrontEnd,
  startGoogleApis,
  type FrontEnd,
  type GoogleApis,
  type ServiceAccountKeyFile,
} from "../../emulator";
import { startEchoApp } from "./support";

const CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";
const CALLER = "caller@proj.iam.gserviceaccount.com";
const TARGET = "target@proj.iam.gserviceaccount.com";
const USER = "alice@example.com";

describe("Google APIs stand-in driven by google-auth-library", () => {
  let issuer: TokenIssuer;
  let apis: GoogleApis;
  let app: Awaited<ReturnType<typeof startEchoApp>>;
  let frontEnd: FrontEnd;
  let callerKey: ServiceAccountKeyFile;
  let keyFile: string;

  beforeAll(async () => {
    issuer = new TokenIssuer();
    apis = await startGoogleApis({ issuer });
    app = await startEchoApp();
    frontEnd = await startFrontEnd({
      upstream: app.url,
      issuer,
      audiences: [],
      invokers: [`serviceAccount:${CALLER}`, `serviceAccount:${TARGET}`, `user:${USER}`],
    });
    callerKey = apis.createServiceAccountKey(CALLER);
    keyFile = join(mkdtempSync(join(tmpdir(), "emulator-key-")), "key.json");
    writeFileSync(keyFile, JSON.stringify(callerKey));
  });
  afterAll(async () => {
    await frontEnd?.close();
    await app?.close();
    await apis?.close();
  });

  /**
   * google-auth-library 10 posts key-file JWTs to https://oauth2.googleapis.com/token
   * whatever token_uri says: send its requests to the emulator. Inside jest,
   * gaxios also needs Node's fetch (its default dynamic import of node-fetch
   * fails in jest's VM without --experimental-vm-modules).
   */
  const redirect = <T extends AuthClient>(client: T): T => {
    client.transporter.defaults.fetchImplementation = fetch;
    client.transporter.interceptors.request.add(googleApisRedirect(apis.url));
    return client;
  };
  const useNodeFetch = <T extends AuthClient>(client: T): T => {
    client.transporter.defaults.fetchImplementation = fetch;
    return client;
  };
  const invoke = (token: string): Promise<Response> => fetch(`${frontEnd.url}/hi`, { headers: { authorization: `Bearer ${token}` } });

  test("the key file names the emulator's token_uri and a project", () => {
    expect(callerKey).toMatchObject({ type: "service_account", client_email: CALLER, project_id: "proj", token_uri: `${apis.url}/token` });
    expect(() => apis.createServiceAccountKey("alice@example.com")).toThrow(/not a service-account email/);
  });

  test("service-account key file → GoogleAuth.getIdTokenClient → 200 through the front end", async () => {
    const auth = new GoogleAuth({ keyFilename: keyFile });
    redirect(await auth.getClient());
    const idClient = useNodeFetch(await auth.getIdTokenClient(frontEnd.url));
    const res = await idClient.request<{ url: string }>({ url: `${frontEnd.url}/hello` });
    expect(res.status).toBe(200);
    expect(res.data.url).toBe("/hello");
    expect(frontEnd.decisions().pop()).toMatchObject({ status: 200, email: CALLER });
  });

  test("service-account key → access token (scope required), known to the issuer as the caller", async () => {
    const jwt = redirect(new JWT({ email: CALLER, key: callerKey.private_key, scopes: [CLOUD_PLATFORM] }));
    const { token } = await jwt.getAccessToken();
    expect(issuer.identityForAccessToken(token as string)).toBe(CALLER);
    const noScope = redirect(new JWT({ email: CALLER, key: callerKey.private_key }));
    await expect(noScope.authorize()).rejects.toThrow(/invalid_scope/);
  });

  test("a JWT asking for another subject (domain-wide delegation) is refused, not silently issued for the key's account", async () => {
    const jwt = redirect(new JWT({ email: CALLER, key: callerKey.private_key, scopes: [CLOUD_PLATFORM], subject: USER }));
    await expect(jwt.authorize()).rejects.toThrow(/unauthorized_client/);
  });

  test("a key the emulator did not issue is refused (invalid_grant) and the error holds no assertion", async () => {
    const other = await startGoogleApis({ issuer });
    try {
      const foreignKey = other.createServiceAccountKey(CALLER);
      const jwt = redirect(new JWT({ email: CALLER, key: foreignKey.private_key }));
      const error = await jwt.fetchIdToken(frontEnd.url).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/invalid_grant: Invalid JWT Signature/);
      expect(error?.message).not.toMatch(/eyJ/);
    } finally {
      await other.close();
    }
  });

  test("Impersonated (endpoint option): generateIdToken passes the front end as the target; generateAccessToken names the target", async () => {
    const source = redirect(new JWT({ email: CALLER, key: callerKey.private_key, scopes: [CLOUD_PLATFORM] }));
    const impersonated = useNodeFetch(new Impersonated({ sourceClient: source, targetPrincipal: TARGET, targetScopes: [CLOUD_PLATFORM], endpoint: apis.url }));
    const idToken = await impersonated.fetchIdToken(frontEnd.url, { includeEmail: true });
    expect((await invoke(idToken)).status).toBe(200);
    expect(frontEnd.decisions().pop()).toMatchObject({ status: 200, email: TARGET });
    const { token } = await impersonated.getAccessToken();
    expect(issuer.identityForAccessToken(token as string)).toBe(TARGET);
  });

  test.each([
    ["an authorized_user source (gcloud ADC --impersonate-service-account)", () => apis.createAuthorizedUser(USER)],
    ["a service_account key source", () => callerKey],
  ])("GoogleAuth.getIdTokenClient with an impersonated_service_account credential from %s", async (_name, source) => {
    const auth = new GoogleAuth({
      scopes: [CLOUD_PLATFORM],
      credentials: {
        type: "impersonated_service_account",
        service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${TARGET}:generateAccessToken`,
        source_credentials: { ...source() },
      } as never,
    });
    const client = useNodeFetch((await auth.getClient()) as Impersonated);
    redirect((client as unknown as { sourceClient: AuthClient }).sourceClient); // private in the typings, public at run time
    const idClient = useNodeFetch(await auth.getIdTokenClient(frontEnd.url));
    const res = await idClient.request({ url: `${frontEnd.url}/x`, validateStatus: () => true });
    expect(res.status).toBe(200);
    expect(frontEnd.decisions().pop()).toMatchObject({ status: 200, email: TARGET });
  });

  test("without Token Creator the impersonation is 403 PERMISSION_DENIED; with it, allowed", async () => {
    const source = redirect(new JWT({ email: CALLER, key: callerKey.private_key, scopes: [CLOUD_PLATFORM] }));
    apis.setTokenCreators({ [TARGET]: ["user:someone-else@example.com"] });
    try {
      const denied = useNodeFetch(new Impersonated({ sourceClient: source, targetPrincipal: TARGET, targetScopes: [CLOUD_PLATFORM], endpoint: apis.url }));
      await expect(denied.getAccessToken()).rejects.toThrow(/PERMISSION_DENIED: unable to impersonate: Permission 'iam.serviceAccounts.getAccessToken' denied/);
      await expect(denied.fetchIdToken("aud")).rejects.toMatchObject({ status: 403 });
      apis.setTokenCreators({ [TARGET]: [`serviceAccount:${CALLER}`] });
      const allowed = useNodeFetch(new Impersonated({ sourceClient: source, targetPrincipal: TARGET, targetScopes: [CLOUD_PLATFORM], endpoint: apis.url }));
      expect((await invoke(await allowed.fetchIdToken(frontEnd.url))).status).toBe(200);
    } finally {
      apis.setTokenCreators(undefined);
    }
  });

  test("IAM Credentials refuses missing and unknown access tokens with 401, and an ID token as Bearer", async () => {
    const url = `${apis.url}/v1/projects/-/serviceAccounts/${TARGET}:generateIdToken`;
    const post = (authorization?: string) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) }, body: '{"audience":"a"}' });
    expect((await post()).status).toBe(401);
    expect((await post("Bearer ya29.unknown")).status).toBe(401);
    const idToken = await issuer.mintIdToken({ email: CALLER, audience: "a" });
    const res = await post(`Bearer ${idToken}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 401, status: "UNAUTHENTICATED", message: expect.stringContaining("invalid authentication credentials") } });
  });

  test("authorized_user (gcloud ADC): refresh-token grant gives an access token and an ID token whose aud is the client id, accepted for a user invoker", async () => {
    const credentials = apis.createAuthorizedUser(USER);
    const auth = new GoogleAuth({ credentials, clientOptions: { endpoints: { oauth2TokenUrl: `${apis.url}/token` } } });
    const { token } = await useNodeFetch(await auth.getClient()).getAccessToken();
    expect(issuer.identityForAccessToken(token as string)).toBe(USER);
    const idClient = await auth.getIdTokenClient(frontEnd.url);
    const idToken = await idClient.idTokenProvider.fetchIdToken(frontEnd.url);
    expect((await issuer.verifyIdToken(idToken, { audiences: [credentials.client_id] })).email).toBe(USER);
    expect((await invoke(idToken)).status).toBe(200);
  });

  test("a service account's token with a user client id as audience is 401", async () => {
    const token = await issuer.mintIdToken({ email: CALLER, audience: apis.createAuthorizedUser(USER).client_id });
    expect((await invoke(token)).status).toBe(401);
  });

  test("wrong client secret is 401 invalid_client", async () => {
    const credentials = { ...apis.createAuthorizedUser(USER), client_secret: "wrong" };
    const auth = new GoogleAuth({ credentials, clientOptions: { endpoints: { oauth2TokenUrl: `${apis.url}/token` } } });
    await expect(useNodeFetch(await auth.getClient()).getAccessToken()).rejects.toThrow(/invalid_client|client was not found/);
  });

  test("OAuth2Client.verifyIdToken accepts the issuer's tokens through the published certs (v1 PEM)", async () => {
    const verifier = useNodeFetch(new OAuth2Client({ endpoints: { oauth2FederatedSignonPemCertsUrl: `${apis.url}/oauth2/v1/certs` } }));
    const idToken = await issuer.mintIdToken({ email: CALLER, audience: "https://svc" });
    const ticket = await verifier.verifyIdToken({ idToken, audience: "https://svc" });
    expect(ticket.getPayload()?.email).toBe(CALLER);
    await expect(verifier.verifyIdToken({ idToken, audience: "https://other" })).rejects.toThrow(/audience/i);
    const jwks = (await (await fetch(`${apis.url}/oauth2/v3/certs`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([issuer.keyId]);
  });
});

describe("Cloud Run Admin v2 jobs", () => {
  let issuer: TokenIssuer;
  let apis: GoogleApis;
  const RUNNER = "runner@proj.iam.gserviceaccount.com";
  const VIEWER = "watcher@proj.iam.gserviceaccount.com";
  const jobUrl = (name: string) => `${apis.url}/v2/projects/proj/locations/asia-east1/jobs/${name}:run`;

  beforeAll(async () => {
    issuer = new TokenIssuer();
    apis = await startGoogleApis({ issuer });
    apis.registerJob({ project: "proj", region: "asia-east1", name: "nightly", invokers: [`serviceAccount:${RUNNER}`, `serviceAccount:${VIEWER}`], viewers: [`serviceAccount:${VIEWER}`] });
    apis.registerJob({ project: "proj", region: "asia-east1", name: "slow", invokers: [`serviceAccount:${VIEWER}`], viewers: [`serviceAccount:${VIEWER}`], durationMs: 3_600_000 });
    apis.registerJob({ project: "proj", region: "asia-east1", name: "broken", invokers: [`serviceAccount:${VIEWER}`], viewers: [`serviceAccount:${VIEWER}`], outcome: "failed" });
    apis.registerJob({ project: "proj", region: "asia-east1", name: "brief", invokers: [`serviceAccount:${VIEWER}`], viewers: [`serviceAccount:${VIEWER}`], durationMs: 50 });
  });
  afterAll(async () => {
    await apis?.close();
  });

  const run = (name: string, token?: string, body?: unknown): Promise<Response> =>
    fetch(jobUrl(name), {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const getOperation = async (name: string, token: string) =>
    fetch(`${apis.url}/v2/${name}`, { headers: { authorization: `Bearer ${token}` } });

  test(":run status codes: 401 without or with an unknown token, 404 unknown job, 403 without run.jobs.run", async () => {
    expect((await run("nightly")).status).toBe(401);
    expect((await run("nightly", "ya29.unknown")).status).toBe(401);
    expect((await run("ghost", issuer.mintAccessToken(RUNNER))).status).toBe(404);
    const denied = await run("nightly", issuer.mintAccessToken("stranger@proj.iam.gserviceaccount.com"));
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ error: { code: 403, status: "PERMISSION_DENIED", message: expect.stringContaining("run.jobs.run") } });
  });

  test("an invoker runs the job with overrides; polling without run.operations.get is 403 naming it", async () => {
    const token = issuer.mintAccessToken(RUNNER);
    const overrides = { containerOverrides: [{ args: ["--dry-run"] }], taskCount: 1 };
    const res = await run("nightly", token, { overrides });
    expect(res.status).toBe(200);
    const operation = (await res.json()) as { name: string; done: boolean; metadata: { name: string } };
    expect(operation.name).toMatch(/^projects\/proj\/locations\/asia-east1\/operations\/[0-9a-f-]+$/);
    expect(operation.metadata.name).toMatch(/^projects\/proj\/locations\/asia-east1\/jobs\/nightly\/executions\/nightly-/);
    expect(apis.jobRuns().pop()).toEqual({ job: "projects/proj/locations/asia-east1/jobs/nightly", caller: RUNNER, overrides, operation: operation.name });
    const poll = await getOperation(operation.name, token);
    expect(poll.status).toBe(403);
    expect(JSON.stringify(await poll.json())).toContain("run.operations.get");
  });

  test("a viewer sees the operation done with an Execution response", async () => {
    const token = issuer.mintAccessToken(VIEWER);
    const { name } = (await (await run("nightly", token)).json()) as { name: string };
    const operation = (await (await getOperation(name, token)).json()) as Record<string, unknown>;
    expect(operation).toMatchObject({ name, done: true, response: { succeededCount: 1, failedCount: 0, completionTime: expect.any(String) } });
    expect(operation.error).toBeUndefined();
  });

  test("a long execution is not done; a failed one is done with an error", async () => {
    const token = issuer.mintAccessToken(VIEWER);
    const slow = (await (await run("slow", token)).json()) as { name: string; done: boolean };
    expect(slow.done).toBe(false);
    expect(((await (await getOperation(slow.name, token)).json()) as { done: boolean }).done).toBe(false);
    const broken = (await (await run("broken", token)).json()) as { name: string };
    const failed = (await (await getOperation(broken.name, token)).json()) as Record<string, unknown>;
    expect(failed).toMatchObject({ done: true, error: { code: expect.any(Number), message: expect.stringContaining("failed") }, metadata: { failedCount: 1 } });
    expect(failed.response).toBeUndefined();
  });

  test("an operation becomes done after durationMs (bounded polling)", async () => {
    const token = issuer.mintAccessToken(VIEWER);
    const { name } = (await (await run("brief", token)).json()) as { name: string };
    let done = false;
    for (let attempt = 0; attempt < 100 && !done; attempt++) {
      done = ((await (await getOperation(name, token)).json()) as { done: boolean }).done;
      if (!done) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(done).toBe(true);
  });

  test(":testIamPermissions answers, without executing anything, which job permissions the caller holds", async () => {
    const ask = (name: string, token: string | undefined, permissions: unknown) =>
      fetch(`${apis.url}/v2/projects/proj/locations/asia-east1/jobs/${name}:testIamPermissions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ permissions }),
      });
    const runsBefore = apis.jobRuns().length;
    const both = ["run.jobs.run", "run.operations.get"];
    expect(await (await ask("nightly", issuer.mintAccessToken(RUNNER), both)).json()).toEqual({ permissions: ["run.jobs.run"] });
    expect(await (await ask("nightly", issuer.mintAccessToken(VIEWER), both)).json()).toEqual({ permissions: both });
    // Someone with no grant gets an empty answer, not an error (Google's shape: {}).
    const stranger = await ask("nightly", issuer.mintAccessToken("stranger@proj.iam.gserviceaccount.com"), both);
    expect([stranger.status, await stranger.json()]).toEqual([200, {}]);
    expect((await ask("nightly", undefined, both)).status).toBe(401);
    expect((await ask("ghost", issuer.mintAccessToken(RUNNER), both)).status).toBe(404);
    expect((await ask("nightly", issuer.mintAccessToken(RUNNER), ["run.*"])).status).toBe(400);
    expect(apis.jobRuns().length).toBe(runsBefore);
  });

  test("unknown operation is 404; bad overrides are 400; registerJob validates names and members", async () => {
    const token = issuer.mintAccessToken(VIEWER);
    expect((await getOperation("projects/proj/locations/asia-east1/operations/nope", token)).status).toBe(404);
    expect((await run("nightly", token, { overrides: "all" })).status).toBe(400);
    expect(() => apis.registerJob({ project: "proj", region: "asia-east1", name: "Bad_Name", invokers: [] })).toThrow(/name "Bad_Name"/);
    expect(() => apis.registerJob({ project: "proj", region: "asia-east1", name: "open", invokers: ["allUsers"] })).toThrow(/"allUsers" would make it public/);
  });
});
