/**
 * What the smoke checks prove, against the emulator: the outsider is refused,
 * a service that is not reachable from outside its VPC is reported and not
 * failed, and a job's IAM is checked without executing it unless it says smokeRun.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEmulator, startFrontEnd } from "../../emulator";
import type { Emulator, FrontEnd, GoogleApis, TokenIssuer } from "../../emulator";
import { GoogleTokenSource, StaticTokenSource, checkJob, checkService, runSmoke } from "../../client";
import type { IdTokenSource, ServiceTarget } from "../../client";
import { NOT_REACHABLE } from "../../client/smoke";
import { expectNoTokenText, letGaxiosUseNativeFetch, startEchoApp, useMetadataServerCredentials } from "./support";

const PROJECT = "smoke-checks";
const REGION = "asia-east1";
const SMOKE = `pulumi-smoke@${PROJECT}.iam.gserviceaccount.com`;
const OUTSIDER = `pulumi-outsider@${PROJECT}.iam.gserviceaccount.com`;
const DEPLOY = `pulumi-deploy@${PROJECT}.iam.gserviceaccount.com`;

let emulator: Emulator;
let issuer: TokenIssuer;
let app: Awaited<ReturnType<typeof startEchoApp>>;
let apis: GoogleApis;
let frontEnd: FrontEnd;
let tmp: string;
const savedEnv = { ...process.env };
const knownTokens: string[] = [];

beforeAll(async () => {
  letGaxiosUseNativeFetch();
  tmp = await mkdtemp(path.join(os.tmpdir(), "pcr-smoke-checks-"));
  app = await startEchoApp();
  // The caller the checks run as (the metadata server's account) is the smoke account.
  emulator = await startEmulator({ upstream: app.url, email: SMOKE, projectId: PROJECT, audiences: [], invokers: [`serviceAccount:${SMOKE}`] });
  ({ issuer, googleApis: apis } = emulator);
  frontEnd = emulator.frontEnd!;
  useMetadataServerCredentials(emulator.metadata.host, PROJECT, tmp);
  const smoke = `serviceAccount:${SMOKE}`;
  const deploy = `serviceAccount:${DEPLOY}`;
  // As the stacks grant: the smoke account may run the jobs; only the deploy account (run.developer) may also watch them.
  apis.registerJob({ project: PROJECT, region: REGION, name: "nightly", invokers: [smoke, deploy], viewers: [deploy], durationMs: 50 });
  apis.registerJob({ project: PROJECT, region: REGION, name: "broken", invokers: [smoke, deploy], viewers: [deploy], outcome: "failed" });
  apis.registerJob({ project: PROJECT, region: REGION, name: "not-granted", invokers: [deploy], viewers: [deploy] });
  apis.registerJob({ project: PROJECT, region: REGION, name: "open", invokers: [smoke, `serviceAccount:${OUTSIDER}`], viewers: [deploy] });
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([emulator?.close(), app?.close()]);
  await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  app.received.length = 0;
});

/** ID tokens of `email` for any audience, from the emulated issuer. */
function idTokensOf(email: string): IdTokenSource {
  return {
    getIdToken: async (audience) => {
      const token = await issuer.mintIdToken({ email, audience });
      knownTokens.push(token);
      return token;
    },
  };
}

function accessTokensOf(email: string): StaticTokenSource {
  const token = issuer.mintAccessToken(email);
  knownTokens.push(token);
  return new StaticTokenSource({ accessToken: token });
}

const service = (ingress: ServiceTarget["ingress"] = "all"): ServiceTarget => ({ name: "hello", url: frontEnd.url, audience: frontEnd.url, path: "/health/", ingress });
const job = (name: string, run?: boolean) => ({ project: PROJECT, region: REGION, name, run });
const fast = { baseDelayMs: 20, maxDelayMs: 50 };

