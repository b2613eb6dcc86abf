/** runJob() against the emulator's Cloud Run Admin v2 jobs API, with access tokens from the metadata server. */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { TokenIssuer, startGoogleApis, startMetadataServer } from "../../emulator";
import type { GoogleApis, MetadataServer } from "../../emulator";
import { GoogleTokenSource, JobError, runJob, checkJob, StaticTokenSource, UsageError } from "../../client";
import { expectNoTokenText, letGaxiosUseNativeFetch, useMetadataServerCredentials } from "./support";

const PROJECT = "jobs-test";
const REGION = "asia-east1";
const RUNNER = `runner@${PROJECT}.iam.gserviceaccount.com`;
const me = `serviceAccount:${RUNNER}`;

let issuer: TokenIssuer;
let metadata: MetadataServer;
let apis: GoogleApis;
let tmp: string;
let tokens: GoogleTokenSource;
const savedEnv = { ...process.env };

beforeAll(async () => {
  letGaxiosUseNativeFetch();
  tmp = await mkdtemp(path.join(os.tmpdir(), "pcr-jobs-"));
  issuer = new TokenIssuer();
  metadata = await startMetadataServer({ issuer, email: RUNNER, projectId: PROJECT });
  apis = await startGoogleApis({ issuer });
  useMetadataServerCredentials(metadata.host, PROJECT, tmp);
  tokens = new GoogleTokenSource();
  apis.registerJob({ project: PROJECT, region: REGION, name: "nightly", invokers: [me], viewers: [me], durationMs: 300 });
  apis.registerJob({ project: PROJECT, region: REGION, name: "broken", invokers: [me], viewers: [me], outcome: "failed" });
  apis.registerJob({ project: PROJECT, region: REGION, name: "run-only", invokers: [me], durationMs: 200 });
  apis.registerJob({ project: PROJECT, region: REGION, name: "not-mine", invokers: ["user:alice@example.com"], viewers: [me] });
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([apis?.close(), metadata?.close()]);
  await rm(tmp, { recursive: true, force: true });
});

const job = (name: string) => ({ project: PROJECT, region: REGION, name });
const base = () => ({ tokens, apiBase: apis.url, pollIntervalMs: 50 });

test("run and wait: the execution succeeds; overrides reach the API; progress is reported", async () => {
  const progress: boolean[] = [];
  const overrides = { containerOverrides: [{ args: ["--shard", "1"] }], taskCount: 2 };
  const result = await runJob(job("nightly"), { ...base(), overrides, wait: true, onProgress: (p) => progress.push(p.done) });
  expect(result).toMatchObject({ job: `projects/${PROJECT}/locations/${REGION}/jobs/nightly`, done: true, succeeded: true });
  expect(result.operation).toMatch(new RegExp(`^projects/${PROJECT}/locations/${REGION}/operations/`));
  expect(progress.at(-1)).toBe(true);
  const run = apis.jobRuns().find((r) => r.operation === result.operation);
  expect(run).toMatchObject({ caller: RUNNER, overrides });
});

test("run without waiting returns the operation, not done", async () => {
  const result = await runJob(job("nightly"), base());
  expect(result.done).toBe(false);
  expect(result.succeeded).toBeUndefined();
});

test("a failed execution is reported as not succeeded", async () => {
  const result = await runJob(job("broken"), { ...base(), wait: true });
  expect(result).toMatchObject({ done: true, succeeded: false });
  const report = await checkJob({ ...job("broken"), run: true }, base());
  expect(report.passed).toBe(false);
  expect(report.checks.find((check) => check.check === "job-execution")?.message).toMatch(/failed/);
});

