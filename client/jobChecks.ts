/**
 * The smoke checks of one Cloud Run job. Jobs have no URL: they are started
 * through the Cloud Run Admin API (`POST …/jobs/J:run`, OAuth access token).
 *
 * By default the job is NOT executed; its IAM is checked instead:
 * - anonymous: `:run` without a token → 401 (Google APIs refuse a request
 *   without credentials before IAM is consulted);
 * - outsider (with an outsider token source): `:run` → 403 (no run.jobs.run);
 * - invoker: `:testIamPermissions` for the caller lists run.jobs.run (that call
 *   needs no permission and executes nothing), retried for IAM propagation.
 * With `run: true` (the job's `smokeRun` key) the job is also executed and the
 * execution must succeed. The execution runs as `executionTokens` (in CI the
 * deploy account): waiting on it needs run.operations.get, which an invoker
 * such as the smoke account does not hold.
 */
import { ClientError } from "./errors";
import { AccessTokenSource } from "./idTokens";
import { JobTarget } from "./outputs";
import { redact, safeMessage } from "./redact";
import { nextDelayMs, resolveRetryOptions } from "./retry";
import { DEFAULT_RUN_API, jobResourceName, runJob } from "./runJob";
import type { CheckResult, JobReport, ProgressEvent } from "./smoke";
import { sleepFor, withTimeout } from "./timeout";

/** Options of {@link checkJob}. */
export interface JobCheckOptions {
  /** Access tokens of the invoker whose binding is checked. */
  tokens: AccessTokenSource;
  /** Access tokens of a principal that must be refused (no grant anywhere). */
  outsider?: AccessTokenSource;
  /** Access tokens that execute the job when the target says `run` (needs run.operations.get to wait). @default tokens */
  executionTokens?: AccessTokenSource;
  /** Cloud Run Admin API base. @default "https://run.googleapis.com" */
  apiBase?: string;
  /** Bound on the execution, and on waiting for the invoker's permission to propagate. @default 600 000 ms */
  timeoutMs?: number;
  pollIntervalMs?: number;
  /** Per-request timeout. @default 30 000 ms */
  requestTimeoutMs?: number;
  /** Backoff of the propagation wait (tests). @default 1 000 / 15 000 ms */
  baseDelayMs?: number;
  maxDelayMs?: number;
  onProgress?: (event: ProgressEvent) => void;
  fetch?: typeof fetch;
}

/** The permission an invoker needs to start an execution. */
export const RUN_PERMISSION = "run.jobs.run";

/** Runs the job's checks and returns its report; never throws for a failed check. */
export async function checkJob(target: JobTarget, options: JobCheckOptions): Promise<JobReport> {
  const job = jobResourceName(target);
  const api = `${(options.apiBase ?? DEFAULT_RUN_API).replace(/\/+$/, "")}/v2/${job}`;
  const checks: CheckResult[] = [await refusedRun(target, api, undefined, options)];
  if (options.outsider) checks.push(await refusedRun(target, api, options.outsider, options));
  checks.push(await invokerMayRun(target, api, options));
  const run = target.run === true;
  if (run) checks.push(await execution(target, options));
  return { kind: "job", name: target.name, job, run, passed: checks.every((check) => check.passed), checks };
}

/** `:run` as nobody (401 expected) or as the outsider (403 expected). */
async function refusedRun(target: JobTarget, api: string, outsider: AccessTokenSource | undefined, options: JobCheckOptions): Promise<CheckResult> {
  const check = outsider ? "outsider-run-refused" : "anonymous-run-refused";
  const expected = outsider ? 403 : 401;
  const who = outsider ? "the outsider's access token" : "no token";
  const started = Date.now();
  let status: number;
  try {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (outsider) headers.authorization = `Bearer ${await withTimeout(outsider.getAccessToken(), options.requestTimeoutMs ?? 30_000, "the outsider's access token")}`;
    const response = await (options.fetch ?? fetch)(`${api}:run`, { method: "POST", headers, body: "{}", signal: AbortSignal.timeout(options.requestTimeoutMs ?? 30_000) });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    return { check, passed: false, attempts: 1, elapsedMs: Date.now() - started, ...describe(error, `could not ask ${api}:run with ${who}`) };
  }
  options.onProgress?.({ target: target.name, check, attempt: 1, elapsedMs: Date.now() - started, status, done: true });
  const elapsedMs = Date.now() - started;
  if (status === expected) {
    const message = outsider ? ":run with the outsider's token → 403: it may not run the job" : ":run with no token → 401: the job cannot be started anonymously";
    return { check, passed: true, status, attempts: 1, elapsedMs, message };
  }
  const hint =
    status >= 200 && status < 300
      ? outsider
        ? "the outsider STARTED an execution: it holds run.jobs.run through a grant on the job, a group, or the project. Find it with gcloud run jobs get-iam-policy and gcloud projects get-iam-policy"
        : "the job was started without credentials: check that the API base is Google's Cloud Run Admin API"
      : `expected ${expected}; check the job name, region and project in the stack outputs`;
  return { check, passed: false, status, attempts: 1, elapsedMs, message: `:run with ${who} → ${status}, expected ${expected}`, hint };
}