describe("services: the outsider", () => {
  test("an account that holds no grant gets 403; the invoker gets 2xx", async () => {
    const report = await checkService(service(), { tokens: new GoogleTokenSource(), outsider: idTokensOf(OUTSIDER), propagationTimeoutMs: 5_000, ...fast });
    expect(report.checks.map((check) => [check.check, check.passed, check.status])).toEqual([
      ["anonymous-is-refused", true, 403],
      ["outsider-is-refused", true, 403],
      ["authorization-header", true, 200],
      ["x-serverless-authorization-header", true, 200],
    ]);
    expect([report.passed, report.caller]).toEqual([true, SMOKE]);
    expectNoTokenText(JSON.stringify(report), knownTokens);
  });

  test("an outsider that gets in fails the smoke test at once, naming where to look", async () => {
    // The lock is open to someone it should not be: here the outsider is listed.
    const open = await startFrontEnd({ upstream: app.url, issuer, audiences: [], invokers: [`serviceAccount:${SMOKE}`, `serviceAccount:${OUTSIDER}`] });
    try {
      const report = await checkService({ ...service(), url: open.url, audience: open.url }, { tokens: new GoogleTokenSource(), outsider: idTokensOf(OUTSIDER), propagationTimeoutMs: 5_000, ...fast });
      const outsider = report.checks.find((check) => check.check === "outsider-is-refused");
      expect(report.passed).toBe(false);
      expect(outsider).toMatchObject({ passed: false, status: 200, attempts: 1, message: "the outsider's ID token → 200, expected 403" });
      expect(outsider?.hint).toMatch(/someone who is not an invoker got in/);
    } finally {
      await open.close();
    }
  });

  test("without an outsider there is no outsider check (the CLI's --outsider is optional for local runs)", async () => {
    const report = await checkService(service(), { tokens: new GoogleTokenSource(), headerMode: "authorization" });
    expect(report.checks.map((check) => check.check)).toEqual(["anonymous-is-refused", "authorization-header"]);
  });
});

describe("services: ingress", () => {
  test.each(["internal", "internal-and-cloud-load-balancing"] as const)("%s: reported as not reachable from here, not failed, and nothing is called", async (ingress) => {
    const report = await checkService(service(ingress), { tokens: new GoogleTokenSource(), outsider: idTokensOf(OUTSIDER) });
    expect(report).toMatchObject({ passed: true, checks: [], ingress });
    expect(report.skipped).toBe(`${NOT_REACHABLE} (ingress ${ingress}); pass --inside-vpc when running there`);
    expect(app.received).toHaveLength(0);
  });

  test("insideVpc: an internal service is checked like any other (here the front end is reachable)", async () => {
    const report = await checkService(service("internal"), { tokens: new GoogleTokenSource(), outsider: idTokensOf(OUTSIDER), insideVpc: true });
    expect(report.skipped).toBeUndefined();
    expect(report.checks.map((check) => [check.check, check.passed])).toEqual([
      ["anonymous-is-refused", true],
      ["outsider-is-refused", true],
      ["authorization-header", true],
      ["x-serverless-authorization-header", true],
    ]);
  });

  test("insideVpc does not hide a failure: an internal service that refuses the invoker fails", async () => {
    const locked = await startFrontEnd({ upstream: app.url, issuer, audiences: [], invokers: ["user:alice@example.com"] });
    try {
      const report = await checkService({ ...service("internal"), url: locked.url, audience: locked.url }, { tokens: new GoogleTokenSource(), insideVpc: true, headerMode: "authorization", propagationTimeoutMs: 200, ...fast });
      expect(report.passed).toBe(false);
    } finally {
      await locked.close();
    }
  });
});