test("403 while waiting explains run.operations.get (roles/run.viewer)", async () => {
  const error = await runJob(job("run-only"), { ...base(), wait: true }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(JobError);
  expect((error as JobError).status).toBe(403);
  expect((error as JobError).operation).toMatch(/operations\//);
  expect((error as JobError).hint).toMatch(/run\.operations\.get.*roles\/run\.viewer/);
});

test("403 on run says to grant run.jobs.run", async () => {
  const error = (await runJob(job("not-mine"), base()).catch((e: unknown) => e)) as JobError;
  expect(error.status).toBe(403);
  expect(error.hint).toMatch(/lacks run\.jobs\.run.*roles\/run\.invoker/);
});

test("403 on a run WITH overrides names run.jobs.runWithOverrides, which roles/run.invoker and roles/run.jobsExecutor lack", async () => {
  // The emulator does not model the overrides permission: a stand-in API answers as Cloud Run does.
  const api = http.createServer((_req, res) => {
    res.writeHead(403, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: 403, status: "PERMISSION_DENIED", message: "Permission 'run.jobs.runWithOverrides' denied on resource 'projects/jobs-test/locations/asia-east1/jobs/nightly' (or resource may not exist)." } }));
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  try {
    const overrides = { containerOverrides: [{ env: [{ name: "MODE", value: "full" }] }] };
    const apiBase = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const error = (await runJob(job("nightly"), { tokens: new StaticTokenSource({ accessToken: "ya29.stand-in" }), apiBase, overrides }).catch((e: unknown) => e)) as JobError;
    expect(error.status).toBe(403);
    expect(error.hint).toMatch(/overrides need run\.jobs\.runWithOverrides.*roles\/run\.jobsExecutorWithOverrides/);
    expect(error.hint).toMatch(/roles\/run\.invoker and roles\/run\.jobsExecutor do not include it/);
  } finally {
    await new Promise<void>((resolve) => api.close(() => resolve()));
  }
});

test("404 for an unknown job says how to list jobs", async () => {
  const error = (await runJob(job("nope"), base()).catch((e: unknown) => e)) as JobError;
  expect(error.status).toBe(404);
  expect(error.hint).toContain(`gcloud run jobs list --region ${REGION} --project ${PROJECT}`);
});

test("401 for an unknown access token, and the token is not in the error", async () => {
  const fake = "ya29.not-issued-by-the-emulator";
  const error = (await runJob(job("nightly"), { ...base(), tokens: new StaticTokenSource({ accessToken: fake }) }).catch((e: unknown) => e)) as JobError;
  expect(error.status).toBe(401);
  expectNoTokenText(`${error.message}${error.stack}${JSON.stringify(error)}`, [fake]);
});

test("checkJob with run passes for a job the caller may run and watch", async () => {
  const report = await checkJob({ ...job("nightly"), run: true }, base());
  expect(report).toMatchObject({ kind: "job", name: "nightly", run: true, passed: true });
});

test("bad job names are refused before any request", async () => {
  await expect(runJob({ project: PROJECT, region: REGION, name: "../x" }, base())).rejects.toThrow(UsageError);
  await expect(runJob({ project: PROJECT, region: REGION, name: "../x" }, base())).rejects.toThrow(/job.name: "..\/x" is not a valid name/);
});

describe("transient Admin API errors are retried with backoff, as invoke() does", () => {
  /**
   * A fetch in front of the emulator that answers the first scripted calls of a
   * method itself (a status, or a connection failure), then lets calls through.
   */
  function flakyFetch(script: { method: "GET" | "POST"; status?: number; retryAfter?: string; networkFailure?: boolean }[]) {
    const calls: string[] = [];
    const fetchWithFaults: typeof fetch = async (input, init) => {
      const method = (init?.method ?? "GET") as "GET" | "POST";
      calls.push(method);
      const index = script.findIndex((step) => step.method === method);
      if (index === -1) return fetch(input, init);
      const [step] = script.splice(index, 1);
      if (step.networkFailure) throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } });
      return new Response(JSON.stringify({ error: { code: step.status, message: "try again", status: "UNAVAILABLE" } }), {
        status: step.status,
        headers: step.retryAfter ? { "retry-after": step.retryAfter } : {},
      });
    };
    return { fetch: fetchWithFaults, calls };
  }

  test(":run answered 429 (with Retry-After) then 503 is retried and starts exactly one execution", async () => {
    const faults = flakyFetch([
      { method: "POST", status: 429, retryAfter: "3" },
      { method: "POST", status: 503 },
    ]);
    const delays: number[] = [];
    const before = apis.jobRuns().length;
    const result = await runJob(job("nightly"), { ...base(), fetch: faults.fetch, sleep: async (ms) => void delays.push(ms) });
    expect(result.operation).toMatch(/operations\//);
    expect(faults.calls).toEqual(["POST", "POST", "POST"]);
    expect(delays[0]).toBe(3000);
    expect(apis.jobRuns().length - before).toBe(1);
  });

  test(":run answered 502 or 504 is not repeated (the execution may have started): the error says so at once", async () => {
    for (const status of [502, 504]) {
      const faults = flakyFetch([{ method: "POST", status }]);
      const error = (await runJob(job("nightly"), { ...base(), fetch: faults.fetch, sleep: async () => undefined }).catch((e: unknown) => e)) as JobError;
      expect(error).toBeInstanceOf(JobError);
      expect(error.status).toBe(status);
      expect(faults.calls).toEqual(["POST"]);
    }
  });

  test("polling survives a 504 and a dropped connection", async () => {
    const faults = flakyFetch([
      { method: "GET", status: 504 },
      { method: "GET", networkFailure: true },
    ]);
    const result = await runJob(job("nightly"), { ...base(), wait: true, fetch: faults.fetch, sleep: async () => undefined });
    expect(result).toMatchObject({ done: true, succeeded: true });
    expect(faults.calls.filter((m) => m === "GET").length).toBeGreaterThanOrEqual(3);
  });

  test("a 503 that never ends stops at maxAttempts with the status and what to do", async () => {
    const faults = flakyFetch(Array.from({ length: 10 }, () => ({ method: "POST" as const, status: 503 })));
    const error = (await runJob(job("nightly"), { ...base(), fetch: faults.fetch, retry: { maxAttempts: 3 }, sleep: async () => undefined }).catch((e: unknown) => e)) as JobError;
    expect(error).toBeInstanceOf(JobError);
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/HTTP 503 \(try again\)/);
    expect(error.hint).toMatch(/retry later/);
    expect(faults.calls).toEqual(["POST", "POST", "POST"]);
  });

  test("a dropped connection on :run is not repeated and is reported without the token", async () => {
    const faults = flakyFetch([{ method: "POST", networkFailure: true }]);
    const error = (await runJob(job("nightly"), { ...base(), fetch: faults.fetch, sleep: async () => undefined }).catch((e: unknown) => e)) as JobError;
    expect(error).toBeInstanceOf(JobError);
    expect(error.message).toMatch(/POST .*:run failed after 1 attempt\(s\): TypeError: fetch failed/);
    expect(faults.calls).toEqual(["POST"]);
    expectNoTokenText(`${error.message}${error.stack}${JSON.stringify(error)}`);
  });
});
