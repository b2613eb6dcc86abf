import { TokenIssuer, startFrontEnd, startMetadataServer, type FrontEnd, type MetadataServer } from "../../emulator";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEchoApp } from "./support";

const RUNNER = "runner@proj.iam.gserviceaccount.com";

describe("metadata server", () => {
  let issuer: TokenIssuer;
  let metadata: MetadataServer;
  beforeAll(async () => {
    issuer = new TokenIssuer();
    metadata = await startMetadataServer({ issuer, email: RUNNER, projectId: "proj" });
  });
  afterAll(async () => {
    await metadata?.close();
  });

  const get = (path: string, flavor = true): Promise<Response> =>
    fetch(`${metadata.url}${path}`, { headers: flavor ? { "Metadata-Flavor": "Google" } : {} });

  test("host is the value for GCE_METADATA_HOST", () => {
    expect(metadata.url).toBe(`http://${metadata.host}`);
  });

  test("requests without Metadata-Flavor: Google are refused with 403; every response carries the header", async () => {
    const refused = await get("/computeMetadata/v1/instance/service-accounts/default/token", false);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("metadata-flavor")).toBe("Google");
    const missing = await get("/computeMetadata/v1/nothing-here");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("metadata-flavor")).toBe("Google");
  });

  test("email, project id, universe domain and the availability ping", async () => {
    expect(await (await get("/computeMetadata/v1/instance/service-accounts/default/email")).text()).toBe(RUNNER);
    expect(await (await get(`/computeMetadata/v1/instance/service-accounts/${RUNNER}/email`)).text()).toBe(RUNNER);
    expect(await (await get("/computeMetadata/v1/project/project-id")).text()).toBe("proj");
    expect(await (await get("/computeMetadata/v1/universe/universe-domain")).text()).toBe("googleapis.com");
    expect((await get("/computeMetadata/v1/instance")).status).toBe(200);
    expect((await get("/")).status).toBe(200);
    expect((await get("/computeMetadata/v1/instance/service-accounts/other@proj.iam.gserviceaccount.com/email")).status).toBe(404);
  });

  test("token: a ya29 access token the issuer knows as the runner", async () => {
    const body = (await (await get("/computeMetadata/v1/instance/service-accounts/default/token")).json()) as Record<string, unknown>;
    expect(body).toEqual({ access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, token_type: "Bearer" });
    expect(issuer.identityForAccessToken(body.access_token as string)).toBe(RUNNER);
  });

  test("identity: an ID token for the audience; audience is required", async () => {
    const res = await get("/computeMetadata/v1/instance/service-accounts/default/identity?audience=https://svc.a.run.app&format=full");
    const payload = await issuer.verifyIdToken(await res.text(), { audiences: ["https://svc.a.run.app"] });
    expect(payload.email).toBe(RUNNER);
    expect((await get("/computeMetadata/v1/instance/service-accounts/default/identity")).status).toBe(400);
  });

  test("setEmail changes the identity of tokens minted afterwards", async () => {
    metadata.setEmail("other@proj.iam.gserviceaccount.com");
    try {
      const res = await get("/computeMetadata/v1/instance/service-accounts/default/identity?audience=a");
      expect((await issuer.verifyIdToken(await res.text(), { audiences: ["a"] })).email).toBe("other@proj.iam.gserviceaccount.com");
    } finally {
      metadata.setEmail(RUNNER);
    }
  });
});

/**
 * google-auth-library's own metadata-server path: a fresh copy of the library
 * (jest.isolateModulesAsync), loaded once GCE_METADATA_HOST is set, in an environment
 * of nothing else (no key file, no gcloud config: HOME is an empty directory), as a
 * new process would have it. The result holds statuses and claims only, never a token.
 */