describe("jobs: IAM checked, not executed, by default", () => {
  test("anonymous :run → 401, outsider :run → 403, the smoke account holds run.jobs.run; no execution starts", async () => {
    const before = apis.jobRuns().length;
    const report = await checkJob(job("nightly"), { tokens: new GoogleTokenSource(), outsider: accessTokensOf(OUTSIDER), apiBase: apis.url, ...fast });
    expect(report.checks.map((check) => [check.check, check.passed, check.status])).toEqual([
      ["anonymous-run-refused", true, 401],
      ["outsider-run-refused", true, 403],
      ["invoker-may-run", true, 200],
    ]);
    expect([report.passed, report.run]).toEqual([true, false]);
    expect(apis.jobRuns().length).toBe(before);
    expectNoTokenText(JSON.stringify(report), knownTokens);
  });

  test("an invoker that does not hold run.jobs.run fails at the bound, saying what to grant", async () => {
    const report = await checkJob(job("not-granted"), { tokens: new GoogleTokenSource(), apiBase: apis.url, timeoutMs: 300, ...fast });
    const invoker = report.checks.find((check) => check.check === "invoker-may-run");
    expect(report.passed).toBe(false);
    expect(invoker?.attempts).toBeGreaterThan(1);
    expect(invoker?.message).toMatch(/does not hold run\.jobs\.run on the job after/);
    expect(invoker?.hint).toMatch(/list the caller in the job's invokers/);
  });

  test("an outsider that may run the job fails the check and is told it started an execution", async () => {
    const report = await checkJob(job("open"), { tokens: new GoogleTokenSource(), outsider: accessTokensOf(OUTSIDER), apiBase: apis.url, ...fast });
    const outsider = report.checks.find((check) => check.check === "outsider-run-refused");
    expect(report.passed).toBe(false);
    expect(outsider).toMatchObject({ passed: false, status: 200 });
    expect(outsider?.hint).toMatch(/the outsider STARTED an execution/);
  });

  test("an unknown job: the anonymous check cannot tell (401 first), the invoker check says 404", async () => {
    const report = await checkJob(job("missing"), { tokens: new GoogleTokenSource(), apiBase: apis.url, ...fast });
    expect(report.passed).toBe(false);
    expect(report.checks.find((check) => check.check === "anonymous-run-refused")).toMatchObject({ passed: true, status: 401 });
    expect(report.checks.find((check) => check.check === "invoker-may-run")).toMatchObject({ passed: false, status: 404 });
  });
});

describe("jobs: smokeRun executes", () => {
  test("run: the execution starts as the execution credentials (the deploy account) and must succeed", async () => {
    const before = apis.jobRuns().length;
    const report = await checkJob(job("nightly", true), { tokens: new GoogleTokenSource(), executionTokens: accessTokensOf(DEPLOY), apiBase: apis.url, pollIntervalMs: 20, ...fast });
    expect(report.checks.map((check) => [check.check, check.passed])).toEqual([
      ["anonymous-run-refused", true],
      ["invoker-may-run", true],
      ["job-execution", true],
    ]);
    expect([report.passed, report.run]).toEqual([true, true]);
    expect(apis.jobRuns().slice(before).map((run) => run.caller)).toEqual([DEPLOY]);
  });

  test("run: a failed execution fails the job", async () => {
    const report = await checkJob(job("broken", true), { tokens: new GoogleTokenSource(), executionTokens: accessTokensOf(DEPLOY), apiBase: apis.url, pollIntervalMs: 20, ...fast });
    expect(report.passed).toBe(false);
    expect(report.checks.at(-1)).toMatchObject({ check: "job-execution", passed: false });
    expect(report.checks.at(-1)?.message).toMatch(/^execution .* failed \(/);
  });
});

test("runSmoke: an internal service is not a failure, a job is checked, the whole report passes", async () => {
  const report = await runSmoke(
    { services: [service("internal")], jobs: [job("nightly")] },
    { tokens: new GoogleTokenSource(), outsider: { ...idTokensOf(OUTSIDER), getAccessToken: () => accessTokensOf(OUTSIDER).getAccessToken() }, apiBase: apis.url, ...fast },
  );
  expect(report.passed).toBe(true);
  expect(report.services[0].skipped).toMatch(NOT_REACHABLE);
  expect(report.jobs[0].checks.map((check) => check.check)).toEqual(["anonymous-run-refused", "outsider-run-refused", "invoker-may-run"]);
});
