/**
 * The smoke checks, as a library: the CLI (client/cli/smoke.ts) and the local
 * rehearsal of `npm start` both call these and get a structured report.
 *
 * A service passes when: no token → 403 (it is private); the caller's ID token in
 * Authorization → 2xx; the same token in X-Serverless-Authorization beside an
 * unrelated Authorization → 2xx. A job passes when an execution started by the
 * caller finishes successfully.
 */
import { claimsOf } from "./diagnose";
import { ClientError } from "./errors";
import { HeaderMode } from "./headers";
import { AccessTokenSource, IdTokenSource } from "./idTokens";
import { AttemptInfo, invoke } from "./invoke";
import { JobTarget, ServiceTarget, SmokeTargets } from "./outputs";
import { safeMessage } from "./redact";
import { runJob } from "./runJob";

/** Names of the checks, stable for machine readers. */
export type CheckName = "anonymous-is-refused" | "authorization-header" | "x-serverless-authorization-header" | "job-execution";

/** One check's outcome. No token text, ever. */
export interface CheckResult {
  check: CheckName;
  passed: boolean;
  /** Last HTTP status seen, if any. */
  status?: number;
  attempts: number;
  elapsedMs: number;
  /** What happened, one line. */
  message: string;
  /** What to do next when it failed. */
  hint?: string;
}

export interface ServiceReport {
  kind: "service";
  name: string;
  url: string;
  audience: string;
  path: string;
  /** Caller identity (the ID token's email claim), when known. */
  caller?: string;
  passed: boolean;
  checks: CheckResult[];
}

export interface JobReport {
  kind: "job";
  name: string;
  job: string;
  passed: boolean;
  checks: CheckResult[];
}

/** The whole run. */
export interface SmokeReport {
  passed: boolean;
  startedAt: string;
  elapsedMs: number;
  services: ServiceReport[];
  jobs: JobReport[];
}

/** Live progress of one check. */
export interface ProgressEvent {
  target: string;
  check: CheckName;
  attempt: number;
  elapsedMs: number;
  status?: number;
  done: boolean;
}

/** Options shared by the service checks. */
export interface ServiceCheckOptions {
  /** ID tokens for the caller. */
  tokens: IdTokenSource;
  /** Only this mode's check (plus the anonymous one). @default both modes */
  headerMode?: Exclude<HeaderMode, "auto">;
  /** Bound on waiting for IAM propagation (403 retried with backoff). @default 600 000 ms */
  propagationTimeoutMs?: number;
  /** Per-request timeout. @default 30 000 ms */
  requestTimeoutMs?: number;
  /** Backoff tuning (tests): first ceiling and largest ceiling. @default 1 000 / 15 000 ms */
  baseDelayMs?: number;
  maxDelayMs?: number;
  onProgress?: (event: ProgressEvent) => void;
  fetch?: typeof fetch;
}

/** Options of the job check. */
export interface JobCheckOptions {
  tokens: AccessTokenSource;
  /** Cloud Run Admin API base. @default "https://run.googleapis.com" */
  apiBase?: string;
  /** Bound on the execution. @default 600 000 ms */
  timeoutMs?: number;
  pollIntervalMs?: number;
  onProgress?: (event: ProgressEvent) => void;
  fetch?: typeof fetch;
}

/**
 * An `Authorization` value that is not a Google token, standing in for the app's
 * own credential in the X-Serverless-Authorization check.
 */
export const UNRELATED_AUTHORIZATION = "Bearer app-own-credential-not-a-google-token";

/** Runs every check of one service and returns its report; never throws for a failed check. */
export async function checkService(target: ServiceTarget, options: ServiceCheckOptions): Promise<ServiceReport> {
  const url = new URL(target.path, target.url).toString();
  const checks: CheckResult[] = [await checkAnonymous(target, url, options)];
  const modes = options.headerMode ? [options.headerMode] : (["authorization", "x-serverless"] as const);
  for (const mode of modes) checks.push(await checkWithToken(target, url, mode, options));
  return {
    kind: "service",
    name: target.name,
    url: target.url,
    audience: target.audience,
    path: target.path,
    caller: await callerEmail(options.tokens, target.audience),
    passed: checks.every((check) => check.passed),
    checks,
  };
}

/** No token at all must be refused by Cloud Run with 403. */
async function checkAnonymous(target: ServiceTarget, url: string, options: ServiceCheckOptions): Promise<CheckResult> {
  const check: CheckName = "anonymous-is-refused";
  const started = Date.now();
  let status: number | undefined;
  try {
    const response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(options.requestTimeoutMs ?? 30_000) });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    const reason = `${safeMessage(error)}${typeof code === "string" ? ` (${code})` : ""}`;
    return { check, passed: false, attempts: 1, elapsedMs: Date.now() - started, message: `could not reach ${url}: ${reason}`, hint: "check the URL and that the service is deployed" };
  }
  options.onProgress?.({ target: target.name, check, attempt: 1, elapsedMs: Date.now() - started, status, done: true });
  const elapsedMs = Date.now() - started;
  if (status === 403) return { check, passed: true, status, attempts: 1, elapsedMs, message: "no token → 403: the service is private" };
  const publicHint =
    status >= 200 && status < 400
      ? "the service answers without a token: it is PUBLIC. Remove allUsers/allAuthenticatedUsers and invokerIamDisabled, then pulumi up"
      : "expected Cloud Run's 403 for a request without a token; check that the URL is the Cloud Run service itself";
  return { check, passed: false, status, attempts: 1, elapsedMs, message: `no token → ${status}, expected 403`, hint: publicHint };
}