describe("google-auth-library through GCE_METADATA_HOST", () => {
  let issuer: TokenIssuer;
  let metadata: MetadataServer;
  let app: Awaited<ReturnType<typeof startEchoApp>>;
  let frontEnd: FrontEnd;
  beforeAll(async () => {
    issuer = new TokenIssuer();
    metadata = await startMetadataServer({ issuer, email: RUNNER, projectId: "proj" });
    app = await startEchoApp();
    frontEnd = await startFrontEnd({ upstream: app.url, issuer, audiences: [], invokers: [`serviceAccount:${RUNNER}`] });
  });
  afterAll(async () => {
    await frontEnd?.close();
    await app?.close();
    await metadata?.close();
  });

  /**
   * What the library gets through the metadata server and the front end, with `env` only, an
   * empty HOME, and a PATH without gcloud, as on Cloud Run. (Looking for a project, the library
   * runs `gcloud config config-helper` before it asks the metadata server: a gcloud on this
   * machine would cost a second of CPU and could answer with this machine's project.)
   *
   * Node's child_process lives outside jest's sandbox and reads the real process.env, not the
   * one set here, so the library gets a child_process whose exec passes this env on.
   */
  async function viaGoogleAuth(env: Record<string, string>): Promise<Record<string, unknown>> {
    const saved = process.env;
    const home = mkdtempSync(join(tmpdir(), "emulator-home-"));
    process.env = { PATH: home, HOME: home, ...env };
    // gaxios loads node-fetch with a dynamic import() unless window.fetch exists; jest's vm refuses those.
    (globalThis as { window?: unknown }).window ??= { fetch: globalThis.fetch };
    let result: Record<string, unknown> = {};
    try {
      await jest.isolateModulesAsync(async () => {
        jest.doMock("child_process", () => {
          const real = jest.requireActual<typeof import("node:child_process")>("node:child_process");
          const exec = (command: string, callback: Parameters<typeof real.exec>[2]) => real.exec(command, { env: process.env }, callback);
          return { ...real, exec };
        });
        const { GoogleAuth } = (await import("google-auth-library")) as typeof import("google-auth-library");
        const url = env.SERVICE_URL;
        const auth = new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
        const client = await auth.getClient();
        const idClient = await auth.getIdTokenClient(url);
        const viaAuthorization = await idClient.request({ url: url + "/hello", validateStatus: () => true });
        const idToken = await idClient.idTokenProvider.fetchIdToken(url);
        const viaServerless = await fetch(url + "/hello", { headers: { authorization: "Bearer app-token", "x-serverless-authorization": "Bearer " + idToken } });
        const anonymous = await fetch(url + "/hello");
        const access = await client.getAccessToken();
        const accessAsIdToken = await fetch(url + "/hello", { headers: { authorization: "Bearer " + access.token } });
        result = {
          client: client.constructor.name,
          projectId: await auth.getProjectId(),
          email: (await auth.getCredentials()).client_email,
          viaAuthorization: viaAuthorization.status,
          viaServerless: viaServerless.status,
          anonymous: anonymous.status,
          accessTokenIsYa29: access.token?.startsWith("ya29.") ?? false,
          accessAsIdToken: accessAsIdToken.status,
        };
      });
    } finally {
      jest.dontMock("child_process"); // the factory is registered for the whole test file
      process.env = saved;
      rmSync(home, { recursive: true, force: true });
    }
    return result;
  }

  test.each([
    ["with the availability ping", {}],
    ["with METADATA_SERVER_DETECTION=assume-present", { METADATA_SERVER_DETECTION: "assume-present" }],
  ])("GoogleAuth finds the metadata server (%s) and its ID token passes the front end in both header modes", async (_name, extraEnv) => {
    const before = app.received.length;
    const result = await viaGoogleAuth({ GCE_METADATA_HOST: metadata.host, SERVICE_URL: frontEnd.url, ...extraEnv });
    expect(result).toEqual({
      client: "Compute",
      projectId: "proj",
      email: RUNNER,
      viaAuthorization: 200,
      viaServerless: 200,
      anonymous: 403,
      accessTokenIsYa29: true,
      accessAsIdToken: 401,
    });
    const received = app.received.slice(before);
    expect(received).toHaveLength(2);
    expect(received[0].headers.authorization).toMatch(/^Bearer eyJ/);
    expect(received[1].headers.authorization).toBe("Bearer app-token");
    expect(received[1].headers["x-serverless-authorization"]).toMatch(/\.SIGNATURE_REMOVED_BY_GOOGLE$/);
    expect(JSON.stringify(result)).not.toMatch(/eyJ|ya29\./);
  });
});