/** The caller holds run.jobs.run on the job (testIamPermissions), within the IAM propagation window. */
async function invokerMayRun(target: JobTarget, api: string, options: JobCheckOptions): Promise<CheckResult> {
  const check = "invoker-may-run";
  const started = Date.now();
  // The same propagation wait as the services' 403 retries.
  const policy = resolveRetryOptions({ retryForbidden: true, deadlineMs: options.timeoutMs ?? 600_000, baseDelayMs: options.baseDelayMs ?? 1_000, maxDelayMs: options.maxDelayMs ?? 15_000 });
  let status: number | undefined;
  // Bounded: nextDelayMs() ends the loop at the deadline.
  for (let attempt = 1; ; attempt++) {
    let held: boolean;
    try {
      const token = await withTimeout(options.tokens.getAccessToken(), options.requestTimeoutMs ?? 30_000, "an access token");
      const response = await (options.fetch ?? fetch)(`${api}:testIamPermissions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ permissions: [RUN_PERMISSION] }),
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 30_000),
      });
      status = response.status;
      const body = (await response.json().catch(() => ({}))) as { permissions?: unknown };
      if (!response.ok) {
        const hint = status === 401 ? "the caller's access token was refused: check the credentials (or --impersonate)" : "check the job name, region and project in the stack outputs";
        return { check, passed: false, status, attempts: attempt, elapsedMs: Date.now() - started, message: `:testIamPermissions → ${status}`, hint };
      }
      held = Array.isArray(body.permissions) && body.permissions.includes(RUN_PERMISSION);
    } catch (error) {
      return { check, passed: false, status, attempts: attempt, elapsedMs: Date.now() - started, ...describe(error, `could not ask ${api}:testIamPermissions`) };
    }
    const elapsedMs = Date.now() - started;
    const delay = held ? undefined : nextDelayMs({ attempt, elapsedMs }, policy);
    options.onProgress?.({ target: target.name, check, attempt, elapsedMs, status, done: delay === undefined });
    if (held) return { check, passed: true, status, attempts: attempt, elapsedMs, message: `the caller holds ${RUN_PERMISSION} on the job (testIamPermissions; nothing executed)` };
    if (delay === undefined) {
      return {
        check,
        passed: false,
        status,
        attempts: attempt,
        elapsedMs,
        message: `the caller does not hold ${RUN_PERMISSION} on the job after ${(elapsedMs / 1000).toFixed(1)}s`,
        hint: "list the caller in the job's invokers (with roles/run.invoker or roles/run.jobsExecutor), pulumi up, and allow a few minutes for IAM to propagate",
      };
    }
    await sleepFor(delay);
  }
}

/** `smokeRun: true`: an execution must succeed. */
async function execution(target: JobTarget, options: JobCheckOptions): Promise<CheckResult> {
  const check = "job-execution";
  const started = Date.now();
  let polls = 0;
  try {
    const run = await runJob(target, {
      tokens: options.executionTokens ?? options.tokens,
      apiBase: options.apiBase,
      wait: true,
      waitTimeoutMs: options.timeoutMs ?? 600_000,
      pollIntervalMs: options.pollIntervalMs,
      fetch: options.fetch,
      onProgress: (progress) => {
        polls = progress.polls;
        options.onProgress?.({ target: target.name, check, attempt: progress.polls, elapsedMs: progress.elapsedMs, done: progress.done });
      },
    });
    const name = run.execution?.name ?? run.operation;
    if (run.succeeded) return { check, passed: true, attempts: Math.max(1, polls), elapsedMs: Date.now() - started, message: `execution ${name} succeeded` };
    return {
      check,
      passed: false,
      attempts: Math.max(1, polls),
      elapsedMs: Date.now() - started,
      message: `execution ${name} failed (${run.execution?.failedCount ?? "?"} task(s) failed)`,
      hint: `read its logs: gcloud run jobs executions describe … --region ${target.region} --project ${target.project}`,
    };
  } catch (error) {
    return { check, passed: false, status: (error as { status?: number }).status, attempts: Math.max(1, polls), elapsedMs: Date.now() - started, ...describe(error) };
  }
}

/** A thrown error as a one-line message and a hint, redacted. */
function describe(error: unknown, prefix?: string): { message: string; hint?: string } {
  if (error instanceof ClientError) return { message: prefix ? `${prefix}: ${error.summary}` : error.summary, hint: error.hint };
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  const reason = redact(`${safeMessage(error)}${typeof code === "string" ? ` (${code})` : ""}`);
  return { message: prefix ? `${prefix}: ${reason}` : reason };
}