/** The caller's ID token in one header must get a 2xx, within the IAM propagation window. */
async function checkWithToken(target: ServiceTarget, url: string, mode: "authorization" | "x-serverless", options: ServiceCheckOptions): Promise<CheckResult> {
  const check: CheckName = mode === "authorization" ? "authorization-header" : "x-serverless-authorization-header";
  const started = Date.now();
  let attempts = 0;
  let status: number | undefined;
  const onAttempt = (info: AttemptInfo) => {
    attempts = info.attempt;
    status = info.status;
    options.onProgress?.({ target: target.name, check, attempt: info.attempt, elapsedMs: info.elapsedMs, status: info.status, done: info.nextDelayMs === undefined });
  };
  try {
    const response = await invoke(url, mode === "x-serverless" ? { headers: { authorization: UNRELATED_AUTHORIZATION } } : {}, {
      tokens: options.tokens,
      audience: target.audience,
      headerMode: mode,
      timeoutMs: options.requestTimeoutMs,
      retry: { retryForbidden: true, deadlineMs: options.propagationTimeoutMs ?? 600_000, baseDelayMs: options.baseDelayMs ?? 1_000, maxDelayMs: options.maxDelayMs ?? 15_000 },
      onAttempt,
      fetch: options.fetch,
    });
    await response.body?.cancel();
    status = response.status;
    const header = mode === "authorization" ? "Authorization" : "X-Serverless-Authorization (beside an unrelated Authorization)";
    const elapsedMs = Date.now() - started;
    if (response.ok) return { check, passed: true, status, attempts, elapsedMs, message: `ID token in ${header} → ${status}` };
    return { check, passed: false, status, attempts, elapsedMs, message: `ID token in ${header} → ${status}, expected 2xx`, hint: "the front end let the request through but the app failed: check the app's logs and the smoke path" };
  } catch (error) {
    const { message, hint } = describeFailure(error);
    return { check, passed: false, status, attempts: Math.max(attempts, 1), elapsedMs: Date.now() - started, message, hint };
  }
}

/** Splits a thrown error into a one-line message and a hint, redacted. */
function describeFailure(error: unknown): { message: string; hint?: string } {
  if (error instanceof ClientError) return { message: error.summary, hint: error.hint };
  return { message: safeMessage(error) };
}

/** The email claim of the caller's token, for the report (not the token). */
async function callerEmail(tokens: IdTokenSource, audience: string): Promise<string | undefined> {
  try {
    return claimsOf(await tokens.getIdToken(audience))?.email;
  } catch {
    return undefined;
  }
}

/** Runs the job and waits for its execution to succeed. */
export async function checkJob(target: JobTarget, options: JobCheckOptions): Promise<JobReport> {
  const check: CheckName = "job-execution";
  const job = `projects/${target.project}/locations/${target.region}/jobs/${target.name}`;
  const started = Date.now();
  let polls = 0;
  const result = (passed: boolean, message: string, extra: Partial<CheckResult> = {}): JobReport => ({
    kind: "job",
    name: target.name,
    job,
    passed,
    checks: [{ check, passed, attempts: 1, elapsedMs: Date.now() - started, message, ...extra }],
  });
  try {
    const run = await runJob(target, {
      tokens: options.tokens,
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
    if (run.succeeded) return result(true, `execution ${run.execution?.name ?? run.operation} succeeded`);
    return result(false, `execution ${run.execution?.name ?? run.operation} failed (${run.execution?.failedCount ?? "?"} task(s) failed)`, {
      hint: `read its logs: gcloud run jobs executions describe … --region ${target.region} --project ${target.project}`,
    });
  } catch (error) {
    const { message, hint } = describeFailure(error);
    return result(false, message, { hint, status: (error as { status?: number }).status, attempts: Math.max(1, polls) });
  }
}

/** Options of {@link runSmoke}. */
export interface SmokeOptions extends Omit<ServiceCheckOptions, "tokens" | "onProgress" | "fetch"> {
  tokens: IdTokenSource & AccessTokenSource;
  apiBase?: string;
  jobTimeoutMs?: number;
  pollIntervalMs?: number;
  onProgress?: (event: ProgressEvent) => void;
  fetch?: typeof fetch;
}

/**
 * Checks every service, then every job, one after the other (a propagation wait
 * on one service must not hide another's failure: each gets its own report).
 */
export async function runSmoke(targets: SmokeTargets, options: SmokeOptions): Promise<SmokeReport> {
  const started = Date.now();
  const services: ServiceReport[] = [];
  for (const target of targets.services) services.push(await checkService(target, options));
  const jobs: JobReport[] = [];
  for (const target of targets.jobs) {
    jobs.push(await checkJob(target, { tokens: options.tokens, apiBase: options.apiBase, timeoutMs: options.jobTimeoutMs, pollIntervalMs: options.pollIntervalMs, onProgress: options.onProgress, fetch: options.fetch }));
  }
  return {
    passed: [...services, ...jobs].every((report) => report.passed),
    startedAt: new Date(started).toISOString(),
    elapsedMs: Date.now() - started,
    services,
    jobs,
  };
}
